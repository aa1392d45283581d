"""What a reader sees of a mail laid out in Chromium (``tests/chromium.py``): overflow and contrast.

Both measures run as a small script in the page and return plain findings, each naming
the element and the words it holds, so that a failing test says what to fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from chromium import Page

# Elements whose right edge passes the viewport, and how wide the document is.
_OVERFLOW = """
(() => {
  const width = %(width)d, out = [];
  const name = e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string'
    ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  for (const e of document.body.querySelectorAll('*')) {
    if (!e.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= width + 0.5) continue;
    if ([...e.children].some(c => c.getBoundingClientRect().right > width + 0.5)) continue;
    out.push(`${name(e)} ends at ${Math.round(r.right)} px: ${(e.textContent || e.alt || '').trim().slice(0, 60)}`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: innerWidth, late: out};
})()
"""

# Every visible text's colour against the colour behind it (its ancestors' backgrounds, laid
# over the canvas), as WCAG 2 computes contrast: AA is 4.5:1, 3:1 for large text.
# INVERSION models the mail apps that recolour a light mail for dark mode themselves:
# "full" (Gmail for iOS) turns the lightness of every colour over, "partial" (the Outlook
# apps, Gmail for Android) darkens only light backgrounds and lightens only dark text; "none".
_CONTRAST = """
(() => {
  const INVERSION = '%(inversion)s';
  const hsl = c => { const [r, g, b] = c.slice(0, 3).map(x => x / 255), hi = Math.max(r, g, b), lo = Math.min(r, g, b);
    const l = (hi + lo) / 2, d = hi - lo; if (!d) return [0, 0, l];
    const s = d / (1 - Math.abs(2 * l - 1));
    const h = hi === r ? ((g - b) / d + 6) %% 6 : hi === g ? (b - r) / d + 2 : (r - g) / d + 4;
    return [h * 60, s, l]; };
  const turned = c => { const [h, s, l0] = hsl(c), l = 1 - l0, k = (1 - Math.abs(2 * l - 1)) * s;
    const x = k * (1 - Math.abs((h / 60) %% 2 - 1)), m = l - k / 2;
    const [r, g, b] = h < 60 ? [k, x, 0] : h < 120 ? [x, k, 0] : h < 180 ? [0, k, x] : h < 240 ? [0, x, k]
      : h < 300 ? [x, 0, k] : [k, 0, x];
    return [r, g, b].map(v => (v + m) * 255).concat([1]); };
  const light = c => hsl(c)[2] > 0.5;
  const recolour = (fg, bg) => INVERSION === 'full' ? [turned(fg), turned(bg)]
    : INVERSION === 'partial' ? [light(fg) ? fg : turned(fg), light(bg) ? turned(bg) : bg] : [fg, bg];
  const rgba = s => { const m = s.match(/[\\d.]+/g).map(Number); return m.length === 3 ? [...m, 1] : m; };
  const over = (top, below) => { const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + below[i] * (1 - a)).concat([1]); };
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255;
    return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const dark = matchMedia('(prefers-color-scheme: dark)').matches
    && /dark/.test(getComputedStyle(document.documentElement).colorScheme);
  const canvas = dark ? [18, 18, 18, 1] : [255, 255, 255, 1];
  const behind = e => { const layers = [];
    for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor); if (c[3] > 0) layers.push(c); if (c[3] === 1) break; }
    return layers.reverse().reduce((below, top) => over(top, below), canvas); };
  const out = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let checked = 0;
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const e = t.parentElement, words = t.textContent.trim();
    if (!words || !e.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const s = getComputedStyle(e), size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    if (e.getBoundingClientRect().width === 0) continue;
    const [fg, bg] = recolour(over(rgba(s.color), behind(e)), behind(e)), r = ratio(fg, bg);
    const large = size >= 24 || (bold && size >= 18.66), need = large ? 3 : 4.5;
    checked++;
    if (r < need) out.push(`${words.slice(0, 40)}: ${r.toFixed(2)}:1 (${s.color} on rgb(${bg.slice(0, 3).map(Math.round)}), needs ${need})`);
  }
  return {checked, poor: out};
})()
"""

_IMAGES = "[...document.images].map(i => ({src: i.src.slice(0, 40), alt: i.getAttribute('alt'), width: i.naturalWidth}))"


@dataclass(frozen=True)
class Layout:
    scroll_width: int
    inner_width: int
    late: list[str]  # the elements whose right edge passes the viewport


def layout(page: Page, width: int) -> Layout:
    found = page.evaluate(_OVERFLOW % {"width": width})
    return Layout(found["scrollWidth"], found["innerWidth"], found["late"])


def poor_contrast(page: Page, inversion: str = "none") -> tuple[int, list[str]]:
    """How many texts were checked, and those below WCAG AA (``inversion``: "full" or
    "partial" recolours each pair as a mail app's forced dark mode would)."""
    found = page.evaluate(_CONTRAST % {"inversion": inversion})
    return found["checked"], found["poor"]


def images(page: Page) -> list[dict]:
    return page.evaluate(_IMAGES)


def describe(found: object) -> str:
    return json.dumps(found, ensure_ascii=False, indent=1)
