"""Fast checks of the book's sources that need no build and no kernel.

They catch, in a second, what would otherwise surface as a failed `jupyter-book build -W`, a
blank widget in the HTML book, a Colab notebook that cannot import dlcore, or a notebook that was
edited but not re-executed:

* the table of contents and the files it names;
* notebook metadata, execution state (executed top to bottom, no errors) and widget state;
* the conventions of the chapters: the standard first cell, citations, sphinx-proof /
  sphinx-exercise labels, glue keys, justified nbval markers, no sys.path hacks;
* the offline HTML set-up (vendored MathJax / widget manager, CSS-only _static), the Korean
  search splitter, and a static explorer beside every widget view.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"

# The citation keys the book may use (references.bib defines exactly these).
BIB_KEYS = {
    "Rosenblatt1958", "Minsky1969", "Werbos1974", "Rumelhart1986", "Hornik1989", "Cybenko1989",
    "LeCun1998", "Glorot2010", "He2015", "He2016", "Ioffe2015", "Srivastava2014", "Kingma2015",
    "Duchi2011", "Tieleman2012", "Polyak1964", "Nesterov1983", "Nair2010", "Krizhevsky2012",
    "Hinton2006", "Goodfellow2016", "Bishop2006", "Oh2017", "Saito2017", "Zhang2023",
    "Montufar2014", "Prechelt1998", "Simard2003", "Zeiler2013", "Bottou2010", "Karpathy2016",
    "Santurkar2018",
    "Krogh1992", "Loshchilov2019", "Zou2005",  # chapter 8
    "He2016b",
    "Novikoff1962", "Leshno1993", "Nielsen2015", "Gallant1990",
    "Loshchilov2017",  # chapter 10
}

# The first code cell of every notebook (so that Colab installs dlcore and nothing else changes).
STANDARD_FIRST_CELL = """\
# Colab에서는 이 책의 dlcore 패키지를 먼저 설치한다(다른 환경에서는 건너뛴다).
import sys
if "google.colab" in sys.modules:
    %pip install -q "dlcore[data] @ git+https://github.com/dlbook-ko/deep-learning-basics"

import numpy as np
import matplotlib.pyplot as plt
import dlcore
from dlcore import viz

viz.setup()  # 한글 글꼴, 그림 양식, NumPy 출력 자릿수(소수 4자리)"""

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
STATIC_MARKER = "data-dlx-explorer"  # dlcore.widgets._live.STATIC_MARKER
NBVAL_TAGS = {"nbval-ignore-output", "nbval-skip"}
NBVAL_COMMENT = re.compile(r"^\s*#\s*NBVAL_(IGNORE_OUTPUT|SKIP)\b", re.MULTILINE)


# -- collecting the book's sources ---------------------------------------------------------------
def _toc_entries(node):
    """All `file:` entries of a _toc.yml node, depth first."""
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []) or []:
                yield from _toc_entries(child)
    elif isinstance(node, list):
        for child in node:
            yield from _toc_entries(child)


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"], *_toc_entries(toc)]


def _source_of(entry):
    """The source files (.ipynb / .md) that a toc entry may refer to."""
    return [p for p in (ROOT / f"{entry}.ipynb", ROOT / f"{entry}.md") if p.exists()]


def _toc_sources():
    return [s for e in toc_files() for s in _source_of(e)]


NOTEBOOKS = sorted(set(CHAPTERS.glob("*.ipynb")) | {p for p in _toc_sources() if p.suffix == ".ipynb"})
MARKDOWN_FILES = sorted({p for p in _toc_sources() if p.suffix == ".md"}
                        | set(CHAPTERS.glob("*.md")))
CHAPTER_RE = re.compile(r"^(\d\d)_")


def _ids(paths):
    return [p.relative_to(ROOT).as_posix() for p in paths]


