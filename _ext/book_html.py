"""The HTML book as readers load it: lighter pages, no live-only widgets, Korean chrome.

* **Explorers without a kernel.** Every explorer's stored output carries a static ``text/html``
  version next to its ipywidgets view (``dlcore/widgets/_live.py``); ``_config.yml`` makes myst-nb
  prefer it. A page whose outputs then hold no widget view at all needs neither the stored
  widget state nor require.js and the 3.6 MB widget manager: they are dropped here
  (``doctree-resolved``), which also removes the manager's font requests and its MathJax 2 calls.
* **Weight.** After the build, source maps (``*.map``, 3.5 MB that only a developer's tools ever
  ask for) and Font Awesome's 1.5 MB JavaScript are deleted: the theme's CSS already draws the
  same icons from Font Awesome's web fonts, so the script only duplicated them.
* **No Live Code leftovers.** Live Code (thebe) is off (``_config.yml``); sphinx-thebe still
  writes its settings twice into every page (a console error) and loads its script: removed.
* **First load.** Pages other than the search page do not load the search index, figures load
  lazily (when the reader scrolls near them), and each explorer's precomputed states move to
  ``_explorers/<hash>.js``, loaded when the explorer comes near the screen.
* **Wide figures on phones.** Images at least 700 px wide get the class ``book-wide``: on a
  phone they keep 70 % of their natural width and scroll inside their box (_static/custom.css).
* **Search snippets.** ``_search_snippets.js`` holds every page's plain text (no TeX, code or
  chrome); the search page reads its result snippets from it, also over ``file://``.
* **Korean chrome.** A few theme strings that have no Korean translation are replaced in the
  written pages.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from docutils import nodes

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# theme strings without a Korean translation (pydata-sphinx-theme / sphinx-book-theme)
UI_STRINGS = {
    "Back to top": "맨 위로",
    "Color mode": "색상 모드",
    "Light": "밝게",
    "Dark": "어둡게",
    "System Settings": "시스템 설정",
    "Skip to main content": "본문으로 건너뛰기",
    "Ctrl": "Ctrl",
}

_FA_SCRIPT = re.compile(r'\s*<script[^>]*fontawesome\.js[^>]*></script>')
# sphinx-thebe adds its configuration twice ("THEBE_JS_URL has already been declared") even with
# Live Code off; with thebe off (_config.yml) none of it is needed.
_THEBE = re.compile(r'\s*<script>const THEBE_JS_URL[^<]*</script>|\s*<script[^>]*sphinx-thebe\.js[^>]*>'
                    r'</script>|\s*<link[^>]*sphinx-thebe\.css[^>]*/?>')
_SEARCH_INDEX = re.compile(r'\s*<script[^>]*src="[^"]*searchindex\.js"[^>]*></script>')
_FA_PRELOAD = re.compile(r'\s*<link[^>]*fontawesome\.js[^>]*/?>')


def _drop_unused_widget_scripts(app, doctree, docname):
    """No widget view left on the page (after myst-nb chose one output per mime bundle for this
    builder): do not embed the widget state or load the manager."""
    if app.builder.format != "html":
        return
    meta = getattr(app.env, "nb_metadata", {}).get(docname, {})
    js_files = meta.get("js_files", {})
    if not any(k.startswith("ipywidgets") for k in js_files):
        return
    for node in doctree.findall(nodes.raw):
        if WIDGET_VIEW in node.astext():
            return
    for key in [k for k in js_files if k.startswith("ipywidgets")]:
        del js_files[key]


_DLX_DATA = re.compile(r'<script type="application/json" class="dlx-data">(.*?)</script>', re.S)


def _move_explorer_states(text, page, out):
    """Move each static explorer's precomputed states (about 1 MB of images) out of the page
    into ``_explorers/<hash>.js``; the explorer's script loads it when the explorer comes near
    the screen. The page keeps the first picture, so it looks the same before that."""
    import hashlib
    import os

    def repl(m):
        payload = m.group(1)
        key = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
        target = out / "_explorers" / f"{key}.js"
        target.parent.mkdir(exist_ok=True)
        target.write_text(f'(window.dlxData=window.dlxData||{{}})["{key}"]={payload};\n',
                          encoding="utf-8")
        src = os.path.relpath(target, page.parent).replace(os.sep, "/")
        return (f'<script type="application/json" class="dlx-data" data-src="{src}" '
                f'data-key="{key}"></script>')

    return _DLX_DATA.sub(repl, text)


WIDE_PX = 700  # figures at least this wide (natural pixels) scroll on a phone instead of shrinking


def _png_width(path):
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(head[16:20], "big")


def _mark_wide_figures(text, page):
    """Multi-panel figures (wide images) keep 70 % of their natural width on a phone and
    scroll sideways inside their own box (CSS ``.book-wide``), so that their labels stay
    readable instead of shrinking to a few pixels."""

    def repl(m):
        tag = m.group(0)
        if "book-wide" in tag:
            return tag
        src = re.search(r'src="([^"]+)"', tag)
        width = None
        if src and not src.group(1).startswith("data:"):
            width = _png_width(page.parent / src.group(1))
        elif 'class="dlx-figure"' in tag:
            w = re.search(r'\bwidth="(\d+)"', tag)
            width = int(w.group(1)) if w else None
        if not width or width < WIDE_PX:
            return tag
        style = f' style="--book-natural-width: {width}px"'
        if 'class="' in tag:
            tag = tag.replace('class="', 'class="book-wide ', 1)
        else:
            tag = tag.replace("<img ", '<img class="book-wide" ', 1)
        tag = tag.replace("<img ", f"<img{style} ", 1)
        if 'dlx-figure' in tag:
            return f'<div class="book-wide-box">{tag}</div>'
        return tag

    return re.sub(r"<img [^>]*>", repl, text)


def _translate_ui(text):
    # the issue button's template (title and body of a new GitHub issue)
    text = re.sub(r"issues/new\?title=Issue%20on%20page%20([^&\"]*)&(?:amp;)?body=Your%20issue%20content%20here\.",
                  lambda m: "issues/new?title=" + quote("쪽에 관한 의견: ") + m.group(1) + "&body="
                  + quote("어느 부분이 어떻게 잘못되었거나 어려운지 적어 주세요."), text)
    for en, ko in UI_STRINGS.items():
        if en == ko:
            continue
        # visible text between tags, and the usual attributes holding UI text
        text = re.sub(rf">(\s*){re.escape(en)}(\s*)<", rf">\g<1>{ko}\g<2><", text)
        text = re.sub(rf'((?:title|aria-label|data-bs-title|alt)="){re.escape(en)}"',
                      rf"\g<1>{ko}" + '"', text)
    return text


class _TextOfArticle(HTMLParser):
    """Plain text of a page's article, section by section, without math, code or chrome."""

    SKIP_TAGS = {"script", "style", "nav", "button", "svg", "noscript", "template"}
    SKIP_CLASSES = {"math", "headerlink", "cell_input", "cell_output", "toc", "prev-next-area",
                    "dlx-explorer", "footnote-reference", "visually-hidden", "sd-sr-only"}
    VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0          # >0 inside the article
        self.skip = 0           # >0 inside something left out
        self.stack = []         # (tag, entered_article, skipped)
        self.sections = [["", []]]

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        enter = tag == "article" and "bd-article" in classes
        skipping = self.depth > 0 and (tag in self.SKIP_TAGS or bool(classes & self.SKIP_CLASSES))
        self.stack.append((tag, enter, skipping))
        self.depth += enter
        self.skip += skipping
        if self.depth and not self.skip and tag == "section" and a.get("id"):
            self.sections.append([a["id"], []])

    def handle_endtag(self, tag):
        while self.stack:
            t, enter, skipping = self.stack.pop()
            self.depth -= enter
            self.skip -= skipping
            if t == tag:
                break
        if self.depth and not self.skip and tag in {"p", "li", "h1", "h2", "h3", "h4", "dd", "dt",
                                                    "td", "th", "div", "section"}:
            self.sections[-1][1].append(" ")

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.sections[-1][1].append(data)

    def snippet_html(self):
        parts = []
        for sid, chunks in self.sections:
            text = re.sub(r"\s+", " ", "".join(chunks)).strip()
            if text:
                attr = f' id="{html.escape(sid, quote=True)}"' if sid else ""
                parts.append(f"<section{attr}>{html.escape(text)}</section>")
        return '<div role="main">' + "".join(parts) + "</div>"


