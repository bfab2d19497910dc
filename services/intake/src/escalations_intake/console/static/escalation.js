// The escalation page's live block (docs/console.md, "Escalation page").
// Every 3 s the block (status, deadlines, history, deliveries) is fetched again and swapped
// in, so what the router applies appears without a reload. A page showing revealed content
// has no data-live: it is not refreshed, and a reload hides the content again.
import { tick } from "./countdown.js";

const POLL_MS = 3000;
const holder = document.getElementById("live");
const DONE = ["acknowledged", "resolved"];

function settle(status) {
  // The acknowledge form goes once the router recorded an acknowledgement or a resolution.
  const ack = document.getElementById("ack-form");
  if (ack && DONE.includes(status)) ack.hidden = true;
}

async function refresh() {
  try {
    const answer = await fetch(holder.dataset.live, { credentials: "same-origin" });
    if (!answer.ok) return;
    const box = document.createElement("div");
    box.innerHTML = await answer.text();
    const fresh = box.querySelector("#escalation-live");
    const current = holder.querySelector("#escalation-live");
    if (!fresh || !current) return;
    if (fresh.innerHTML !== current.innerHTML) {
      current.replaceWith(fresh);
      tick();
    }
    settle(fresh.dataset.status);
  } catch (_) {
    // Offline for a moment: the next poll tries again.
  }
}

if (holder && holder.dataset.live) {
  setInterval(refresh, POLL_MS);
}
