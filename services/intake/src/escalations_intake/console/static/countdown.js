// Live countdowns for every <time datetime data-countdown> (docs/console.md, "Countdowns").
// Text says "due in 4 min" or "breached 2 min ago"; the classes warning and breached add a
// marker, so the state is not told by colour alone.

const WARN_SHARE = 0.25;
const WARN_MS = 5 * 60 * 1000;

/** Say a duration in words a person reads at a glance. */
export function spoken(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  if (minutes < 1) return "under a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

/** The state of a deadline at `now`: "breached", "warning" or "ok". */
export function stateOf(due, since, now) {
  if (now >= due) return "breached";
  const left = due - now;
  const budget = since && since < due ? due - since : null;
  if (left < WARN_MS || (budget && left < budget * WARN_SHARE)) return "warning";
  return "ok";
}

function update(el, now) {
  const due = Date.parse(el.getAttribute("datetime"));
  if (Number.isNaN(due)) return;
  const since = Date.parse(el.dataset.since || "");
  const state = stateOf(due, Number.isNaN(since) ? null : since, now);
  el.textContent = state === "breached"
    ? `breached ${spoken(now - due)} ago`
    : `due in ${spoken(due - now)}`;
  el.title = new Date(due).toUTCString();
  el.classList.toggle("warning", state === "warning");
  el.classList.toggle("breached", state === "breached");
}

/** Update every countdown on the page now. */
export function tick() {
  const now = Date.now();
  document.querySelectorAll("time[data-countdown]").forEach((el) => update(el, now));
}

tick();
setInterval(tick, 1000);
