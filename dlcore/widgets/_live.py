"""The one pattern every explorer shares: controls whose changes redraw a figure.

An explorer built with :func:`live_figure` works in two places:

* **live** (JupyterLab, Binder, Colab, VS Code, with a kernel): the ipywidgets controls call
  ``make_figure`` again on every change, as usual;
* **static** (the HTML book, no kernel, no network): when the explorer is displayed, the figure
  is precomputed for every combination of the controls' values and the display also carries a
  ``text/html`` version of the explorer: plain HTML controls, the precomputed images (palette
  PNG) and ~1 KB of inline JavaScript that swaps them. The book's ``_config.yml`` tells myst-nb
  to prefer that ``text/html`` over the widget view; a Jupyter front end with a kernel still
  shows the live widget (JupyterLab ranks the widget view first; see the README).

The contract for an explorer (``dlcore/widgets/<topic>.py``):

* every control in ``controls`` has a small finite set of values: ``Dropdown``,
  ``ToggleButtons``, ``RadioButtons``, ``Select``, ``SelectionSlider``, ``Checkbox``, or an
  ``IntSlider`` / ``FloatSlider`` / ``FloatLogSlider`` whose ``min``..``max`` by ``step`` is
  coarse; the number of combinations is at most :data:`MAX_STATES` (60) unless the explorer
  passes a larger ``max_states`` (and stays within the page budget, ~1 MB) or a coarser ``grid``;
* ``make_figure`` depends only on the control values (no hidden state, seeded randomness), and
  redraws in about 0.1 s;
* it may also update ``HTML`` / ``Label`` widgets or a control's ``disabled`` flag: the static
  version records those per state too.

``DLCORE_STATIC_EXPLORERS=0`` in the environment turns the precomputation off (a live session
that never needs the static version then skips its few seconds).
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import math
import os
import time

__all__ = ["live_figure", "control_values", "static_explorer_html", "MAX_STATES",
           "MAX_STATIC_BYTES", "STATIC_MARKER"]

#: Default limit on the number of precomputed states (combinations of control values).
MAX_STATES = 60
#: Budget for one static explorer's HTML (its images are most of it).
MAX_STATIC_BYTES = 1_100_000
#: Attribute present on the root element of every static explorer (the browser test finds it).
STATIC_MARKER = "data-dlx-explorer"

_SELECTION = ("Dropdown", "ToggleButtons", "RadioButtons", "Select", "SelectionSlider")


def live_figure(controls, make_figure, *, grid=None, max_states=MAX_STATES, dpi=None, colors=64):
    """Show ``make_figure()`` in an ``Output`` widget and redraw it whenever a control changes.

    ``controls``: widgets with a ``value`` and a finite set of values (see the module
    docstring); ``make_figure``: a function of no arguments that reads the controls and returns
    a matplotlib Figure (it may also update other widgets, or return ``None`` to leave the
    output empty). ``grid``: optional ``{control: [values]}`` to precompute only those values of
    a control for the static HTML version (each must be a value the control accepts);
    ``max_states``: refuse (``ValueError``) more combinations than this; ``dpi``: resolution of
    the precomputed images (default: about 800 px across, at most 80 dpi); ``colors``: size of
    their palette (64 keeps anti-aliased text smooth; 32 makes line plots ~10 % smaller).

    Returns ``(out, redraw)``; the figure is drawn once before returning. ``out`` is the
    ``Output`` widget; displaying any widget tree that contains it also produces the static
    HTML version. The control values are checked here, so a bad explorer fails when it is
    built, not when the book is.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    controls = tuple(controls)
    grids = _grids(controls, grid or {})
    n_states = math.prod(len(v) for v, _ in grids)
    if n_states > max_states:
        sizes = " × ".join(f"{_name(c)} {len(v)}" for c, (v, _) in zip(controls, grids, strict=True))
        raise ValueError(
            f"live_figure: expected at most {max_states} combinations of control values for the "
            f"static HTML explorer, got {n_states} ({sizes}); give the sliders a coarser step, "
            "fewer options, or pass grid={control: [values]}")

    out = widgets.Output()
    paused = []

    def redraw(*_):
        if paused:
            return
        with out:
            out.clear_output(wait=True)
            fig = make_figure()
            if fig is not None:
                display(fig)
                plt.close(fig)

    for control in controls:
        control.observe(redraw, names="value")
    redraw()
    out._dlx = {"controls": controls, "grids": grids, "make_figure": make_figure,
                "paused": paused, "redraw": redraw, "dpi": dpi, "colors": colors}
    _register_formatter()
    return out, redraw


