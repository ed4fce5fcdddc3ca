r"""Display math with ``\tag`` and matrices renders in MathJax (Sphinx extension).

Sphinx's MathJax writer wraps every display-math block that contains ``\\`` in
``\begin{split}...\end{split}``, even when each ``\\`` only separates the rows of a
``pmatrix``. MathJax then refuses an explicit equation number: "\tag not allowed in split
environment" (shown in red in the page). For such blocks, ``\\`` inside an environment and a
``\tag`` at the top level, this extension emits the block unwrapped, as ``\[ ... \]``, which
MathJax's AMS support numbers with the tag. Blocks with a top-level ``\\`` (real multi-line
equations) are left to Sphinx.
"""

import re

from docutils import nodes

_TOKEN = re.compile(r"\\begin\{[^}]*\}|\\end\{[^}]*\}|\\\\")


def _breaks_only_inside_environments(tex):
    depth = 0
    for m in _TOKEN.finditer(tex):
        tok = m.group()
        if tok.startswith(r"\begin"):
            depth += 1
        elif tok.startswith(r"\end"):
            depth -= 1
        elif depth <= 0:  # a top-level line break
            return False
    return True


def _unwrap_tagged_math(app, doctree, docname):
    if app.builder.format != "html":
        return
    for node in doctree.findall(nodes.math_block):
        tex = node.astext()
        if node.get("nowrap") or node.get("number") or r"\tag" not in tex:
            continue
        if len([p for p in tex.split("\n\n") if p.strip()]) != 1:
            continue
        if r"\\" not in tex or not _breaks_only_inside_environments(tex):
            continue
        node["nowrap"] = True
        node.children = [nodes.Text(r"\[" + tex.strip() + r"\]")]


def setup(app):
    app.connect("doctree-resolved", _unwrap_tagged_math)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
