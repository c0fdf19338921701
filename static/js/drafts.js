// The composer keeps a draft in this browser, so a dropped connection or an accidental reload
// never loses a half-written post. One draft per page and form field; it is cleared once the
// post is sent (the live client's "post-sent", or the page the form's POST leads to showing
// no refusal), after a week, and on sign-out; the quick exit (quick-exit.js) empties the
// storage itself: on a shared device nobody else should find what was being written.

const PREFIX = "dialogue-draft:";
const SENT = "dialogue-draft-sent";
const WEEK_MS = 7 * 24 * 3600 * 1000;
const SAVE_DELAY_MS = 400;

const storage = (() => {
  try {
    const probe = `${PREFIX}probe`;
    localStorage.setItem(probe, "1");
    localStorage.removeItem(probe);
    return localStorage;
  } catch {
    return null; // private mode or storage turned off: the page works as before
  }
})();

function keyOf(area) {
  return `${PREFIX}${location.pathname}#${area.id}`;
}

function forget(key) {
  storage.removeItem(key);
}

function forgetAll() {
  for (const key of Object.keys(storage)) if (key.startsWith(PREFIX)) forget(key);
  sessionStorage.removeItem(SENT);
}

function restore(area) {
  const key = keyOf(area);
  let saved = null;
  try {
    saved = JSON.parse(storage.getItem(key) || "null");
  } catch {
    forget(key);
  }
  if (!saved || Date.now() - saved.at > WEEK_MS) return forget(key);
  // A form the server sent back with what was typed (a refusal) already holds the text.
  if (area.value.trim()) return;
  area.value = saved.body;
  area.closest("details")?.setAttribute("open", "");
}

if (storage) {
  // The page after a form's POST: the post went through unless the form came back refused.
  const sent = sessionStorage.getItem(SENT);
  sessionStorage.removeItem(SENT);
  if (sent) {
    const area = document.getElementById(sent.split("#").pop());
    const refused = area?.form?.querySelector(".alert");
    if (!refused) forget(sent);
  }

  for (const area of document.querySelectorAll("form.post-form textarea[id]")) restore(area);

  const timers = new Map();
  document.addEventListener("input", (event) => {
    const area = event.target;
    if (!(area instanceof HTMLTextAreaElement) || !area.form?.classList.contains("post-form")) return;
    clearTimeout(timers.get(area));
    timers.set(area, setTimeout(() => {
      const key = keyOf(area);
      if (area.value.trim()) storage.setItem(key, JSON.stringify({ body: area.value, at: Date.now() }));
      else forget(key);
    }, SAVE_DELAY_MS));
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && (form.getAttribute("action") || "").endsWith("/logout")) return forgetAll();
    const area = form instanceof HTMLFormElement && form.classList.contains("post-form")
      && form.querySelector("textarea[id]");
    if (!area) return;
    clearTimeout(timers.get(area));
    // Taken over by the live client (live.js, whose listener runs first): it says "post-sent"
    // once the server has the post; a refusal keeps the draft.
    if (!event.defaultPrevented) sessionStorage.setItem(SENT, keyOf(area));
  });

  document.addEventListener("post-sent", (event) => {
    const area = event.target.querySelector?.("textarea[id]");
    if (area) forget(keyOf(area));
    sessionStorage.removeItem(SENT);
  });
}