# -- the finite values of a control ----------------------------------------------------------
def _name(control):
    return control.description or type(control).__name__


def control_values(control):
    """``(values, labels)``: every value ``control`` can take, in order, and their readouts.

    Raises ``TypeError`` for a control without a finite set of values (e.g. ``FloatText``) and
    ``ValueError`` for a slider whose ``min``..``max`` is not a whole number of ``step``\\ s.
    """
    kind = type(control).__name__
    if kind in _SELECTION:
        return list(control._options_values), list(control._options_labels)
    if kind in ("Checkbox", "ToggleButton"):
        return [False, True], ["끔", "켬"]
    if kind == "IntSlider":
        values = list(range(control.min, control.max + 1, control.step))
        fmt = control.readout_format or "d"
        return values, [format(v, fmt) for v in values]
    if kind in ("FloatSlider", "FloatLogSlider"):
        lo, hi, step = control.min, control.max, control.step
        n = round((hi - lo) / step)
        if n < 0 or abs(lo + n * step - hi) > 1e-9 * max(1.0, abs(hi)):
            raise ValueError(f"live_figure: {kind} {_name(control)!r}: expected max - min to be a "
                             f"whole number of steps, got min={lo}, max={hi}, step={step}")
        values = [round(lo + k * step, 10) for k in range(n + 1)]
        if kind == "FloatLogSlider":
            values = [float(f"{control.base ** e:.10g}") for e in values]
        fmt = control.readout_format or ".2f"
        return values, [format(v, fmt) for v in values]
    raise TypeError(f"live_figure: control {_name(control)!r} is a {kind}, which has no finite "
                    "set of values; expected one of Dropdown, ToggleButtons, RadioButtons, "
                    "Select, SelectionSlider, Checkbox, IntSlider, FloatSlider, FloatLogSlider")


def _index_of(values, value):
    for i, v in enumerate(values):
        if v is value or v == value:
            return i
        if isinstance(v, float) and isinstance(value, (int, float)) and math.isclose(
                v, value, rel_tol=1e-9, abs_tol=1e-12):
            return i
    return None


def _grids(controls, grid):
    out = []
    for control in controls:
        if not hasattr(control, "value"):
            raise TypeError(f"live_figure: expected widgets with a value, got {control!r}")
        values, labels = control_values(control)
        if control in grid:
            wanted = list(grid[control])
            idx = [_index_of(values, v) for v in wanted]
            bad = [v for v, i in zip(wanted, idx, strict=True) if i is None]
            if bad or not wanted:
                raise ValueError(f"live_figure: grid for {_name(control)!r}: expected values the "
                                 f"control can take, got {bad or wanted}")
            values, labels = [values[i] for i in idx], [labels[i] for i in idx]
        if _index_of(values, control.value) is None:
            raise ValueError(f"live_figure: {_name(control)!r} starts at {control.value!r}, which "
                             f"is not among its precomputed values {labels}")
        out.append((values, labels))
    for control in grid:
        if control not in controls:
            raise ValueError(f"live_figure: grid names {_name(control)!r}, not one of the controls")
    return out


