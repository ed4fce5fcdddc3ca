#!/usr/bin/env bash
# Re-creates _assets/vendor/ from the npm registry (needs npm and network; the committed copy
# lets the book build and render offline without this). Versions are pinned here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
MATHJAX=mathjax@3.2.2 REQUIREJS=requirejs@2.3.8 MANAGER=@jupyter-widgets/html-manager@1.0.15
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$MATHJAX" "$REQUIREJS" "$MANAGER" >/dev/null)
for t in "$tmp"/*.tgz; do d="${t%.tgz}"; mkdir -p "$d"; tar xzf "$t" -C "$d"; done
M="$(echo "$tmp"/mathjax-*/package)"; R="$(echo "$tmp"/requirejs-*/package)"
H="$(echo "$tmp"/jupyter-widgets-html-manager-*/package)"
rm -rf vendor
mkdir -p vendor/mathjax/input/tex vendor/mathjax/output/chtml/fonts vendor/requirejs vendor/html-manager
# MathJax: the combined TeX+MathML -> CommonHTML component, its fonts, the TeX extensions it
# autoloads and the menu's lazily loaded parts (the speech-rule engine is left out).
cp "$M/es5/tex-mml-chtml.js" vendor/mathjax/
cp -r "$M/es5/input/tex/extensions" vendor/mathjax/input/tex/
cp -r "$M/es5/output/chtml/fonts/woff-v2" vendor/mathjax/output/chtml/fonts/
cp -r "$M/es5/ui" vendor/mathjax/
cp "$M/LICENSE" vendor/mathjax/LICENSE.txt
# require.js (the licence is in the file's header)
cp "$R/require.js" vendor/requirejs/
# ipywidgets 8 HTML manager (renders stored widget state without a kernel) and its icon fonts
cp "$H/dist/embed-amd.js" "$H/dist/embed.js.LICENSE.txt" "$H"/dist/*.woff2 "$H"/dist/*.woff vendor/html-manager/
du -sh vendor
