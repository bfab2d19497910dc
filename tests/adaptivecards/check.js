// Parse each Adaptive Card on stdin (a JSON array of cards) with Microsoft's adaptivecards
// library and print, per card, every parse and validation message it reports (JSON).
// Used by tests/unit/notifier/test_teams_card.py; installed by `make test` (npm ci).
const AC = require("adaptivecards/dist/adaptivecards.js");

const input = require("fs").readFileSync(0, "utf8");
const report = JSON.parse(input).map((json) => {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(json, context);
  const messages = [];
  for (let i = 0; i < context.eventCount; i++) {
    messages.push(context.getEventAt(i).message);
  }
  for (const event of card.validateProperties().validationEvents) {
    messages.push(event.message);
  }
  return { messages, body: card.getItemCount(), actions: card.getActionCount() };
});
process.stdout.write(JSON.stringify(report));