# -- precomputing the states and writing the static HTML ---------------------------------------
def _find_live_outputs(widget, found):
    if getattr(widget, "_dlx", None) is not None:
        found.append(widget)
    for child in getattr(widget, "children", ()) or ():
        _find_live_outputs(child, found)
    return found


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from _walk(child)


def _texts(root):
    import ipywidgets as widgets

    return [w for w in _walk(root) if isinstance(w, (widgets.HTML, widgets.HTMLMath,
                                                     widgets.Label))]


def _png(fig, dpi, colors=64):
    """A compact PNG (64-colour palette, optimised) of ``fig`` as a data URI."""
    from PIL import Image

    if dpi is None:
        dpi = min(80.0, 800.0 / fig.get_figwidth())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    small = io.BytesIO()
    img.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        small, format="png", optimize=True)
    w, h = img.size
    return "data:image/png;base64," + base64.b64encode(small.getvalue()).decode("ascii"), (w, h)


def _precompute(out, root):
    """Every state of the explorer whose live output is ``out``: images, texts, disabled flags."""
    import matplotlib.pyplot as plt

    info = out._dlx
    controls, grids = info["controls"], info["grids"]
    texts = _texts(root)
    start_values = [c.value for c in controls]
    start_texts = [t.value for t in texts]
    start_disabled = [getattr(c, "disabled", False) for c in controls]
    images, image_index, strings, string_index, states = [], {}, [], {}, []
    size = None

    def intern(table, index, item):
        if item not in index:
            index[item] = len(table)
            table.append(item)
        return index[item]

    info["paused"].append(True)
    t0 = time.perf_counter()
    try:
        for combo in itertools.product(*(values for values, _ in grids)):
            for control, value in zip(controls, combo, strict=True):
                control.value = value
            fig = info["make_figure"]()
            if fig is None:
                uri = ""
            else:
                uri, size = _png(fig, info["dpi"], info["colors"])
                plt.close(fig)
            state = [intern(images, image_index, uri)]
            state += [intern(strings, string_index, t.value) for t in texts]
            state.append(sum(1 << k for k, c in enumerate(controls)
                             if getattr(c, "disabled", False)))
            states.append(state)
    finally:
        for control, value in zip(controls, start_values, strict=True):
            control.value = value
        for t, value in zip(texts, start_texts, strict=True):
            t.value = value
        for c, value in zip(controls, start_disabled, strict=True):
            if hasattr(c, "disabled"):
                c.disabled = value
        info["paused"].clear()
    seconds = time.perf_counter() - t0
    return {"images": images, "strings": strings, "states": states, "texts": texts,
            "size": size, "seconds": seconds}


