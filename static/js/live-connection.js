// The connection to a dialogue's live events, shared by the thread pages (live.js) and the
// moderation queue (moderation-queue.js): a websocket that resumes from the last seq, retried
// with backoff and jitter, and long-polling where websockets are blocked. Each event reaches
// `onEvent` once, in seq order, whichever way it came.

const RETRY_MIN = 1000;
const RETRY_MAX = 30000;
const FAILURES_BEFORE_POLLING = 3;
const CLOSED_FOR_GOOD = new Set([4401, 4403, 4404]); // signed out, removed, not found

export function openLive({ slug, seq, onEvent, onFrame, onStatus, onOpen, afterPoll }) {
  let lastSeq = seq;
  let socket = null;
  let polling = false;
  let failures = 0;
  let retryTimer = null;
  const status = onStatus || (() => {});

  function handle(frame) {
    if (frame.type === "event") {
      if (frame.seq <= lastSeq) return; // already shown
      lastSeq = frame.seq;
      onEvent(frame.kind, frame.data);
    } else if (onFrame) {
      onFrame(frame);
    }
  }

  function connect() {
    clearTimeout(retryTimer);
    if (!navigator.onLine) return status("offline");
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
        failures = 0;
        status("websocket");
        onOpen?.(ws);
      }
      handle(frame);
    });
    ws.addEventListener("close", (event) => {
      if (socket === ws) socket = null;
      if (CLOSED_FOR_GOOD.has(event.code)) return status("closed");
      failures = opened ? 1 : failures + 1;
      if (!opened && failures >= FAILURES_BEFORE_POLLING) return startPolling();
      status("reconnecting");
      const base = Math.min(RETRY_MAX, RETRY_MIN * 2 ** Math.max(0, failures - 1));
      retryTimer = setTimeout(connect, base / 2 + Math.random() * base / 2);
    });
  }

  async function startPolling() {
    if (polling) return;
    polling = true;
    status("polling");
    while (polling) {
      if (!navigator.onLine) {
        status("offline");
        await new Promise((resolve) => window.addEventListener("online", resolve, { once: true }));
      }
      try {
        const response = await fetch(
          `/api/v1/dialogues/${slug}/events?after=${lastSeq}&wait=25`,
          { credentials: "same-origin", headers: { Accept: "application/json" } },
        );
        if (!response.ok) throw new Error(String(response.status));
        const page = await response.json();
        status("polling");
        for (const event of page.events) handle({ type: "event", ...event });
        lastSeq = Math.max(lastSeq, page.last_seq);
        await afterPoll?.();
      } catch {
        status("reconnecting");
        await new Promise((resolve) => setTimeout(resolve, RETRY_MIN + Math.random() * RETRY_MIN));
      }
    }
  }

  window.addEventListener("offline", () => {
    status("offline");
    socket?.close();
  });
  window.addEventListener("online", () => {
    if (!polling) { failures = 0; connect(); }
  });

  connect();
  return {
    get polling() { return polling; },
    // The open socket, or null (then what is to be sent waits for `onOpen`, or goes over HTTP).
    get socket() { return socket?.readyState === WebSocket.OPEN ? socket : null; },
  };
}
