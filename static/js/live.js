// Live updates for thread and theme pages. The page works without this file; it only adds
// what happened since the page was rendered, and never touches a draft.
//
// A post event carries `html`: the post as the page's own `_post.html` draws it, rendered by
// the server for this reader's role, language and timezone (and with edit and delete when
// the reader wrote it), with an empty body: the body is the event's `body_html`, sent once
// rather than twice in every frame. What only this page knows is filled in here: the CSRF token, a
// client id per form, `after_id`, whether the page lets this person post at all, the
// reader's own reaction and the codes already shown.

import { openLive } from "./live-connection.js";

const root = document.getElementById("live");
const TYPING_SHOWN_MS = 4000;
const CSRF_FIELD = "csrf_token";

if (root) start(root);

function newClientId() {
  return crypto.randomUUID().replaceAll("-", "");
}

function start(root) {
  // The page a form's POST led to names the new post in its address: start there.
  const named = /^#post-(\d+)$/.exec(location.hash);
  const landed = named && document.querySelector(`#post-${named[1]} > article`);
  if (landed) {
    landed.tabIndex = -1;
    landed.focus();
  }
  const slug = root.dataset.dialogue;
  const threadId = Number(root.dataset.thread || 0);
  const afterId = root.dataset.afterId;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const status = document.getElementById("live-status");
  const announcer = document.getElementById("live-announcer");
  const presence = document.getElementById("live-presence");
  const typing = document.getElementById("live-typing");
  const pending = new Map(); // client_id -> {frame, form}
  let focusOnArrival = null; // the id of the post this reader just sent, until it is shown
  let typingTimer = null;
  let lastTypingSent = 0;

  const STATUS_TEXT = {
    offline: root.dataset.textOffline,
    paused: root.dataset.textPaused,
    reconnecting: root.dataset.textReconnecting,
    closed: root.dataset.textClosed,
  };

  function setStatus(state) {
    if (state === "websocket" || state === "polling") root.dataset.transport = state;
    if (!status) return;
    const text = STATUS_TEXT[state] || "";
    status.textContent = text;
    status.hidden = !text;
    status.classList.toggle("offline", Boolean(text));
  }

  function announce(text) {
    if (announcer) announcer.textContent = text;
  }

  const live = openLive({
    slug,
    seq: Number(root.dataset.seq || 0),
    onEvent: apply,
    onFrame: handle,
    onStatus: setStatus,
    onOpen: (ws) => {
      for (const { frame } of pending.values()) ws.send(JSON.stringify(frame));
    },
    afterPoll: flushPendingOverHttp,
  });

  async function flushPendingOverHttp() {
    for (const [clientId, { frame }] of pending) {
      const response = await fetch(`/api/v1/threads/${frame.thread_id}/posts`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ body: frame.body, parent_id: frame.parent_id, client_id: clientId,
                               anonymous: frame.anonymous, content_warning: frame.content_warning,
                               lang: frame.lang }),
      });
      const data = await response.json();
      if (response.ok) acked(clientId, data.status, data.id);
      else refused(clientId, data.error?.message || String(response.status));
    }
  }

  function handle(frame) {
    if (frame.type === "ack") {
      acked(frame.client_id, frame.status, frame.post_id);
    } else if (frame.type === "error" && frame.client_id) {
      refused(frame.client_id, frame.message);
    } else if (frame.type === "presence" && presence) {
      // A dialogue that shows presence as a count sends no names (and neither does anyone
      // who chose not to be shown as online).
      if (frame.online.length) presence.textContent = `${root.dataset.textOnline} ${frame.online.join(", ")}`;
      else presence.textContent = frame.count ? `${root.dataset.textCount} ${frame.count}` : "";
    } else if (frame.type === "notification") {
      showUnread(frame.unread);
    } else if (frame.type === "typing" && typing && frame.thread_id === threadId) {
      typing.textContent = `${frame.user || root.dataset.textSomeone} ${root.dataset.textTyping}`;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { typing.textContent = ""; }, TYPING_SHOWN_MS);
    }
  }

  // The header's Notifications count, as the server renders it (base.html).
  function showUnread(count) {
    const link = document.getElementById("notifications-link");
    if (!link || !Number.isInteger(count)) return;
    link.querySelectorAll(".badge, .visually-hidden").forEach((node) => node.remove());
    if (count <= 0) return;
    const badge = document.createElement("span");
    badge.className = "badge count";
    badge.setAttribute("aria-hidden", "true");
    badge.textContent = String(count);
    const spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    const sample = count === 1 ? link.dataset.unreadOne : link.dataset.unreadTwo;
    spoken.textContent = (sample || "").replace(count === 1 ? "1" : "2", String(count));
    link.append(" ", badge, spoken);
  }

  function apply(kind, data) {
    const post = kind === "post.created" || kind === "post.updated" || kind === "post.status";
    if (post && data.thread_id === threadId && data.html) return showPost(kind, data);
    if (kind === "reaction.changed") return updateCounts(data);
    if (kind === "thread.created" && !threadId && data.theme_id === Number(root.dataset.theme)) {
      const notice = document.getElementById("live-new-threads");
      if (notice) notice.hidden = false;
      announce(`${root.dataset.textNewThread} ${data.title}`);
    }
  }

  // --- one post, from the server's fragment -------------------------------------------

  function fragment(data) {
    const template = document.createElement("template");
    template.innerHTML = data.html; // rendered by the server
    const item = template.content.firstElementChild;
    const body = item.querySelector(":scope > article .post-body");
    if (body?.hasAttribute("data-kept")) {
      // Taken out of public view: the event has no body, but this reader still sees the post.
      const shown = document.querySelector(`#${item.id} > article .post-body`);
      body.innerHTML = shown ? shown.innerHTML : "";
      body.removeAttribute("data-kept");
    } else if (body) body.innerHTML = data.body_html || ""; // sanitised (nh3) when it was stored
    for (const input of item.querySelectorAll(`input[name="${CSRF_FIELD}"]`)) input.value = csrf;
    for (const input of item.querySelectorAll('input[name="client_id"]')) input.value = newClientId();
    if (afterId !== undefined) keepPlace(item);
    // The page shows reply controls only when it lets this person post here (it then has
    // the thread's own reply form); the server rendered them for everyone of the role.
    if (!document.getElementById("reply-thread-body")) {
      item.querySelector(":scope > article details.reply")?.remove();
    }
    return item;
  }

  function keepPlace(item) {
    // The forms of a page that starts after a post come back to that page, as the page's own do.
    for (const form of item.querySelectorAll("form")) {
      if ((form.getAttribute("action") || "").endsWith("/flag")) continue;
      const input = document.createElement("input");
      Object.assign(input, { type: "hidden", name: "after_id", value: afterId });
      const leading = form.querySelectorAll(
        `:scope > input[name="${CSRF_FIELD}"], :scope > input[name="client_id"], :scope > input[name="parent_id"]`,
      );
      leading[leading.length - 1].after(input);
    }
    for (const link of item.querySelectorAll('a[href$="/edit"]')) link.href += `?after_id=${afterId}`;
  }

  function showPost(kind, data) {
    const item = fragment(data);
    const existing = document.getElementById(item.id);
    if (item.querySelector(":scope > article.placeholder") && !data.reply_count) {
      return existing?.remove(); // a place is kept only for the replies, as on the page
    }
    if (existing) return replacePost(existing, item);
    if (kind !== "post.created" && data.status !== "published") return; // not on this page
    const parent = data.parent_id && document.getElementById(`post-${data.parent_id}`);
    if (parent) item.querySelector(":scope > article .in-reply-to")?.remove();
    item.classList.add("live-new");
    (parent ? replyList(parent) : mainList()).append(item);
    if (data.id === focusOnArrival) {
      focusOnArrival = null;
      return focusPost(data.id); // the reader's own: focused, so not announced as well
    }
    const author = item.querySelector(".post-author")?.textContent || "";
    announce(`${root.dataset.textNewPost} ${author}`);
  }

  function replacePost(existing, item) {
    const old = existing.querySelector(":scope > article");
    const article = item.querySelector(":scope > article");
    if (!old.querySelector(".in-reply-to")) article.querySelector(".in-reply-to")?.remove();
    const chosen = old.querySelector(".reaction.chosen")?.value;
    if (chosen) {
      const button = article.querySelector(`.reaction[value="${chosen}"]`);
      button?.classList.add("chosen");
      button?.setAttribute("aria-pressed", "true");
    }
    const codes = old.querySelector(".post-codes");
    const body = article.querySelector(".post-body");
    if (codes && body) body.after(codes);
    // The codes form is the page's alone (the fragment does not know the codebook).
    const coding = old.querySelector(".post-coding");
    const actions = article.querySelector(".post-actions");
    const menu = actions?.querySelector("details.moderate");
    if (coding && menu) menu.after(coding);
    else if (coding && actions) actions.append(coding);
    if (old.contains(document.activeElement) || hasDraft(old)) {
      // Never under the reader's hands: only what the post says and its badges change.
      for (const part of [".post-header", ".post-body"]) {
        const fresh = article.querySelector(part);
        if (fresh) old.querySelector(part)?.replaceWith(fresh);
      }
      return;
    }
    old.replaceWith(article);
  }

  function hasDraft(article) {
    return Array.from(article.querySelectorAll("textarea")).some((area) => area.value.trim());
  }

  function replyList(parent) {
    let list = parent.querySelector(":scope > ol.replies");
    if (!list) {
      // The same depth classes as the page: one more than the list the parent sits in.
      const outer = parent.parentElement.className.match(/level-(\d+)/);
      list = document.createElement("ol");
      list.className = `replies level-${Math.min(8, (outer ? Number(outer[1]) : 0) + 1)}`;
      parent.append(list);
    }
    return list;
  }

  function mainList() {
    let list = document.querySelector("ol.posts");
    if (!list) {
      list = document.createElement("ol");
      list.className = "posts";
      root.before(list);
    }
    return list;
  }

  const REACTION_KINDS = ["agree", "disagree", "pass"];

  function updateCounts(data) {
    const item = document.getElementById(`post-${data.post_id}`);
    const article = item?.querySelector(":scope > article");
    if (!article) return;
    for (const [kind, count] of Object.entries(data.reactions)) {
      const counts = article.querySelectorAll(
        `.reactions [value="${kind}"] .count, .reactions [data-kind="${kind}"] .count`,
      );
      for (const span of counts) span.textContent = String(count);
      if (!counts.length && count && !article.querySelector(".reaction-form")) {
        addCount(article, kind, count);
      }
    }
  }

  // A reader who may not react sees only the counts that are not zero (`_post.html`): the
  // first reaction of a kind adds its count, in the page's order of kinds.
  function addCount(article, kind, count) {
    const label = root.dataset[`text${kind[0].toUpperCase()}${kind.slice(1)}`];
    if (!label) return; // a kind this page has no words for
    let line = article.querySelector(":scope > .reactions");
    if (!line) {
      line = document.createElement("p");
      line.className = "reactions meta";
      const before = article.querySelector(":scope > .post-codes") || article.querySelector(":scope > .post-body");
      before?.after(line);
    }
    const span = document.createElement("span");
    span.className = "reaction-count";
    span.dataset.kind = kind;
    const number = document.createElement("span");
    number.className = "count";
    number.textContent = String(count);
    span.append(`${label} `, number);
    const next = [...line.children].find(
      (other) => REACTION_KINDS.indexOf(other.dataset.kind) > REACTION_KINDS.indexOf(kind),
    );
    line.insertBefore(span, next || null);
  }

  // --- posting from this page ---------------------------------------------------------

  // After sending, the reader lands on their new post (as the page after a form's POST does):
  // a screen reader reads it, and the next Tab continues from there.
  function focusPost(postId) {
    const article = document.querySelector(`#post-${postId} > article`);
    if (!article) return false;
    article.tabIndex = -1;
    article.focus();
    return true;
  }

  function acked(clientId, postStatus, postId) {
    const entry = pending.get(clientId);
    if (!entry) return;
    pending.delete(clientId);
    const { form } = entry;
    form.dispatchEvent(new CustomEvent("post-sent", { bubbles: true })); // drafts.js forgets it
    if (postId && !focusPost(postId)) focusOnArrival = postId;
    form.querySelector("textarea").value = "";
    const warning = form.querySelector('input[name="content_warning"]');
    if (warning) warning.value = "";
    form.querySelector('input[name="client_id"]').value = newClientId();
    form.querySelector(".live-error")?.remove();
    const details = form.closest("details");
    if (details) details.open = false;
    if (postStatus === "pending") announce(root.dataset.textPending);
  }

  function refused(clientId, message) {
    const entry = pending.get(clientId);
    if (!entry) return;
    pending.delete(clientId);
    let error = entry.form.querySelector(".live-error");
    if (!error) {
      error = document.createElement("p");
      error.className = "alert live-error";
      error.setAttribute("role", "alert");
      entry.form.prepend(error);
    }
    error.textContent = message;
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("post-form")) return;
    const body = form.querySelector("textarea")?.value || "";
    const clientId = form.querySelector('input[name="client_id"]')?.value;
    if (!body.trim() || !clientId || !threadId) return; // let the browser submit it
    event.preventDefault();
    const parent = form.querySelector('input[name="parent_id"]')?.value;
    const frame = {
      type: "post.create", client_id: clientId, thread_id: threadId, body,
      parent_id: parent ? Number(parent) : null,
      anonymous: Boolean(form.querySelector('input[name="anonymous"]')?.checked),
      content_warning: form.querySelector('input[name="content_warning"]')?.value || null,
      // The composer's choice; "" (detect it) is left to the server.
      lang: form.querySelector('select[name="lang"]')?.value || null,
    };
    pending.set(clientId, { frame, form });
    if (live.socket && !live.polling) live.socket.send(JSON.stringify(frame));
    else if (live.polling) flushPendingOverHttp();
    // Otherwise it goes out as soon as the connection is back.
  });

  document.addEventListener("input", (event) => {
    if (!(event.target instanceof HTMLTextAreaElement) || !threadId) return;
    const now = Date.now();
    if (!live.socket || now - lastTypingSent < 2000) return;
    lastTypingSent = now;
    // Someone writing anonymously announces nothing: "typing" beside the online list, then an
    // anonymous post, would say who wrote it.
    if (event.target.form?.querySelector('input[name="anonymous"]')?.checked) return;
    live.socket.send(JSON.stringify({ type: "typing", thread_id: threadId }));
  });
}