def static_explorer_html(root):
    """The self-contained static HTML explorer for the widget tree ``root``, or ``None`` when
    ``root`` holds no :func:`live_figure` output. Raises ``ValueError`` over the page budget
    (:data:`MAX_STATIC_BYTES`)."""
    lives = _find_live_outputs(root, [])
    if not lives:
        return None
    data = []
    placed = set()
    computed = {id(out): _precompute(out, root) for out in lives}
    # one data block per live output; texts are shared by the first output's states
    for out in lives:
        c = computed[id(out)]
        data.append({"n": [len(v) for v, _ in out._dlx["grids"]], "img": c["images"],
                     "txt": c["strings"], "s": c["states"]})
    control_slot = {}
    for n, out in enumerate(lives):
        for k, control in enumerate(out._dlx["controls"]):
            control_slot[id(control)] = (n, k)
    text_slot = {id(t): j for j, t in enumerate(computed[id(lives[0])]["texts"])}

    def render(w):
        import ipywidgets as widgets

        if id(w) in control_slot:
            placed.add(id(w))
            n, k = control_slot[id(w)]
            return _control_html(w, lives[n]._dlx["grids"][k], n, k)
        if getattr(w, "_dlx", None) is not None:
            n = lives.index(w)
            c = computed[id(w)]
            first = data[n]["img"][data[n]["s"][_start_state(w)][0]] if data[n]["img"] else ""
            width = f' width="{c["size"][0]}" height="{c["size"][1]}"' if c["size"] else ""
            return (f'<img class="dlx-figure" data-dlx-out="{n}" src="{first}"{width} '
                    'alt="탐색기 그림: 위 컨트롤로 고른 값의 그림">')
        if id(w) in text_slot:
            return f'<div class="dlx-text" data-dlx-text="{text_slot[id(w)]}">{_text_html(w)}</div>'
        if isinstance(w, widgets.Box):
            kind = "dlx-hbox" if isinstance(w, widgets.HBox) else "dlx-vbox"
            return f'<div class="{kind}">' + "".join(render(c) for c in w.children) + "</div>"
        if isinstance(w, (widgets.ValueWidget,)) and hasattr(w, "value"):
            # a control outside live_figure cannot change the picture: show its value as text
            return f'<div class="dlx-text">{html.escape(_name(w))}: {html.escape(str(w.value))}</div>'
        return ""

    body = render(root)
    missing = [(n, k, c) for n, out in enumerate(lives)
               for k, c in enumerate(out._dlx["controls"]) if id(c) not in placed]
    if missing:  # controls not in the displayed tree: put them first, in order
        body = ('<div class="dlx-hbox">' + "".join(
            _control_html(c, lives[n]._dlx["grids"][k], n, k) for n, k, c in missing)
            + "</div>" + body)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    page = (f'<div class="dlx-explorer" {STATIC_MARKER}="1">{body}'
            f'<script type="application/json" class="dlx-data">{payload}</script></div>'
            f"<script>{_JS}</script>")
    nbytes = len(page.encode("utf-8"))
    if nbytes > MAX_STATIC_BYTES:
        raise ValueError(f"static_explorer_html: the static explorer takes {nbytes:,} bytes, "
                         f"expected at most {MAX_STATIC_BYTES:,}; use fewer control values "
                         "(coarser steps, a grid) or a smaller figure / dpi")
    return page


def _start_state(out):
    grids, controls = out._dlx["grids"], out._dlx["controls"]
    s = 0
    for control, (values, _) in zip(controls, grids, strict=True):
        s = s * len(values) + _index_of(values, control.value)
    return s


def _label_html(control):
    desc = control.description or ""
    if not getattr(control, "description_allow_html", False):
        desc = html.escape(desc)
    return f'<span class="dlx-label">{desc}</span>' if desc else ""


def _text_html(w):
    import ipywidgets as widgets

    if isinstance(w, widgets.Label):
        return html.escape(w.value)
    return w.value


def _control_html(control, grid, n, k):
    """One static control: ``data-dlx-k`` (its position) and ``data-dlx-out`` (which output)."""
    values, labels = grid
    kind = type(control).__name__
    i = _index_of(values, control.value)
    attrs = f'data-dlx-out="{n}" data-dlx-k="{k}"'
    dis = " disabled" if getattr(control, "disabled", False) else ""
    label = _label_html(control)
    if kind in ("Dropdown", "Select"):
        opts = "".join(f'<option value="{j}"{" selected" if j == i else ""}>{html.escape(t)}</option>'
                       for j, t in enumerate(labels))
        return f'<label class="dlx-control">{label}<select {attrs}{dis}>{opts}</select></label>'
    if kind in ("ToggleButtons", "RadioButtons", "Checkbox", "ToggleButton"):
        buttons = "".join(
            f'<button type="button" value="{j}" aria-pressed="{"true" if j == i else "false"}"'
            f'{dis}>{html.escape(t)}</button>' for j, t in enumerate(labels))
        return (f'<div class="dlx-control">{label}<span class="dlx-buttons" role="group" '
                f'{attrs}>{buttons}</span></div>')
    ticks = json.dumps(labels, ensure_ascii=False)
    return (f'<label class="dlx-control">{label}<input type="range" min="0" '
            f'max="{len(values) - 1}" step="1" value="{i}" {attrs}{dis} '
            f"data-dlx-labels='{html.escape(ticks, quote=True)}'>"
            f'<output class="dlx-readout">{html.escape(labels[i])}</output></label>')