def load_nb(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _src(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def markdown_texts():
    """(path, text) of every markdown source of the book: .md pages and notebook markdown cells."""
    out = [(p, p.read_text(encoding="utf-8")) for p in MARKDOWN_FILES]
    for p in NOTEBOOKS:
        nb = load_nb(p)
        out += [(p, _src(c)) for c in nb["cells"] if c["cell_type"] == "markdown"]
    return out


def chapter_prefix(path):
    """'ch01' for chapters/01_perceptron.ipynb; None for appendices and the landing page."""
    m = CHAPTER_RE.match(path.name)
    return f"ch{m.group(1)}" if m else None


# -- table of contents ---------------------------------------------------------------------------
def test_toc_lists_files_that_exist():
    missing = [e for e in toc_files() if not _source_of(e)]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_toc_entries_are_unambiguous_and_unique():
    entries = toc_files()
    dup = [e for e, n in Counter(entries).items() if n > 1]
    assert not dup, f"_toc.yml lists these more than once: {dup}"
    both = [e for e in entries if len(_source_of(e)) > 1]
    assert not both, f"both a .md and an .ipynb exist for: {both}"


def test_every_chapter_file_is_in_the_toc():
    # only_build_toc_files: true would silently leave such a page out of the book.
    listed = {(ROOT / e).resolve() for e in toc_files()}
    stray = [p for p in [*CHAPTERS.glob("*.ipynb"), *CHAPTERS.glob("*.md")]
             if p.with_suffix("").resolve() not in listed]
    assert not stray, f"not in _toc.yml (would not be built): {_ids(stray)}"


# -- notebooks: metadata, execution, widgets -----------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
class TestNotebook:
    def test_kernelspec_and_language_info(self, path):
        meta = load_nb(path)["metadata"]
        ks = meta.get("kernelspec", {})
        assert {k: ks.get(k) for k in KERNELSPEC} == KERNELSPEC, f"kernelspec is {ks}"
        assert meta.get("language_info", {}).get("name") == "python"

    def test_executed_top_to_bottom(self, path):
        """Execution counts 1, 2, 3, ... in order: run in one fresh kernel, none skipped."""
        nb = load_nb(path)
        cells = [c for c in code_cells(nb) if _src(c).strip()]
        counts = [c.get("execution_count") for c in cells]
        assert counts == list(range(1, len(cells) + 1)), (
            f"execution counts {counts}: re-execute with `bash .ci/execute {path.relative_to(ROOT)}`")
        assert any(c.get("outputs") for c in cells), "no code cell has an output (outputs stripped?)"

    def test_no_error_outputs(self, path):
        nb = load_nb(path)
        bad = [(i, o.get("ename")) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
               for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not bad, f"cells with error outputs (cell index, exception): {bad}"

    def test_no_missing_glyph_warnings(self, path):
        # NanumGothic lacks some glyphs (e.g. U+2212); such warnings mean broken figure labels.
        nb = load_nb(path)
        bad = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
               for o in c.get("outputs", []) if o.get("output_type") == "stream"
               and re.search(r"Glyph \d+ .*missing", "".join(o.get("text", "")))]
        assert not bad, f"'Glyph ... missing' warnings in cells {bad}"

    def test_figures_were_stored_as_images(self, path):
        """A figure repr without its PNG means the notebook ran under a non-inline matplotlib
        backend (e.g. MPLBACKEND=Agg): the HTML book would show no figure at all."""
        nb = load_nb(path)
        bad = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
               for o in c.get("outputs", [])
               if re.match(r"<Figure size .* with \d+ Axes>", "".join(o.get("data", {}).get("text/plain", "")))
               and "image/png" not in o.get("data", {})]
        assert not bad, f"cells {bad} show a figure's repr but no image: execute with the inline backend"
        if chapter_prefix(path):
            n_png = sum("image/png" in o.get("data", {}) for c in code_cells(nb)
                        for o in c.get("outputs", []))
            assert n_png, "a chapter without a single stored figure: executed with MPLBACKEND=Agg?"

    def test_widget_views_have_stored_state(self, path):
        # Without the state, the HTML book renders the widget blank, with no warning.
        nb = load_nb(path)
        state = nb["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
        views = [o["data"][WIDGET_VIEW]["model_id"] for c in code_cells(nb)
                 for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]
        missing = [v for v in views if v not in state]
        assert not missing, f"{len(missing)} widget view(s) without stored state: re-execute"

    def test_widget_views_carry_a_static_explorer(self, path):
        """Without a kernel a widget view cannot redraw: every one must come from
        dlcore.widgets._live.live_figure, whose display adds the static HTML explorer that the
        book shows instead (within the ~1 MB page budget)."""
        nb = load_nb(path)
        bad, heavy = [], []
        for i, c in enumerate(nb["cells"]):
            for o in c.get("outputs", []):
                data = o.get("data", {})
                if WIDGET_VIEW not in data:
                    continue
                page = "".join(data.get("text/html", ""))
                if STATIC_MARKER not in page:
                    bad.append(i)
                elif len(page.encode()) > 1_100_000:
                    heavy.append((i, len(page.encode())))
        assert not bad, (f"cells {bad}: a widget view without the static explorer: build it with "
                         "live_figure and re-execute with `bash .ci/execute`")
        assert not heavy, f"static explorers over the 1.1 MB budget (cell, bytes): {heavy}"

    def test_first_code_cell_is_the_standard_colab_cell(self, path):
        first = code_cells(load_nb(path))[0]
        got = "\n".join(line.rstrip() for line in _src(first).strip().splitlines())
        assert got == STANDARD_FIRST_CELL, f"first code cell differs from the standard:\n{got}"

    def test_no_sys_path_hacks(self, path):
        nb = load_nb(path)
        pat = re.compile(r"sys\.path\s*(\.\s*(insert|append|extend)|\+=|=|\[)|PYTHONPATH")
        bad = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
               and pat.search(_src(c))]
        assert not bad, f"cells {bad} change sys.path: import dlcore as installed instead"

    def test_nbval_markers_are_justified(self, path):
        """A cell whose output nbval ignores (or skips) says why in a comment."""
        nb = load_nb(path)
        bad = []
        for i, c in enumerate(code_cells(nb)):
            src = _src(c)
            tags = set(c.get("metadata", {}).get("tags", []))
            if not (tags & NBVAL_TAGS or NBVAL_COMMENT.search(src)):
                continue
            comments = [line.strip().lstrip("#").strip() for line in src.splitlines()
                        if line.strip().startswith("#") and not NBVAL_COMMENT.match(line)]
            if not any(len(text) >= 10 for text in comments):
                bad.append(i)
        assert not bad, f"code cells (index among code cells) {bad} ignore or skip nbval " \
                        "without a comment saying why"

    def test_headings(self, path):
        """One H1, the chapter's title, first; no heading level jumps (H1 -> H3)."""
        nb = load_nb(path)
        md = [_src(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
        text = re.sub(r"```.*?```", "", "\n".join(md), flags=re.DOTALL)  # ignore code blocks
        levels = [len(m.group(1)) for m in re.finditer(r"^(#{1,6})\s", text, re.MULTILINE)]
        assert levels and levels[0] == 1 and levels.count(1) == 1, f"heading levels {levels}"
        jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        assert not jumps, f"heading level jumps {jumps}"
        title = re.search(r"^# (.+)$", text, re.MULTILINE).group(1).strip()
        m = CHAPTER_RE.match(path.name)
        if m and m.group(1) == "00":
            assert title == "들어가며", title
        elif m:
            # The toc numbers the chapters ("3장 " comes from numbered: 1 and html_secnumber_suffix),
            # so the title itself carries no number.
            assert not re.match(r"\d", title) and "장." not in title.split()[0], title


# -- citations, labels, glue ---------------------------------------------------------------------
def bib_keys():
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    return re.findall(r"^@\w+\s*\{\s*([^,\s]+)\s*,", text, re.MULTILINE)


def test_references_bib_defines_exactly_the_books_keys():
    keys = bib_keys()
    dup = [k for k, n in Counter(keys).items() if n > 1]
    assert not dup, f"duplicate entries: {dup}"
    assert set(keys) == BIB_KEYS, (f"missing {sorted(BIB_KEYS - set(keys))}, "
                                   f"unexpected {sorted(set(keys) - BIB_KEYS)}")


def test_references_bib_parses():
    pybtex = pytest.importorskip("pybtex.database")
    data = pybtex.parse_file(str(ROOT / "references.bib"))
    for key, entry in data.entries.items():
        assert entry.persons.get("author"), f"{key} has no author"
        assert entry.fields.get("title") and entry.fields.get("year"), f"{key}: title/year"


CITE_RE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def test_every_cited_key_is_in_references_bib():
    keys = set(bib_keys())
    unknown = {(p.relative_to(ROOT).as_posix(), k.strip())
               for p, text in markdown_texts() for m in CITE_RE.finditer(text)
               for k in m.group(1).split(",") if k.strip() not in keys}
    assert not unknown, f"cited but not in references.bib: {sorted(unknown)}"


LABEL_RE = re.compile(r"^\s*:label:\s*(\S+)\s*$", re.MULTILINE)
TARGET_RE = re.compile(r"^\(([^()\s]+)\)=\s*$", re.MULTILINE)
DIRECTIVE_RE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z:-]+)\}[ \t]*(?P<arg>[^\n]*)\n"
                          r"(?P<body>.*?)^(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL)


