# Shared by the scripts in .ci/: a virtual environment with the book's requirements, and
# single-threaded BLAS so that notebook outputs are identical on every machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.venv}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONHASHSEED=0
# No MPLBACKEND here: notebook kernels must keep the inline backend so that figures are stored.
unset MPLBACKEND
export PYDEVD_DISABLE_FILE_VALIDATION=1
stamp="$VENV/.requirements.sha256"
want="$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ -z "${DLCORE_SKIP_SETUP:-}" ] && { [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; }; then
  echo "== setting up $VENV (pip install -r requirements.txt)"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r requirements.txt
  echo "$want" > "$stamp"
fi
export PATH="$VENV/bin:$PATH"
