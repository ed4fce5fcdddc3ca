"""Open the built HTML book in headless Chromium, offline, and fail on what a reader would meet.

Usage (after `bash .ci/build`; needs Chromium and the `playwright` Python package, which drives
the system's /usr/bin/chromium — no browser download):

    python tests/browser_check.py                      # every page, 1280 and 390 px, light + dark
    python tests/browser_check.py _build/html/chapters/01_perceptron.html   # some pages only
    python tests/browser_check.py --out _build/browser --widths 390

For every page and width it loads the page from ``file://`` with every request to another host
blocked, and fails on:

* raw TeX left in the text, or a MathJax error (red ``mjx-merror``);
* content cut off: a display equation, explorer, widget, image, table or code block that lies
  outside a box which cannot scroll to it (left of a scroll box, or beyond an ``overflow:
  hidden`` edge), or text cut inside an explorer's control;
* sideways page scroll (the document wider than the window), at either width;
* an image that did not load;
* a dead explorer: a control of a static explorer whose change alters neither the picture nor
  the text; and any live-only ipywidgets view left on a page (without a kernel it cannot redraw);
* a JavaScript error or console error, a file that is not there (404), any request to another
  host;
* English theme strings in the page chrome, an orphan "Proof Index" page;
* a chapter whose first load (the page and everything it loads) exceeds 3 MB;
* search: duplicate results, raw TeX or page chrome in snippets, a query with a particle
  ("역전파를") finding fewer pages than its stem ("역전파").

It writes full-page screenshots (light and dark) to ``_build/browser/`` for a person to look at,
and prints each page's first-load weight. Exit status 0 when every check passes, 1 otherwise,
2 when Chromium or playwright is missing (the message says how to install them).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "_build" / "html"
MAX_CHAPTER_BYTES = 3_000_000
ENGLISH_UI = ["Back to top", "Color mode", "Skip to main content", "System Settings",
              "Download source file", "Print to PDF", "Fullscreen mode", "Launch Binder",
              "Your issue content here", "Search this book", "Contents"]
SKIP_DIRS = {"_static", "_sources", "_images", "vendor", "_downloads"}

# -- in-page checks ---------------------------------------------------------------------------
PAGE_JS = r"""() => {
const out = {rawTex: [], mathErrors: [], clipped: [], sideways: null, broken: [], liveWidgets: 0,
             english: [], textCut: []};
const art = document.querySelector('main') || document.body;
const tw = document.createTreeWalker(art, NodeFilter.SHOW_TEXT);
let n;
while ((n = tw.nextNode())) {
  const p = n.parentElement;
  if (!p || p.closest('script,style,code,pre,mjx-container,textarea,kbd,.highlight,.MathJax')) continue;
  const t = n.textContent;
  if (/\\\(|\\\)|\\\[|\\\]|\\begin\{|\\frac|\\mathbf|\$\$/.test(t)) out.rawTex.push(t.trim().slice(0, 80));
}
document.querySelectorAll('mjx-merror').forEach(e =>
  out.mathErrors.push(e.getAttribute('data-mjx-error') || e.textContent.slice(0, 80)));
const W = window.innerWidth;
out.sideways = document.documentElement.scrollWidth > W + 1 ? document.documentElement.scrollWidth : null;
function label(el) {
  const m = el.closest('div.math, .dlx-explorer, figure, .cell_output, table, pre, p');
  let s = (m || el).textContent.replace(/\s+/g, ' ').trim().slice(0, 60);
  const id = (el.closest('[id]') || {}).id || '';
  return el.tagName.toLowerCase() + (id ? '#' + id : '') + ': ' + s;
}
const sel = ['.bd-article mjx-container[display="true"] > mjx-math',
  '.bd-article mjx-container[display="true"] mjx-mtable', '.bd-article mjx-container[jax] > mjx-math',
  '.dlx-explorer', '.dlx-explorer img', '.dlx-control', '.jupyter-widgets',
  '.bd-article img', '.bd-article table', '.bd-article pre'].join(',');
for (const el of document.querySelectorAll(sel)) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  if (el.closest('details:not([open])') || !el.checkVisibility({visibilityProperty: true})) continue;
  let why = null, rl = r.left, rr = r.right, rt = r.top, rb = r.bottom;
  if (r.left + window.scrollX < -1) why = 'left of the page';
  for (let a = el.parentElement; a && a !== document.body && !why; a = a.parentElement) {
    const cs = getComputedStyle(a);
    const ar = a.getBoundingClientRect();
    const left = ar.left + a.clientLeft, right = left + a.clientWidth;
    const top = ar.top + a.clientTop, bottom = top + a.clientHeight;
    if (cs.overflowX !== 'visible') {
      if (rl + a.scrollLeft < left - 1) why = 'left of a scroll box: unreachable';
      else if ((cs.overflowX === 'hidden' || cs.overflowX === 'clip') && rr > right + 1) why = 'cut at the right';
      else if (cs.overflowX === 'auto' || cs.overflowX === 'scroll') {
        // reachable by scrolling this box: from here on only the box's own extent matters
        rl = Math.max(rl, left); rr = Math.min(rr, right);
      }
    }
    if (a.clientHeight < 2 && (cs.overflowY === 'hidden' || cs.overflowY === 'clip')) { why = null; break; }
    if ((cs.overflowY === 'hidden' || cs.overflowY === 'clip') && a.clientHeight > 0 &&
        (rt < top - 3 || rb > bottom + 3) && rb - rt < a.clientHeight + 200) why = 'cut at the top or bottom';
    if (cs.overflowY === 'auto' || cs.overflowY === 'scroll') { rt = Math.max(rt, top); rb = Math.min(rb, bottom); }
  }
  if (why) out.clipped.push(why + ' | ' + label(el));
}
document.querySelectorAll('.dlx-control, .dlx-readout, .dlx-label, .dlx-text').forEach(el => {
  if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
    out.textCut.push(label(el));
});
for (const img of document.images) {
  if (!img.complete || img.naturalWidth === 0) out.broken.push((img.getAttribute('src') || '').slice(0, 80));
}
out.liveWidgets = document.querySelectorAll(
  'script[type="application/vnd.jupyter.widget-view+json"], .jupyter-widgets').length;
const text = document.body.innerText;
const attrs = Array.from(document.querySelectorAll('[title],[aria-label],[data-bs-title],[placeholder]'))
  .map(e => [e.title, e.getAttribute('aria-label'), e.getAttribute('data-bs-title'), e.getAttribute('placeholder')].join('|')).join('|');
const links = Array.from(document.querySelectorAll('a[href]')).map(a => decodeURIComponent(a.getAttribute('href'))).join('|');
for (const s of ENGLISH) if (text.includes(s) || attrs.includes(s) || links.includes(s)) out.english.push(s);
return out;
}"""

# Move every enabled control of every static explorer away from its start and back: the picture
# or the text must change.
EXPLORER_JS = r"""async () => {
const res = [];
const tick = () => new Promise(r => setTimeout(r, 30));
for (const [e, root] of Array.from(document.querySelectorAll('[data-dlx-explorer]')).entries()) {
  const look = () => Array.from(root.querySelectorAll('img.dlx-figure')).map(i => i.src).join('|') +
    '#' + Array.from(root.querySelectorAll('[data-dlx-text]')).map(t => t.innerHTML).join('|');
  // the states may live in a file that loads when the explorer comes near the screen
  root.scrollIntoView();
  const data = root.querySelector('script.dlx-data');
  const key = data && data.getAttribute('data-key');
  for (let t = 0; key && !(window.dlxData && window.dlxData[key]) && t < 100; t++) await tick();
  if (key && !(window.dlxData && window.dlxData[key])) res.push(`explorer ${e + 1}: states file did not load`);
  const ctrls = root.querySelectorAll('[data-dlx-k]');
  if (!ctrls.length) res.push(`explorer ${e + 1}: no controls`);
  const img = root.querySelector('img.dlx-figure');
  if (!img || !img.complete || !img.naturalWidth) res.push(`explorer ${e + 1}: no picture`);
  for (const c of ctrls) {
    const name = (c.closest('.dlx-control') || c).textContent.trim().slice(0, 30);
    const before = look();
    let restore;
    if (c.tagName === 'INPUT' || c.tagName === 'SELECT') {
      if (c.disabled) continue;
      const isSel = c.tagName === 'SELECT';
      const max = isSel ? c.options.length - 1 : +c.max;
      const old = isSel ? c.selectedIndex : +c.value;
      if (max < 1) { res.push(`explorer ${e + 1}: control "${name}" has a single value`); continue; }
      const set = v => { if (isSel) c.selectedIndex = v; else c.value = String(v);
        c.dispatchEvent(new Event(isSel ? 'change' : 'input', {bubbles: true})); };
      set(old < max ? old + 1 : old - 1);
      restore = () => set(old);
    } else {
      const bs = Array.from(c.querySelectorAll('button'));
      if (bs.some(b => b.disabled)) continue;
      const old = bs.findIndex(b => b.getAttribute('aria-pressed') === 'true');
      if (bs.length < 2) { res.push(`explorer ${e + 1}: control "${name}" has a single value`); continue; }
      bs[old === 0 ? 1 : 0].click();
      restore = () => bs[Math.max(old, 0)].click();
    }
    await tick();
    const after = look();
    restore();
    await tick();
    if (after === before) res.push(`explorer ${e + 1}: moving "${name}" changes nothing (dead control)`);
    if (look() !== before) res.push(`explorer ${e + 1}: moving "${name}" back does not restore the picture`);
  }
}
return res;
}"""

SEARCH_JS = r"""() => {
const items = Array.from(document.querySelectorAll('#search-results ul.search li'));
return items.map(li => ({href: (li.querySelector('a') || {}).getAttribute ? li.querySelector('a').getAttribute('href') : '',
                         snippet: (li.querySelector('p.context') || {textContent: ''}).textContent}));
}"""


def _missing_tools():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return ("the `playwright` package is missing: `.venv/bin/pip install playwright` "
                "(it drives the system Chromium; no browser download)")
    if not _chromium():
        return "Chromium is missing: `apt-get install -y chromium` (and fonts-nanum for Korean)"
    return None


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def book_pages(book):
    pages = []
    for p in sorted(book.rglob("*.html")):
        rel = p.relative_to(book)
        if rel.parts[0] in SKIP_DIRS:
            continue
        if re.search(r'<meta http-equiv="Refresh"', p.read_text(encoding="utf-8")[:2000], re.I):
            continue  # a redirect (index.html -> intro.html)
        pages.append(p)
    return pages


class Checker:
    def __init__(self, book, out, widths, dark=True):
        from playwright.sync_api import sync_playwright

        self.book, self.out, self.widths, self.dark = book.resolve(), out, widths, dark
        self.out.mkdir(parents=True, exist_ok=True)
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(
            executable_path=_chromium(),
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--host-resolver-rules=MAP * ~NOTFOUND"])
        self.weights = {}

    def close(self):
        self.browser.close()
        self._pw.stop()

    def _context(self, width, scheme="light"):
        ctx = self.browser.new_context(viewport={"width": width, "height": 900},
                                       device_scale_factor=1, color_scheme=scheme,
                                       is_mobile=width < 600, has_touch=width < 600)
        log = {"offsite": [], "missing": [], "errors": [], "files": set()}

        def route(r):
            url = r.request.url
            if url.startswith(("file:", "data:", "blob:", "about:")):
                if url.startswith("file:"):
                    log["files"].add(unquote(urlparse(url).path))
                r.continue_()
            else:
                log["offsite"].append(url)
                r.abort()

        ctx.route("**/*", route)
        return ctx, log

    def check_page(self, page_path):
        problems = []
        rel = page_path.relative_to(self.book).as_posix()
        stem = rel.replace("/", "_").removesuffix(".html")
        for width in self.widths:
            ctx, log = self._context(width)
            page = ctx.new_page()
            page.on("console", lambda m, log=log: log["errors"].append(m.text)
                    if m.type == "error" else None)
            page.on("pageerror", lambda e, log=log: log["errors"].append(f"uncaught: {e}"))
            page.on("requestfailed", lambda r, log=log: log["missing"].append(r.url)
                    if r.url.startswith("file:") else None)
            page.goto(page_path.as_uri(), wait_until="load")
            page.evaluate("""() => (window.MathJax && MathJax.startup && MathJax.startup.promise)
                             ? MathJax.startup.promise.then(() => true) : true""")
            page.wait_for_timeout(250)
            first_load = set(log["files"])
            # scroll through the page so that lazily loaded figures load before they are checked
            page.evaluate("""async () => { for (let y = 0; y < document.body.scrollHeight;
                              y += 700) { window.scrollTo(0, y); await new Promise(r =>
                              setTimeout(r, 20)); } window.scrollTo(0, 0); }""")
            page.evaluate("""async () => { const imgs = Array.from(document.images);
                imgs.forEach(i => { i.loading = 'eager'; });
                await Promise.all(imgs.map(i => i.complete ? 0 : new Promise(r => {
                  i.addEventListener('load', r); i.addEventListener('error', r);
                  setTimeout(r, 5000); }))); }""")
            res = page.evaluate(PAGE_JS.replace("ENGLISH", repr(ENGLISH_UI)))
            dead = page.evaluate(EXPLORER_JS)
            tag = f"{rel} @{width}px"
            for key, what in [("rawTex", "raw TeX in the text"), ("mathErrors", "MathJax error"),
                              ("clipped", "cut off"), ("textCut", "text cut in a control"),
                              ("broken", "image not loaded"), ("english", "English UI string")]:
                for item in dict.fromkeys(res[key]):
                    problems.append(f"{tag}: {what}: {item}")
            if res["sideways"]:
                problems.append(f"{tag}: page scrolls sideways ({res['sideways']} px wide "
                                f"in a {width} px window)")
            if res["liveWidgets"]:
                problems.append(f"{tag}: {res['liveWidgets']} live-only widget element(s) "
                                "(dead without a kernel: build the explorer with live_figure)")
            problems += [f"{tag}: {d}" for d in dead]
            problems += [f"{tag}: request to another host: {u}" for u in dict.fromkeys(log["offsite"])]
            problems += [f"{tag}: file not found: {u}" for u in dict.fromkeys(log["missing"])]
            problems += [f"{tag}: console: {e[:200]}" for e in dict.fromkeys(log["errors"])]
            if width == self.widths[0]:
                size = sum(Path(f).stat().st_size for f in first_load if Path(f).is_file())
                self.weights[rel] = size
                if rel.startswith("chapters/") and size > MAX_CHAPTER_BYTES:
                    problems.append(f"{rel}: first load {size / 1e6:.2f} MB, over "
                                    f"{MAX_CHAPTER_BYTES / 1e6:.0f} MB")
            page.screenshot(path=str(self.out / f"{stem}-{width}-light.png"), full_page=True)
            explorers = page.locator("[data-dlx-explorer]")
            for i in range(explorers.count()):
                explorers.nth(i).screenshot(path=str(self.out / f"{stem}-{width}-explorer{i + 1}.png"))
            if self.dark:
                page.evaluate("""() => { const h = document.documentElement;
                                 h.dataset.theme = 'dark'; h.dataset.mode = 'dark'; }""")
                page.wait_for_timeout(100)
                page.screenshot(path=str(self.out / f"{stem}-{width}-dark.png"), full_page=True)
                for i in range(explorers.count()):
                    explorers.nth(i).screenshot(
                        path=str(self.out / f"{stem}-{width}-explorer{i + 1}-dark.png"))
            ctx.close()
        return problems

    def search(self, query):
        search = self.book / "search.html"
        ctx, log = self._context(1280)
        page = ctx.new_page()
        page.goto(search.as_uri() + "?q=" + quote(query), wait_until="load")
        try:
            page.wait_for_function(
                "() => { const s = document.querySelector('#search-results');"
                " return s && /\\d/.test(s.textContent) && !document.querySelector('#search-progress:not(:empty)') ; }",
                timeout=8000)
        except Exception:  # noqa: BLE001 - reported below as "no results"
            pass
        page.wait_for_timeout(500)
        items = page.evaluate(SEARCH_JS)
        ctx.close()
        return items, log["offsite"]

    def check_search(self, stem="역전파", with_particle="역전파를"):
        problems = []
        a, off = self.search(stem)
        b, off2 = self.search(with_particle)
        pa = [i["href"].split("#")[0] for i in a]
        pb = [i["href"].split("#")[0] for i in b]
        print(f"search {stem!r}: {len(set(pa))} page(s); {with_particle!r}: {len(set(pb))} page(s)")
        if not pa:
            problems.append(f"search {stem!r} finds nothing")
        for q, pages in ((stem, pa), (with_particle, pb)):
            dup = sorted({p for p in pages if pages.count(p) > 1})
            if dup:
                problems.append(f"search {q!r} lists the same page twice: {dup}")
        if len(set(pb)) < len(set(pa)):
            problems.append(f"search {with_particle!r} finds {len(set(pb))} pages, "
                            f"{stem!r} finds {len(set(pa))} (particles must not matter)")
        for item in a + b:
            s = item["snippet"]
            if re.search(r"\\\(|\\\[|\\frac|\\mathbf|\$\$|\\begin", s):
                problems.append(f"search snippet with raw TeX: {s[:80]!r}")
            if re.search(r"맨 위로|Back to top|Ctrl\+K|목차|Contents", s):
                problems.append(f"search snippet with page chrome: {s[:80]!r}")
        if not any(i["snippet"].strip() for i in a):
            problems.append(f"search {stem!r}: result snippets are empty")
        problems += [f"search page: request to another host: {u}" for u in set(off + off2)]
        return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pages", nargs="*", type=Path,
                    help="built pages to check (default: every page of the book)")
    ap.add_argument("--book", type=Path, default=BOOK, help="the built book (_build/html)")
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "browser",
                    help="folder for the screenshots")
    ap.add_argument("--widths", type=int, nargs="+", default=[1280, 390])
    ap.add_argument("--no-dark", action="store_true", help="skip the dark-mode screenshots")
    ap.add_argument("--no-search", action="store_true", help="skip the search checks")
    args = ap.parse_args(argv)
    missing = _missing_tools()
    if missing:
        print(f"browser_check: SKIPPED: {missing}")
        return 2
    book = args.book.resolve()
    if not (book / "index.html").exists():
        print(f"browser_check: {book} has no index.html: build the book first (bash .ci/build)")
        return 1
    pages = [p.resolve() for p in args.pages] or book_pages(book)
    start = time.time()
    checker = Checker(book, args.out, args.widths, dark=not args.no_dark)
    problems = []
    try:
        if (book / "prf-prf.html").exists():
            problems.append("orphan page prf-prf.html (sphinx-proof's Proof Index) was built")
        for p in pages:
            found = checker.check_page(p)
            print(f"{'FAIL' if found else 'ok  '} {p.relative_to(book)} "
                  f"({checker.weights.get(p.relative_to(book).as_posix(), 0) / 1e6:.2f} MB first load)")
            problems += found
        if not args.no_search and not args.pages:
            problems += checker.check_search()
    finally:
        checker.close()
    for p in problems:
        print("PROBLEM:", p)
    print(f"screenshots: {args.out}  ({time.time() - start:.0f} s)")
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
