// The queue's live rows and keyboard (docs/console.md, "Queue").
// Every 3 s the rows fragment replaces the table body; the selected row stays selected.
import { tick } from "./countdown.js";

const POLL_MS = 3000;
const table = document.getElementById("queue");
const help = document.getElementById("help");
let selectedId = null;

function rows() {
  return Array.from(table.querySelectorAll("tbody tr[data-id]"));
}

function select(row) {
  rows().forEach((r) => r.classList.toggle("selected", r === row));
  selectedId = row ? row.dataset.id : null;
  if (row) {
    row.setAttribute("aria-selected", "true");
    row.scrollIntoView({ block: "nearest" });
  }
}

function move(step) {
  const all = rows();
  if (!all.length) return;
  const at = all.findIndex((r) => r.dataset.id === selectedId);
  const next = at < 0 ? 0 : Math.min(all.length - 1, Math.max(0, at + step));
  select(all[next]);
}

function selected() {
  return rows().find((r) => r.dataset.id === selectedId) || null;
}

async function refresh() {
  try {
    const answer = await fetch(table.dataset.rows, { credentials: "same-origin" });
    if (!answer.ok) return;
    const holder = document.createElement("table");
    holder.innerHTML = await answer.text();
    const fresh = holder.querySelector("tbody");
    if (!fresh) return;
    table.querySelector("tbody").replaceWith(fresh);
    const again = selected();
    if (again) select(again);
    tick();
  } catch (_) {
    // Offline for a moment: the next poll tries again.
  }
}

function typing(event) {
  const el = event.target;
  return el instanceof HTMLElement && (el.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName));
}

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || typing(event)) return;
  if (event.key === "j") move(1);
  else if (event.key === "k") move(-1);
  else if (event.key === "?") help.hidden = !help.hidden;
  else if (event.key === "Enter" && selected() && !(event.target instanceof HTMLAnchorElement || event.target instanceof HTMLButtonElement)) {
    window.location.assign(selected().dataset.href);
  } else if (event.key === "a" && selected()) {
    const button = selected().querySelector("form.ack button");
    if (button) button.click();
  } else return;
  event.preventDefault();
});

setInterval(refresh, POLL_MS);
