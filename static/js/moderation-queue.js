// The moderation queue by keyboard: j / k move between items, a approves, r goes to the
// reject form, which asks for the reason and the clause of the code of conduct (Escape
// comes back to the item). Actions go to the JSON API with the page's CSRF token, so nothing reloads; without
// this script the same forms still work as plain posts. The queue also listens to the
// dialogue's events: items another moderator handled leave the list, new ones are announced.
// The connection (websocket, retries, long-polling) is the live pages' own.

import { openLive } from "./live-connection.js";

const root = document.getElementById("queue");
const list = root?.querySelector("ol.queue");
const status = document.getElementById("queue-status");
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

function items() {
  return Array.from(document.querySelectorAll("li.queue-item"));
}

function current() {
  const focused = document.activeElement?.closest?.("li.queue-item");
  return focused ?? items()[0] ?? null;
}

function focusAt(index) {
  const all = items();
  if (all.length === 0) return;
  const item = all[Math.max(0, Math.min(index, all.length - 1))];
  item.focus();
  item.scrollIntoView({ block: "nearest" });
}

function move(step) {
  const all = items();
  const here = all.indexOf(current());
  focusAt(here < 0 ? 0 : here + step);
}

function say(text) {
  if (status) status.textContent = text;
}

function removeItem(item) {
  const all = items();
  const index = all.indexOf(item);
  const hadFocus = item.contains(document.activeElement);
  item.remove();
  if (items().length === 0) {
    root.querySelector(".queue-empty")?.removeAttribute("hidden");
  } else if (hadFocus || index === 0) {
    focusAt(index);
  }
}

async function send(item, form, reason) {
  const data = new FormData(form);
  let url = `/api/v1/posts/${item.dataset.postId}/moderation`;
  let body = { action: data.get("action"), reason: reason ?? data.get("reason") ?? "" };
  const clause = data.get("clause");
  if (clause) body.clause = clause;
  if (form.dataset.settle) {
    url = `/api/v1/posts/${item.dataset.postId}/flags/settle`;
    body = { outcome: form.dataset.settle, note: data.get("note") ?? "" };
  }
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body),
  });
  if (response.ok) {
    say(root.dataset.done);
    removeItem(item);
    return;
  }
  const error = await response.json().catch(() => ({ error: { message: response.statusText } }));
  if (error.error?.code === "already_handled") {
    say(root.dataset.handled);
    removeItem(item);
    return;
  }
  say(error.error?.message ?? response.statusText);
}

function approve(item) {
  const form = item.querySelector('form[data-action="approve"]');
  if (form) send(item, form);
}

function reject(item) {
  const form = item.querySelector('form[data-action="reject"]');
  const reason = form?.querySelector('input[name="reason"]');
  if (!reason) return;
  reason.focus();
  say(root.dataset.rejectHint);
}

function typing(target) {
  return target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]");
}

// --- live: what other moderators and members did since the page was rendered -----------

function apply(kind, data) {
  const item = document.getElementById(`item-${data.id ?? data.post_id}`);
  if (kind === "post.status" && item?.dataset.status === "pending" && data.status !== "pending") {
    say(root.dataset.handled);
    removeItem(item);
  } else if ((kind === "post.created" && data.status === "pending") || kind === "flag.created") {
    if (item) return;
    root.querySelector("#queue-new")?.removeAttribute("hidden");
    say(root.dataset.new);
  }
}

if (root && list) {
  document.addEventListener("keydown", (event) => {
    const inForm = event.target instanceof HTMLElement && event.target.closest("form.reject-form");
    if (event.key === "Escape" && inForm) {
      event.target.closest("li.queue-item")?.focus();
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    const item = current();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a": if (item) approve(item); break;
      case "r": if (item) reject(item); break;
      default: return;
    }
    event.preventDefault();
  });
  list.addEventListener("submit", (event) => {
    const form = event.target;
    const item = form.closest("li.queue-item");
    // Approve and reject settle the item here; the others (ask for an edit, a content
    // warning) leave it waiting, so they go as plain forms and the page comes back.
    if (!item || !["approve", "reject"].includes(form.dataset.action)) return;
    event.preventDefault();
    send(item, form);
  });
  focusAt(0);
  openLive({ slug: root.dataset.slug, seq: Number(root.dataset.seq ?? 0), onEvent: apply });
}
