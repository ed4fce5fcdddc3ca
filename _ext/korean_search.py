"""Korean full-text search for the HTML book (Sphinx extension).

Sphinx has no Korean search language: it indexes whole space-separated words, particles
included, so the page that says "곡선은" is not found by the query "곡선". Korean attaches
particles and endings to the stem and spaces compounds freely ("경사 하강법", "경사하강법"), so
this extension indexes Hangul (and Hanja) the way CJK search engines usually do, by character
n-grams:

* index: every run of Hangul syllables contributes its single syllables and all of its
  two-syllable windows ("곡선은" -> 곡, 선, 은, 곡선, 선은);
* the bigram across a single space between two Hangul runs is indexed too, so that
  "경사하강법" finds "경사 하강법" (Korean spacing of compounds varies);
* query: a Hangul run of one syllable is looked up as is, a longer run as its two-syllable
  windows, all of which must occur on the page ("곡선" -> 곡선; "하강법" -> 하강, 강법); a
  trailing particle is dropped first ("역전파를" -> 역전파), so particles never lose pages.

Latin words (ReLU, Adam, im2col) are split, lower-cased and stemmed exactly as in Sphinx's
English search, so mixed text such as "ReLU를" yields "relu" and "를". The JavaScript side
(``splitQuery`` and a ``Stemmer`` that leaves Hangul alone) mirrors the Python side; both live
in this file so that they cannot drift apart.
"""

from __future__ import annotations

import json
import re

from sphinx.search.en import SearchEnglish

# Hangul syllables and CJK unified ideographs (Hanja).
_CJK = "\uac00-\ud7a3\u4e00-\u9fff"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|(?:(?![{_CJK}])\w)+")
_CJK_RUN_RE = re.compile(rf"^[{_CJK}]+$")


def ngrams_for_index(run: str) -> list[str]:
    """Unigrams and bigrams of a run of Hangul syllables (what the index stores)."""
    grams = list(run)
    grams += [run[i : i + 2] for i in range(len(run) - 1)]
    return grams


# Particles and copula endings a reader may type after a term ("역전파를", "경사하강법으로"). A
# query run of three or more syllables drops one of them at its end, so that the query means the
# stem: every page with "역전파를" also has "역전파", so this finds at least the same pages.
PARTICLES = ("에서", "으로", "에게", "까지", "부터", "처럼", "보다", "이다", "이고", "이며", "과는",
             "와는", "을", "를", "은", "는", "이", "가", "의", "에", "로", "와", "과", "도", "만")


def strip_particle(run: str) -> str:
    """``run`` without one trailing particle, if at least two syllables remain."""
    for p in PARTICLES:
        if run.endswith(p) and len(run) - len(p) >= 2:
            return run[: -len(p)]
    return run


def ngrams_for_query(run: str) -> list[str]:
    """What a query's run of Hangul syllables is looked up as (all must match)."""
    run = strip_particle(run)
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def split_text(text: str, *, query: bool = False) -> list[str]:
    """Split text into index terms (``query=False``) or query terms (``query=True``).

    For the index, two Hangul runs separated only by white space also contribute the bigram
    across the space ("경사 하강법" -> ..., 사하, ...), so that a query written without the
    space ("경사하강법") finds text written with it, and the other way round.
    """
    out: list[str] = []
    prev_end, prev_cjk = None, None
    for m in _TOKEN_RE.finditer(text):
        token = m.group()
        if _CJK_RUN_RE.match(token):
            if query:
                out.extend(ngrams_for_query(token))
            else:
                out.extend(ngrams_for_index(token))
                if prev_cjk and text[prev_end:m.start()].isspace():
                    out.append(prev_cjk[-1] + token[0])
            prev_cjk = token
        else:
            out.append(token)
            prev_cjk = None
        prev_end = m.end()
    return out


_JS_SPLITTER = r"""
/* Korean search (_ext/korean_search.py): Hangul runs become syllable bigrams. */
const BOOK_PARTICLES = PARTICLES_JSON;
function stripParticle(run) {
  for (const p of BOOK_PARTICLES) {
    if (run.endsWith(p) && run.length - p.length >= 2) return run.slice(0, run.length - p.length);
  }
  return run;
}
function splitQuery(query) {
  const cjk = /^[\uac00-\ud7a3\u4e00-\u9fff]+$/u;
  const tokens = query.match(/[\uac00-\ud7a3\u4e00-\u9fff]+|(?:(?![\uac00-\ud7a3\u4e00-\u9fff])[\p{L}\p{N}_])+/gu) || [];
  const out = [];
  for (let token of tokens) {
    if (cjk.test(token)) {
      token = stripParticle(token);
      if (token.length === 1) out.push(token);
      else for (let i = 0; i + 2 <= token.length; i++) out.push(token.slice(i, i + 2));
    } else {
      out.push(token);
    }
  }
  return out;
}
"""

_JS_RESULTS = r"""
/* Search results (_ext/korean_search.py, _ext/book_html.py): one result per page (Sphinx lists a
   page once for its title and again for a section), and snippets from the book's own plain-text
   copy of each page (window.BOOK_SNIPPETS), which works over file:// and has no TeX or chrome. */
if (typeof Search !== "undefined" && !Search._bookPatched) {
  Search._bookPatched = true;
  const performSearch = Search._performSearch;
  Search._performSearch = function () {
    const results = performSearch.apply(this, arguments);
    const seen = new Set(), kept = [];
    for (let i = results.length - 1; i >= 0; i--) {   // the best result is last
      if (!seen.has(results[i][0])) { seen.add(results[i][0]); kept.unshift(results[i]); }
    }
    return kept;
  };
  const fetchPage = window.fetch ? window.fetch.bind(window) : null;
  window.fetch = function (url) {
    const snippets = window.BOOK_SNIPPETS || {};
    const path = String(url).split("#")[0].split("?")[0].replace(/^(\.\/)+/, "");
    for (const key in snippets) {
      if (path === key || path.endsWith("/" + key)) {
        return Promise.resolve(new Response(snippets[key], {headers: {"Content-Type": "text/html"}}));
      }
    }
    return fetchPage ? fetchPage.apply(window, arguments) : Promise.reject(new Error("no fetch"));
  };
}
"""

_JS_STEMMER_WRAPPER = r"""
/* Korean search: Hangul and Hanja terms are not stemmed; Latin words use the Porter stemmer. */
var PorterStemmer = Stemmer;
Stemmer = function() {
  const porter = new PorterStemmer();
  this.stemWord = function(w) {
    return /[\uac00-\ud7a3\u4e00-\u9fff]/u.test(w) ? w : porter.stemWord(w);
  };
};
"""


class SearchKorean(SearchEnglish):
    """Search language ``ko``: Hangul syllable n-grams plus English rules for Latin words."""

    lang = "ko"
    language_name = "Korean"
    js_splitter_code = _JS_SPLITTER.replace("PARTICLES_JSON", json.dumps(PARTICLES)) + _JS_RESULTS
    js_stemmer_code = SearchEnglish.js_stemmer_code + _JS_STEMMER_WRAPPER

    def split(self, input: str) -> list[str]:  # noqa: A002 (Sphinx's signature)
        return split_text(input)

    def stem(self, word: str) -> str:
        if _CJK_RUN_RE.match(word):
            return word
        return super().stem(word)

    def word_filter(self, word: str) -> bool:
        if _CJK_RUN_RE.match(word):
            return True
        return super().word_filter(word)


def setup(app):
    app.add_search_language(SearchKorean)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
