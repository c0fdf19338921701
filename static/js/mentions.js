// Completing an @mention in the composer. Without this file, typing "@Name" works the same:
// a mention is plain text. After "@" and a letter or more, it asks the server for names
// (only those the dialogue already shows its members) and lists them under the field: up
// and down arrows choose, Enter or Tab inserts "@Name ", Escape closes the list (and still
// counts towards the quick exit's double Escape: leaving must always work). The field keeps
// the focus; the chosen name is its aria-activedescendant, and a status line says how many
// names there are (a textarea may not be a combobox, so it is a textbox with a listbox).

const root = document.getElementById("mentions");
const DELAY_MS = 150;
const MAX_TYPED = 64;
// "@" at the start or after a space or punctuation, then up to three words, up to the caret.
const TYPED = /(?:^|[^\p{L}\p{N}_@])@([\p{L}\p{N}_'’.-]+(?: [\p{L}\p{N}_'’.-]*){0,2})$/u;

if (root) start(root);

function start(root) {
  const status = document.getElementById("mentions-status");
  const list = document.createElement("ul");
  list.id = "mentions-list";
  list.className = "mentions-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", root.dataset.label);
  list.hidden = true;
  let area = null; // the field the list belongs to
  let typedFrom = 0; // where the "@" is in it
  let active = -1;
  let timer = 0;
  let asked = 0;

  function options() {
    return [...list.querySelectorAll('[role="option"]')];
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function close() {
    if (!area) return;
    list.hidden = true;
    list.replaceChildren();
    area.removeAttribute("aria-activedescendant");
    area.removeAttribute("aria-controls");
    active = -1;
    area = null;
  }

  function choose(index) {
    const all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach((option, n) => option.setAttribute("aria-selected", String(n === active)));
    area.setAttribute("aria-activedescendant", all[active].id);
    all[active].scrollIntoView({ block: "nearest" });
  }

  function accept(index) {
    const option = options()[index];
    if (!option || !area) return;
    const field = area;
    const caret = field.selectionStart;
    const inserted = `@${option.dataset.name} `;
    field.setRangeText(inserted, typedFrom, caret, "end");
    close();
    field.dispatchEvent(new Event("input", { bubbles: true })); // the draft keeps it
    say(`${root.dataset.inserted} ${option.dataset.name}`);
  }

  function show(field, names) {
    if (!names.length) {
      if (area) say(root.dataset.none);
      return close();
    }
    area = field;
    list.replaceChildren(
      ...names.map((name, n) => {
        const option = document.createElement("li");
        option.id = `mentions-option-${n}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.name = name;
        option.textContent = name;
        return option;
      }),
    );
    if (list.previousElementSibling !== field) field.after(list);
    list.hidden = false;
    field.setAttribute("aria-controls", list.id);
    choose(0);
    const sample = names.length === 1 ? root.dataset.one : root.dataset.two;
    say((sample || "").replace(names.length === 1 ? "1" : "2", String(names.length)));
  }

  async function lookUp(field) {
    const before = field.value.slice(0, field.selectionStart);
    const found = TYPED.exec(before);
    if (!found || found[1].length > MAX_TYPED || field.selectionStart !== field.selectionEnd) {
      return close();
    }
    typedFrom = field.selectionStart - found[1].length - 1;
    const mine = ++asked;
    try {
      const answer = await fetch(`${root.dataset.url}?q=${encodeURIComponent(found[1])}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!answer.ok) return close(); // offline, too fast, signed out: plain typing goes on
      const { names } = await answer.json();
      if (mine === asked && document.activeElement === field) show(field, names);
    } catch {
      close();
    }
  }

  function composer(target) {
    return target instanceof HTMLTextAreaElement && target.form?.classList.contains("post-form");
  }

  document.addEventListener("input", (event) => {
    if (!composer(event.target) || event.isTrusted === false) return;
    event.target.setAttribute("aria-autocomplete", "list");
    clearTimeout(timer);
    const field = event.target;
    timer = setTimeout(() => lookUp(field), DELAY_MS);
  });

  document.addEventListener("keydown", (event) => {
    if (!area || event.target !== area || list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      choose(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && active >= 0) {
      event.preventDefault();
      accept(active);
    } else if (event.key === "Escape") {
      close(); // not stopped: the quick exit sees it too
    }
  });

  list.addEventListener("mousedown", (event) => {
    const option = event.target.closest?.('[role="option"]');
    if (!option) return;
    event.preventDefault(); // the field keeps the focus
    accept(options().indexOf(option));
  });

  document.addEventListener("focusout", (event) => {
    if (area && event.target === area) close();
  });
}