def _write_search_snippets(out, pages):
    """``_search_snippets.js``: each page's plain text for the search page's result snippets
    (Sphinx fetches the page for them, which a browser refuses over ``file://``, and would show
    its raw TeX and chrome); loaded by search.html only (see _ext/korean_search.py)."""
    data = {}
    for page in pages:
        if page.name in ("search.html", "genindex.html") or page.parent != out and \
                page.parent.name != "chapters":
            continue
        parser = _TextOfArticle()
        parser.feed(page.read_text(encoding="utf-8"))
        data[page.relative_to(out).as_posix()] = parser.snippet_html()
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    (out / "_search_snippets.js").write_text(f"window.BOOK_SNIPPETS = {payload};\n",
                                             encoding="utf-8")
    search = out / "search.html"
    if search.exists():
        text = search.read_text(encoding="utf-8")
        if "_search_snippets.js" not in text:
            text = text.replace("</head>", '<script src="_search_snippets.js"></script>\n</head>', 1)
            search.write_text(text, encoding="utf-8")


def _lighten_output(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    # Sphinx 7.4 does not overwrite a static file that already exists in the output (nor copy
    # anything when no page changed): an edited _static/custom.css would keep its old copy.
    import shutil

    for src in Path(app.srcdir, "_static").glob("*.css"):
        (out / "_static").mkdir(exist_ok=True)
        shutil.copyfile(src, out / "_static" / src.name)
    _write_search_snippets(out, sorted(out.rglob("*.html")))
    thebe_on = bool(app.config.html_theme_options.get("launch_buttons", {}).get("thebe"))
    for page in out.rglob("*.html"):
        if "_static" in page.parts or "vendor" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        new = _FA_PRELOAD.sub("", _FA_SCRIPT.sub("", text))
        if not thebe_on:
            new = _THEBE.sub("", new)
        new = _translate_ui(new)
        # a first visit (nothing in localStorage) would log "Got invalid theme mode: ." as an error
        new = new.replace('dataset.mode = localStorage.getItem("mode") || "";',
                          'dataset.mode = localStorage.getItem("mode") || "auto";')
        if page.name != "search.html":
            # the 280 KB index is read by the search page only (the theme's search box submits
            # to it); images below the first screen load when the reader scrolls to them
            new = _SEARCH_INDEX.sub("", new)
            new = re.sub(r'<img (?![^>]*\bloading=)(?=[^>]*src="[^"]*_images/)',
                         '<img loading="lazy" ', new)
            new = _move_explorer_states(new, page, out)
            new = _mark_wide_figures(new, page)
        if new != text:
            page.write_text(new, encoding="utf-8")
    # drop states files that no page refers to any more (left by earlier incremental builds)
    explorers = out / "_explorers"
    if explorers.is_dir():
        used = set()
        for page in out.rglob("*.html"):
            used.update(re.findall(r'_explorers/([0-9a-f]{16})\.js', page.read_text(encoding="utf-8")))
        for path in explorers.glob("*.js"):
            if path.stem not in used:
                path.unlink()
    static = out / "_static"
    for path in [*static.rglob("*.map"), *static.rglob("fontawesome.js"),
                 *(static.glob("sphinx-thebe.*") if not thebe_on else [])]:
        path.unlink()
    for path in static.rglob("*.js"):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        stripped = re.sub(r"\n//# sourceMappingURL=\S+\.map\s*$", "\n", text)
        if stripped != text:
            path.write_text(stripped, encoding="utf-8", errors="surrogateescape")
    for path in static.rglob("*.css"):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        stripped = re.sub(r"/\*# sourceMappingURL=\S+\.map \*/", "", text)
        if stripped != text:
            path.write_text(stripped, encoding="utf-8", errors="surrogateescape")


def setup(app):
    app.connect("doctree-resolved", _drop_unused_widget_scripts)
    app.connect("build-finished", _lighten_output)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