# The client side: read each control's index, combine them (mixed radix, first control most
# significant), swap the image and the texts, set the disabled flags. No ids: the script finds
# its explorer as the element just before it, so several explorers on a page never collide.
# The states are inline JSON; the book's build (_ext/book_html.py) may move them to a file named
# by ``data-src`` / ``data-key``, which is then loaded when the explorer comes near the screen
# (or on the first change of a control), so that a page's first load does not carry them.
_JS = r"""(function(root){
var D=null,el=root.querySelector("script.dlx-data");
function idx(el){if(el.tagName==="SELECT")return el.selectedIndex;
if(el.tagName==="INPUT")return +el.value;
var b=el.querySelectorAll("button");for(var j=0;j<b.length;j++)if(b[j].getAttribute("aria-pressed")==="true")return j;return 0;}
function update(){if(!D){load();return;}D.forEach(function(d,n){
var cs=[],s=0,k;root.querySelectorAll('[data-dlx-out="'+n+'"][data-dlx-k]').forEach(function(el){cs[+el.getAttribute("data-dlx-k")]=el;});
for(k=0;k<d.n.length;k++)s=s*d.n[k]+idx(cs[k]);
var st=d.s[s],img=root.querySelector('img[data-dlx-out="'+n+'"]');
if(img){img.src=d.img[st[0]];img.style.visibility=d.img[st[0]]?"":"hidden";}
if(n===0)root.querySelectorAll("[data-dlx-text]").forEach(function(t){t.innerHTML=d.txt[st[1+(+t.getAttribute("data-dlx-text"))]];});
var dis=st[st.length-1];
for(k=0;k<cs.length;k++){var off=!!((dis>>k)&1);
if(cs[k].tagName==="SPAN")cs[k].querySelectorAll("button").forEach(function(b){b.disabled=off;});else cs[k].disabled=off;
if(cs[k].tagName==="INPUT"){var o=cs[k].parentNode.querySelector("output");if(o)o.textContent=JSON.parse(cs[k].getAttribute("data-dlx-labels"))[+cs[k].value];}}
});}
var loading=false;
function load(){var src=el.getAttribute("data-src");
if(!src){D=JSON.parse(el.textContent);update();return;}
if(loading)return;loading=true;var key=el.getAttribute("data-key"),sc=document.createElement("script");
sc.src=src;sc.onload=function(){D=(window.dlxData||{})[key];if(D)update();};document.head.appendChild(sc);}
root.querySelectorAll("[data-dlx-k]").forEach(function(el){
if(el.tagName==="SPAN")el.addEventListener("click",function(e){var b=e.target.closest("button");if(!b)return;
el.querySelectorAll("button").forEach(function(x){x.setAttribute("aria-pressed",x===b?"true":"false");});update();});
else el.addEventListener(el.tagName==="INPUT"?"input":"change",update);});
if(el.getAttribute("data-src")&&window.IntersectionObserver){var io=new IntersectionObserver(function(es){
if(es.some(function(e){return e.isIntersecting;})){io.disconnect();load();}},{rootMargin:"800px"});io.observe(root);}
else load();})(document.currentScript.previousElementSibling);"""


# -- IPython: add the static HTML to the display of any widget tree holding a live output ------
def _html_formatter(widget):
    if os.environ.get("DLCORE_STATIC_EXPLORERS", "1") == "0":
        return None
    return static_explorer_html(widget)


def _register_formatter():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    ip = get_ipython()
    if ip is None:
        return
    import ipywidgets as widgets

    ip.display_formatter.formatters["text/html"].for_type(widgets.DOMWidget, _html_formatter)
