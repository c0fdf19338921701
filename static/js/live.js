// Live updates for thread and theme pages: a websocket that resumes from the last seq,
// with long-polling where websockets are blocked. The page works without this file; it
// only adds what happened since the page was rendered, and never touches a draft.

const root = document.getElementById("live");
const RETRY_MIN = 1000;
const RETRY_MAX = 30000;
const FAILURES_BEFORE_POLLING = 3;
const TYPING_SHOWN_MS = 4000;

if (root) start(root);

function start(root) {
  const slug = root.dataset.dialogue;
  const threadId = Number(root.dataset.thread || 0);
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const status = document.getElementById("live-status");
  const announcer = document.getElementById("live-announcer");
  const presence = document.getElementById("live-presence");
  const typing = document.getElementById("live-typing");
  const pending = new Map(); // client_id -> {frame, form}
  let lastSeq = Number(root.dataset.seq || 0);
  let socket = null;
  let polling = false;
  let failures = 0;
  let retryTimer = null;
  let typingTimer = null;
  let lastTypingSent = 0;

  function setStatus(text, offline) {
    if (!status) return;
    status.textContent = text;
    status.hidden = !text;
    status.classList.toggle("offline", Boolean(offline));
  }

  function announce(text) {
    if (announcer) announcer.textContent = text;
  }

  function connect() {
    clearTimeout(retryTimer);
    if (!navigator.onLine) return setStatus(root.dataset.textOffline, true);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/dialogues/${slug}?after=${lastSeq}`);
    // Only the server's hello proves the connection works: some proxies accept the
    // upgrade and then drop it, which must count as a failure like a refused handshake.
    let opened = false;
    socket = ws;
    ws.addEventListener("message", (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === "hello" && !opened) {
        opened = true;
        root.dataset.transport = "websocket";
        failures = 0;
        setStatus("", false);
        for (const { frame: pendingFrame } of pending.values()) ws.send(JSON.stringify(pendingFrame));
      }
      handle(frame);
    });
    ws.addEventListener("close", (event) => {
      if (socket === ws) socket = null;
      if (event.code === 4404 || event.code === 4403 || event.code === 4401) {
        return setStatus(root.dataset.textClosed, true);
      }
      failures = opened ? 1 : failures + 1;
      if (!opened && failures >= FAILURES_BEFORE_POLLING) return startPolling();
      retry();
    });
  }

  function retry() {
    setStatus(root.dataset.textReconnecting, true);
    const base = Math.min(RETRY_MAX, RETRY_MIN * 2 ** Math.max(0, failures - 1));
    retryTimer = setTimeout(connect, base / 2 + Math.random() * base / 2); // jitter
  }

  async function startPolling() {
    if (polling) return;
    polling = true;
    root.dataset.transport = "polling";
    setStatus("", false);
    while (polling) {
      if (!navigator.onLine) {
        setStatus(root.dataset.textOffline, true);
        await new Promise((resolve) => window.addEventListener("online", resolve, { once: true }));
      }
      try {
        const response = await fetch(
          `/api/v1/dialogues/${slug}/events?after=${lastSeq}&wait=25`,
          { credentials: "same-origin", headers: { Accept: "application/json" } },
        );
        if (!response.ok) throw new Error(String(response.status));
        const page = await response.json();
        setStatus("", false);
        for (const event of page.events) handle({ type: "event", ...event });
        lastSeq = Math.max(lastSeq, page.last_seq);
        await flushPendingOverHttp();
      } catch {
        setStatus(root.dataset.textReconnecting, true);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MIN + Math.random() * RETRY_MIN));
      }
    }
  }

  async function flushPendingOverHttp() {
    for (const [clientId, { frame }] of pending) {
      const response = await fetch(`/api/v1/threads/${frame.thread_id}/posts`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ body: frame.body, parent_id: frame.parent_id, client_id: clientId,
                               anonymous: frame.anonymous }),
      });
      const data = await response.json();
      if (response.ok) acked(clientId, data.status);
      else refused(clientId, data.error?.message || String(response.status));
    }
  }

  function handle(frame) {
    if (frame.type === "event") {
      if (frame.seq <= lastSeq) return; // already shown
      lastSeq = frame.seq;
      apply(frame.kind, frame.data);
    } else if (frame.type === "ack") {
      acked(frame.client_id, frame.status);
    } else if (frame.type === "error" && frame.client_id) {
      refused(frame.client_id, frame.message);
    } else if (frame.type === "presence" && presence) {
      presence.textContent = frame.online.length
        ? `${root.dataset.textOnline} ${frame.online.join(", ")}` : "";
    } else if (frame.type === "typing" && typing && frame.thread_id === threadId) {
      typing.textContent = `${frame.user || ""} ${root.dataset.textTyping}`;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { typing.textContent = ""; }, TYPING_SHOWN_MS);
    }
  }

  function apply(kind, data) {
    if (kind === "post.created" && data.thread_id === threadId) return addPost(data);
    if (kind === "post.updated" && data.thread_id === threadId) return updatePost(data);
    if (kind === "post.status") return updatePost(data);
    if (kind === "reaction.changed") return updateCounts(data);
    if (kind === "thread.created" && !threadId && data.theme_id === Number(root.dataset.theme)) {
      const notice = document.getElementById("live-new-threads");
      if (notice) notice.hidden = false;
      announce(`${root.dataset.textNewThread} ${data.title}`);
    }
  }

  function postList(parentId) {
    if (parentId) {
      const parent = document.getElementById(`post-${parentId}`);
      if (parent) {
        let list = parent.querySelector(":scope > ol.replies");
        if (!list) {
          list = document.createElement("ol");
          list.className = "replies";
          parent.append(list);
        }
        return list;
      }
    }
    return document.querySelector("ol.posts") || createMainList();
  }

  function createMainList() {
    const list = document.createElement("ol");
    list.className = "posts";
    root.before(list);
    return list;
  }

  function addPost(data) {
    if (document.getElementById(`post-${data.id}`) || !data.body_html) return;
    const item = document.createElement("li");
    item.className = "post-item live-new";
    item.id = `post-${data.id}`;
    const article = document.createElement("article");
    article.className = "post";
    const header = document.createElement("header");
    header.className = "post-header";
    const author = document.createElement("h3");
    author.className = "post-author";
    author.textContent = data.author_name || "";
    const meta = document.createElement("p");
    meta.className = "meta";
    const link = document.createElement("a");
    link.href = `#post-${data.id}`;
    link.textContent = new Date(data.created_at).toLocaleString();
    if (data.author?.organization) meta.append(`${data.author.organization} · `);
    meta.append(link);
    header.append(author, meta);
    if (data.status === "pending") {
      const badge = document.createElement("p");
      badge.innerHTML = `<span class="badge pending"></span>`;
      badge.firstChild.textContent = root.dataset.textPending;
      header.append(badge);
    }
    const body = document.createElement("div");
    body.className = "post-body prose";
    body.innerHTML = data.body_html; // sanitised by the server (nh3) before it was stored
    article.append(header, body);
    item.append(article);
    postList(data.parent_id).append(item);
    announce(`${root.dataset.textNewPost} ${data.author_name || ""}`);
  }

  function updatePost(data) {
    const item = document.getElementById(`post-${data.id}`);
    if (!item) return data.status === "published" && data.thread_id === threadId && addPost(data);
    const body = item.querySelector(":scope > article .post-body");
    if (data.status && data.status !== "published" && !data.body_html) {
      const article = item.querySelector(":scope > article");
      const note = document.createElement("p");
      note.className = "meta";
      note.textContent = data.status === "deleted" ? root.dataset.textDeleted : root.dataset.textModerated;
      article.replaceChildren(note);
      article.classList.add("placeholder");
    } else if (body && data.body_html && !item.contains(document.activeElement)) {
      body.innerHTML = data.body_html; // never while the reader is typing inside this post
    }
  }

  function updateCounts(data) {
    const item = document.getElementById(`post-${data.post_id}`);
    if (!item) return;
    for (const [kind, count] of Object.entries(data.reactions)) {
      const button = item.querySelector(`:scope > article .reactions [value="${kind}"] .count`);
      if (button) button.textContent = String(count);
    }
  }

  function acked(clientId, postStatus) {
    const entry = pending.get(clientId);
    if (!entry) return;
    pending.delete(clientId);
    const { form } = entry;
    form.querySelector("textarea").value = "";
    form.querySelector('input[name="client_id"]').value = crypto.randomUUID();
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
    };
    pending.set(clientId, { frame, form });
    if (socket?.readyState === WebSocket.OPEN && !polling) socket.send(JSON.stringify(frame));
    else if (polling) flushPendingOverHttp();
    // Otherwise it goes out as soon as the connection is back.
  });

  document.addEventListener("input", (event) => {
    if (!(event.target instanceof HTMLTextAreaElement) || !threadId) return;
    const now = Date.now();
    if (socket?.readyState !== WebSocket.OPEN || now - lastTypingSent < 2000) return;
    lastTypingSent = now;
    const anonymous = event.target.form?.querySelector('input[name="anonymous"]')?.checked;
    socket.send(JSON.stringify({ type: "typing", thread_id: threadId, anonymous: Boolean(anonymous) }));
  });

  window.addEventListener("offline", () => {
    setStatus(root.dataset.textOffline, true);
    socket?.close();
  });
  window.addEventListener("online", () => {
    if (!polling) { failures = 0; connect(); }
  });

  connect();
}
