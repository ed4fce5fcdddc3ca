"""Author-year citations in round brackets, and a bibliography labelled the same way.

* Reference style ``author_year_round`` (``bibtex_reference_style``): sphinxcontrib-bibtex's
  ``author_year`` writes [Rosenblatt, 1958]; Korean textbooks (and the book's source notes) use
  round brackets: (Rosenblatt, 1958), Rosenblatt (1958).
* Formatting style ``book_plain`` (``bibtex_default_style``): pybtex's ``plain`` with the list in
  appendix D labelled "Rosenblatt, 1958" instead of "1", so that a citation in the text and its
  entry in the list read the same.
"""

import dataclasses

import pybtex.plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle


def _round():
    return BracketStyle(left="(", right=")")


@dataclasses.dataclass
class RoundAuthorYearReferenceStyle(AuthorYearReferenceStyle):
    bracket_parenthetical: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_textual: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_author: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_label: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_year: BracketStyle = dataclasses.field(default_factory=_round)


register_plugin("sphinxcontrib.bibtex.style.referencing", "author_year_round",
                RoundAuthorYearReferenceStyle)


def _last_name(person):
    """The family name as plain text (LaTeX accents decoded: Mont{\\'u}far -> Montúfar)."""
    parts = person.rich_last_names or person.rich_first_names
    return " ".join(part.render_as("text") for part in parts)


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Rosenblatt, 1958", "Minsky & Papert, 1969", "He et al., 2016" (unique: a, b, ...)."""

    def format_labels(self, sorted_entries):
        labels = []
        for entry in sorted_entries:
            names = [_last_name(p) for p in entry.persons.get("author", [])]
            if len(names) >= 3:
                who = f"{names[0]} et al."
            elif len(names) == 2:
                who = f"{names[0]} & {names[1]}"
            else:
                who = names[0] if names else entry.key
            labels.append(f"{who}, {entry.fields.get('year', '')}")
        seen = {}
        for label in labels:
            seen[label] = seen.get(label, 0) + 1
        counters = {}
        for label in labels:
            if seen[label] > 1:
                counters[label] = counters.get(label, 0) + 1
                yield label + "abcdefghijklmnopqrstuvwxyz"[counters[label] - 1]
            else:
                yield label


class BookPlainStyle(PlainStyle):
    default_label_style = "book_author_year"


pybtex.plugin.register_plugin("pybtex.style.labels", "book_author_year", AuthorYearLabelStyle)
pybtex.plugin.register_plugin("pybtex.style.formatting", "book_plain", BookPlainStyle)


def setup(app):
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
