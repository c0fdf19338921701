// Measurements taken inside a page by tests/web/test_targets_focus_zoom_browser.py:
// `page.evaluate(source, "targets" | "overflow" | "focus" | "count")`.
(kind) => {
  const TARGET = 'a[href], button, input:not([type=hidden]), select, textarea, summary';

  const name = el => {
    const classes = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    const text = (el.textContent || el.value || el.name || '').replace(/\s+/g, ' ').trim();
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${classes} "${text.slice(0, 30)}"`;
  };

  // Every visible target under 24 x 24 CSS px that is neither in a line of text nor spaced
  // so that a 24 px circle on its centre meets no other target (WCAG 2.2 SC 2.5.8).
  const targets = () => {
    const shown = [];
    for (const el of document.querySelectorAll(TARGET)) {
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1 || r.right <= 0) continue;
      if (getComputedStyle(el).visibility === 'hidden') continue;
      shown.push({el, r: {
        left: r.left + scrollX, right: r.right + scrollX, top: r.top + scrollY,
        bottom: r.bottom + scrollY, width: r.width, height: r.height,
      }});
    }
    const length = s => s.replace(/\s+/g, ' ').trim().length;
    const inText = el => {
      if (getComputedStyle(el).display !== 'inline') return false;
      let block = el.parentElement;
      while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
      return !!block && length(block.textContent) > length(el.textContent) + 2;
    };
    const small = shown.filter(t => (t.r.width < 24 || t.r.height < 24) && !inText(t.el));
    const centre = t => [(t.r.left + t.r.right) / 2, (t.r.top + t.r.bottom) / 2];
    const toRect = ([x, y], r) =>
      Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
    const apart = (a, b) => Math.hypot(centre(a)[0] - centre(b)[0], centre(a)[1] - centre(b)[1]);
    const nested = (a, b) => a.el.contains(b.el) || b.el.contains(a.el);
    const crowded = t => shown.some(o => o !== t && !nested(o, t) &&
      (toRect(centre(t), o.r) < 12 || (small.includes(o) && apart(t, o) < 24)));
    return small.filter(crowded).map(t =>
      `${name(t.el)} is ${Math.round(t.r.width)}x${Math.round(t.r.height)} px, ` +
      'too close to another target');
  };

  // Content beyond the viewport's sides: the page scrolls sideways, or it is cut off
  // (WCAG SC 1.4.10). A region that scrolls on its own (a wide table) is allowed.
  const overflow = () => {
    const width = innerWidth, out = [], reported = [];
    const page = document.documentElement.scrollWidth;
    if (page > width) out.push(`the page is ${page} px wide in a ${width} px viewport`);
    const within = el => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const x = getComputedStyle(p).overflowX;
        if (x === 'auto' || x === 'scroll') return 'scrolls';
        if (x === 'hidden' || x === 'clip') return 'cut off';
      }
      return '';
    };
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1 || r.right <= 0) continue;  // hidden, or off-screen on purpose
      if (r.right <= width + 1 && r.left >= -1) continue;
      if (reported.some(p => p.contains(el))) continue;
      const region = within(el);
      if (region === 'scrolls') continue;
      reported.push(el);
      out.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} px` +
        (region ? ` (${region})` : ''));
    }
    return out;
  };

  // The focused element's indicator: an outline or a ring (box-shadow spread) of at least
  // 2 px in a colour with 3:1 against what it is drawn on (WCAG SC 2.4.7 and 1.4.11).
  // Marks each element it meets, so the Tab walk knows when it has come back round.
  const focus = () => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const rgba = s => {
      const m = s && s.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return {r, g, b, a};
    };
    const luminance = c => {
      const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const contrast = (a, b) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((p, q) => q - p);
      return (hi + 0.05) / (lo + 0.05);
    };
    let behind = {r: 255, g: 255, b: 255, a: 1};
    for (let p = el.parentElement; p; p = p.parentElement) {
      const c = rgba(getComputedStyle(p).backgroundColor);
      if (c && c.a > 0.5) { behind = c; break; }
    }
    const style = getComputedStyle(el), rings = [];
    if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) {
      rings.push(rgba(style.outlineColor));
    }
    if (style.boxShadow !== 'none') {
      for (const shadow of style.boxShadow.split(/,(?![^(]*\))/)) {
        const lengths = shadow.replace(/rgba?\([^)]*\)/, '').trim().split(/\s+/).map(parseFloat);
        if ((lengths[3] || 0) >= 2) rings.push(rgba(shadow));
      }
    }
    const best = Math.max(0, ...rings.filter(Boolean).map(c => contrast(c, behind)));
    const again = el.hasAttribute('data-tab-walk');
    el.setAttribute('data-tab-walk', '');
    return {name: name(el), again, ok: best >= 3, contrast: Math.round(best * 100) / 100};
  };

  const count = () => document.querySelectorAll(TARGET).length;

  return {targets, overflow, focus, count}[kind]();
}
