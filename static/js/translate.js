// "Translate" on a post written in another language. Without JavaScript the link opens a page
// with the machine translation; here the translation takes the text's place in the post,
// labelled as a machine's, with a button back to the original (and to the translation again,
// kept in memory). The server sanitised the translation like any post's HTML.

const shown = new WeakMap(); // post body -> {original, lang, translated, target}

document.addEventListener("click", (event) => {
  const link = event.target instanceof Element && event.target.closest("a.translate-link");
  if (!link) return;
  const body = link.closest("article")?.querySelector(".post-body");
  if (!body) return;
  event.preventDefault();
  translate(link, body);
});

async function translate(link, body) {
  let state = shown.get(body);
  if (!state) {
    let data;
    try {
      const response = await fetch(link.dataset.api, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch {
      return failed(link);
    }
    state = { original: body.innerHTML, lang: body.lang, translated: data.body_html, target: data.target };
    shown.set(body, state);
  }
  link.parentElement.querySelector(".alert")?.remove();
  body.innerHTML = state.translated;
  body.lang = state.target;
  const label = document.createElement("p");
  label.className = "meta machine-translation";
  label.textContent = link.dataset.label;
  const back = document.createElement("button");
  back.type = "button";
  back.className = "link";
  back.textContent = link.dataset.original;
  back.addEventListener("click", () => {
    body.innerHTML = state.original;
    body.lang = state.lang;
    label.remove();
    back.remove();
    link.hidden = false;
    link.focus();
  });
  body.before(label);
  link.hidden = true;
  link.after(back);
  back.focus();
}

function failed(link) {
  if (link.parentElement.querySelector(".alert")) return;
  const alert = document.createElement("span");
  alert.className = "alert";
  alert.setAttribute("role", "alert");
  alert.textContent = ` ${link.dataset.failed}`;
  link.after(alert);
}
