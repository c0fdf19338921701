// The connection to a dialogue's live events, shared by the thread pages (live.js) and the
// moderation queue (moderation-queue.js): a websocket that resumes from the last seq, retried
// with backoff and jitter, and long-polling where websockets are blocked. Each event reaches
// `onEvent` once, in seq order, whichever way it came.
//
// On a slow or metered link retrying costs the reader money: offline, nothing is tried; with
// Save-Data on (navigator.connection.saveData), or while the page is hidden, a lost
// connection is not retried past a few attempts. It resumes when the page is visible again
// or the device is back online, and catches up from the last seq.

const RETRY_MIN = 1000;
const RETRY_MAX = 30000;
const FAILURES_BEFORE_POLLING = 3;
const RETRIES_WHEN_SAVING = 2; // then wait for the reader to come back
const CLOSED_FOR_GOOD = new Set([4401, 4403, 4404]); // signed out, removed, not found

export function openLive({ slug, seq, onEvent, onFrame, onStatus, onOpen, afterPoll }) {
  let lastSeq = seq;
  let socket = null;
  let polling = false;
  let failures = 0;
  let retryTimer = null;
  let paused = false;
  let resumePolling = null; // set while the polling loop waits to come back
  const status = onStatus || (() => {});

  const savingData = () => Boolean(navigator.connection?.saveData);
  // Whether to stop retrying until the page is visible or online again.
  function holdOff() {
    if (!navigator.onLine) return "offline";
    if ((document.hidden || savingData()) && failures > RETRIES_WHEN_SAVING) return "paused";
    return null;
  }

  function pause(reason) {
    paused = true;
    clearTimeout(retryTimer);
    status(reason);
  }

  // Online again, or the page is back in view: try again at once, from the last seq.
  function comeBack() {
    if (!paused || !navigator.onLine || document.hidden) return;
    paused = false;
    failures = 0;
    if (resumePolling) {
      const go = resumePolling;
      resumePolling = null;
      go();
    } else if (!polling) connect();
  }

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
    if (!navigator.onLine) return pause("offline");
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
      const wait = holdOff();
      if (wait) return pause(wait);
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
      const wait = holdOff();
      if (wait) {
        pause(wait);
        await new Promise((resolve) => { resumePolling = resolve; });
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
        failures = 0;
        await afterPoll?.();
      } catch {
        failures += 1;
        status("reconnecting");
        await new Promise((resolve) => setTimeout(resolve, RETRY_MIN + Math.random() * RETRY_MIN));
      }
    }
  }

  window.addEventListener("offline", () => {
    status("offline");
    socket?.close();
  });
  window.addEventListener("online", comeBack);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) comeBack(); });

  connect();
  return {
    get polling() { return polling; },
    // The open socket, or null (then what is to be sent waits for `onOpen`, or goes over HTTP).
    get socket() { return socket?.readyState === WebSocket.OPEN ? socket : null; },
  };
}
