"""Render a page of the built HTML book in headless Chromium, offline, and check what a reader sees.

Usage (after `bash .ci/build`):

    python tests/browser_check.py _build/html/chapters/01_perceptron.html out.png
    python tests/browser_check.py _build/html/intro.html intro.png --search 곡선

It takes a screenshot (look at it) and checks, on the DOM after the page's scripts ran:

* math: every MathJax span was typeset (no raw ``\\(...\\)`` left, ``mjx-container`` present)
  and none shows a TeX error (red ``mjx-merror``, e.g. "\\tag not allowed in split environment");
* widgets: every stored widget view was rendered by the local html-manager from its state;
* offline: Chromium's network log shows no request other than ``file://`` (no CDN);
* ``--search WORD``: the book's search page finds WORD (Korean stems, e.g. "곡선" for
  "곡선은") and lists this page among the results.

Not a pytest module (pytest collects only test_*.py); it needs /usr/bin/chromium
(`apt-get install -y chromium`, and a Korean font such as fonts-nanum to read the screenshot).
Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    # belt and braces: any host name resolves to nothing, so a CDN request cannot succeed
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("browser_check: Chromium not found (apt-get install -y chromium)")


def run_chromium(url, *extra, budget_ms=15000, timeout=120):
    """Run headless Chromium on url; returns (stdout, list of non-file URLs requested)."""
    with tempfile.TemporaryDirectory() as profile:
        netlog = Path(profile) / "netlog.json"
        cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}/p", f"--log-net-log={netlog}",
               f"--virtual-time-budget={budget_ms}", *extra, url]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return proc.stdout, network_requests(netlog)


def network_requests(netlog):
    """URLs other than file:// that the *page* asked for (Chromium's own background requests,
    whose initiator is "not an origin", are left out)."""
    try:
        text = netlog.read_text(encoding="utf-8", errors="replace").rstrip()
    except FileNotFoundError:
        return []
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # log cut short when Chromium exits: close the event list
        log = json.loads(text.rstrip(",") + "]}")
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = set()
    for event in log.get("events", []):
        params = event.get("params") or {}
        if event.get("type") != start_job or "url" not in params:
            continue
        if params.get("initiator") == "not an origin":
            continue
        if not params["url"].startswith(("file:", "data:", "blob:")):
            urls.add(params["url"])
    return sorted(urls)


def check_page(page, out_png, height=1800):
    problems = []
    url = page.resolve().as_uri()
    source = page.read_text(encoding="utf-8")

    _, requests = run_chromium(url, f"--window-size=1280,{height}", f"--screenshot={out_png}")
    dom, requests2 = run_chromium(url, "--dump-dom")
    requests = sorted(set(requests) | set(requests2))

    if requests:
        problems.append(f"network requests (should be none, offline): {requests}")
    print(f"network: {len(requests)} non-file request(s)")

    # math: Sphinx wraps math in <span class="math notranslate nohighlight">\(..\)</span> and
    # <div class="math ...">\[..\]</div>; MathJax replaces the TeX with <mjx-container>.
    n_math = len(re.findall(r'class="math notranslate nohighlight"', source))
    n_typeset = dom.count("<mjx-container")
    raw_left = len(re.findall(r"\\\(|\\\[", re.sub(r"<script.*?</script>", "", dom, flags=re.S)))
    print(f"math: {n_math} math element(s) in the page, {n_typeset} typeset, {raw_left} raw left")
    if n_math and (n_typeset == 0 or raw_left):
        problems.append("math not typeset by the local MathJax")
    # TeX errors: MathJax shows them in red as <mjx-merror data-mjx-error="...">
    tex_errors = re.findall(r'<mjx-merror[^>]*data-mjx-error="([^"]*)"', dom)
    if tex_errors:
        problems.append(f"{len(tex_errors)} TeX error(s) in typeset math: "
                        f"{sorted(set(html.unescape(e) for e in tex_errors))}")

    # widgets: each stored view is a <script type="application/vnd.jupyter.widget-view+json">;
    # the html-manager renders it next to the script as .jupyter-widgets / .widget-* elements.
    n_views = source.count('type="application/vnd.jupyter.widget-view+json"')
    n_rendered = len(re.findall(r'class="[^"]*\bjupyter-widgets\b', dom))
    print(f"widgets: {n_views} stored view(s), {n_rendered} rendered widget element(s)")
    if n_views and n_rendered == 0:
        problems.append("widgets not rendered (html-manager or require.js failed to load)")
    if n_views and "widget-state+json" not in source:
        problems.append("widget views without a widget-state script: re-execute the notebook")

    hangul = len(re.findall(r"[\uac00-\ud7a3]", html.unescape(re.sub(r"<[^>]+>", "", dom))))
    print(f"text: {hangul} Hangul syllables in the rendered page")
    print(f"screenshot: {out_png}")
    return problems


def check_search(page, word):
    """Open search.html?q=word and check that `page` is among the results."""
    root = page.resolve().parent
    while not (root / "search.html").exists() and root != root.parent:
        root = root.parent
    search = root / "search.html"
    if not search.exists():
        return [f"no search.html above {page}"]
    dom, requests = run_chromium(search.as_uri() + "?q=" + quote(word), "--dump-dom")
    found = re.findall(r'<a [^>]*href="([^"?#]+)[^"]*"', dom.split('id="search-results"', 1)[-1])
    rel = page.resolve().relative_to(root).as_posix()
    print(f"search {word!r}: {len(found)} result link(s): {sorted(set(found))[:8]}")
    problems = []
    if requests:
        problems.append(f"search page made network requests: {requests}")
    if rel not in found:
        problems.append(f"search for {word!r} does not list {rel}")
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("page", type=Path, help="a built page, e.g. _build/html/intro.html")
    ap.add_argument("out", type=Path, help="where to write the screenshot (.png)")
    ap.add_argument("--height", type=int, default=1800,
                    help="window height in pixels (a tall window captures the whole page)")
    ap.add_argument("--search", action="append", default=[], metavar="WORD",
                    help="also check that searching WORD finds this page (repeatable)")
    args = ap.parse_args(argv)
    if not args.page.exists():
        sys.exit(f"browser_check: {args.page} does not exist (build the book first)")
    problems = check_page(args.page, args.out, args.height)
    for word in args.search:
        problems += check_search(args.page, word)
    for p in problems:
        print("PROBLEM:", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