def _directives(text):
    """(name, argument, body) of every fenced MyST directive, nested ones included."""
    for m in DIRECTIVE_RE.finditer(text):
        yield m.group("name"), m.group("arg").strip(), m.group("body")
        yield from _directives(m.group("body"))


def test_labels_are_unique_book_wide_and_carry_the_chapter_prefix():
    seen, bad_prefix = Counter(), []
    for path, text in markdown_texts():
        labels = LABEL_RE.findall(text) + TARGET_RE.findall(text)
        seen.update(labels)
        prefix = chapter_prefix(path)
        if prefix:
            bad_prefix += [(path.name, lab) for lab in labels if not lab.startswith(prefix + "-")]
    dup = sorted(k for k, n in seen.items() if n > 1)
    assert not dup, f"labels defined more than once: {dup}"
    assert not bad_prefix, f"labels without their chapter prefix chNN-: {bad_prefix}"


CHAPTER_NOTEBOOKS = [p for p in NOTEBOOKS if chapter_prefix(p)]


@pytest.mark.parametrize("path", CHAPTER_NOTEBOOKS, ids=_ids(CHAPTER_NOTEBOOKS))
def test_exercises_have_dropdown_solutions(path):
    """At least three exercises, each with a solution hidden in a dropdown (plain or gated
    `{solution-start}` / `{solution-end}` directives)."""
    nb = load_nb(path)
    text = "\n".join(_src(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    exercises, solutions = [], {}
    for name, arg, body in _directives(text):
        name = name.removesuffix("-start")  # gated form: {solution-start} ... {solution-end}
        label = (LABEL_RE.findall(body) or [None])[0]
        if name == "exercise":
            exercises.append(label)
        elif name == "solution":
            solutions[arg] = re.search(r"^\s*:class:.*\bdropdown\b", body, re.MULTILINE)
    assert len(exercises) >= 3, f"{len(exercises)} exercises (at least 3)"
    assert None not in exercises, "an exercise has no :label:"
    missing = [e for e in exercises if e not in solutions]
    assert not missing, f"exercises without a solution: {missing}"
    orphans = [s for s in solutions if s not in exercises]
    assert not orphans, f"solutions for unknown exercises: {orphans}"
    shown = [s for s, dropdown in solutions.items() if not dropdown]
    assert not shown, f"solutions not hidden with `:class: dropdown`: {shown}"


def glued_keys(nb):
    return [o["metadata"]["scrapbook"]["name"] for c in code_cells(nb)
            for o in c.get("outputs", []) if "scrapbook" in o.get("metadata", {})]


GLUE_REF_RE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`]+)`|```\{glue(?::[a-z]+)?\}\s+(\S+)")


def test_glue_keys_unique_prefixed_and_defined():
    owners, problems = {}, []
    for path in NOTEBOOKS:
        nb = load_nb(path)
        keys = glued_keys(nb)
        prefix = chapter_prefix(path)
        for key in keys:
            if key in owners:
                problems.append(f"{key!r} glued in {owners[key]} and {path.name}")
            owners.setdefault(key, path.name)
            if prefix and not key.startswith(prefix + "_"):
                problems.append(f"{path.name}: glue key {key!r} lacks the prefix {prefix}_")
        for c in nb["cells"]:
            if c["cell_type"] != "markdown":
                continue
            for m in GLUE_REF_RE.finditer(_src(c)):
                ref = (m.group(1) or m.group(2)).split(":")[0].strip()
                if ref not in keys:
                    problems.append(f"{path.name}: {{glue}} refers to {ref!r}, not glued here")
    assert not problems, "\n".join(problems)


# -- the HTML set-up: offline assets, Korean search ----------------------------------------------
def _config():
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def test_config_core_settings():
    cfg = _config()
    assert cfg["language"] == "ko" and cfg["sphinx"]["config"]["language"] == "ko"
    assert cfg["execute"]["execute_notebooks"] == "off"
    assert cfg["only_build_toc_files"] is True
    # html_theme_options are set, so recursive_update must be on (else launch buttons vanish)
    assert cfg["sphinx"]["recursive_update"] is True
    assert {"sphinx_proof", "sphinx_exercise"} <= set(cfg["sphinx"]["extra_extensions"])
    lb = cfg["launch_buttons"]
    # Live Code (thebe) needs a Binder server over the network; the explorers work without it
    assert lb["binderhub_url"] and lb["colab_url"] and lb["thebe"] is False
    # the HTML book shows each explorer's static text/html version, not its live widget view
    overrides = cfg["sphinx"]["config"]["nb_mime_priority_overrides"]
    assert ["html", "text/html", 5] in overrides
    assert cfg["repository"]["url"] == "https://github.com/dlbook-ko/deep-learning-basics"


def test_javascript_is_served_locally():
    """MathJax, require.js and the widget manager come from html_extra_path, not a CDN."""
    sc = _config()["sphinx"]["config"]
    extra = [ROOT / p for p in sc["html_extra_path"]]
    urls = [sc["mathjax_path"], *sc["nb_ipywidgets_js"]]
    for url in urls:
        assert "://" not in url, f"{url} would be fetched from the network"
        rel = Path(url)
        assert rel.parts[0] == "..", f"{url}: expected a path relative to _static/ (../vendor/...)"
        rel = Path(*rel.parts[1:])
        assert any((d / rel).is_file() for d in extra), f"{url}: no such vendored file"


def test_static_folder_holds_no_javascript():
    # Jupyter Book injects every .js under _static/ into every page.
    js = list((ROOT / "_static").rglob("*.js")) if (ROOT / "_static").exists() else []
    assert not js, f"JavaScript under _static/: {_ids(js)}"


def test_korean_search_splitter():
    pytest.importorskip("sphinx")  # a Sphinx extension: absent where the book is not built (Colab)
    sys.path.insert(0, str(ROOT / "_ext"))  # the Sphinx extension lives outside the package
    try:
        from korean_search import split_text
    finally:
        sys.path.remove(str(ROOT / "_ext"))
    index = set(split_text("결정 경계의 곡선은 ReLU를 쓰면 경사하강법으로 오류 역전파를"))
    for query in ("곡선", "곡선은", "경계", "경사 하강법", "경사하강법", "relu", "곡",
                  "오류 역전파", "오류역전파", "역전파"):
        terms = split_text(query.lower(), query=True)
        assert terms and set(terms) <= {t.lower() for t in index}, (query, terms)
    assert split_text("하강법", query=True) == ["하강", "강법"]
    assert split_text("ReLU를", query=True) == ["ReLU", "를"]
    # a trailing particle never loses pages: the query means its stem
    assert split_text("역전파를", query=True) == split_text("역전파", query=True)
    assert split_text("경사하강법으로", query=True) == split_text("경사하강법", query=True)
    assert split_text("하강법", query=True) == ["하강", "강법"]  # 법 is not a particle


def test_main_part_is_numbered_so_chapter_numbers_match_file_names():
    """"3장" in the text must be the third numbered chapter: the 본문 part is numbered, starts at
    01_, and holds the chapters in file-name order; 들어가며 and appendices are not numbered."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    numbered = [p for p in toc["parts"] if p.get("numbered")]
    assert len(numbered) == 1, "exactly one numbered part (본문)"
    files = [c["file"] for c in numbered[0]["chapters"]]
    numbers = [int(Path(f).name[:2]) for f in files]
    assert numbers == list(range(1, len(files) + 1)), files
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["config"]["html_secnumber_suffix"] == "장 "
