#!/usr/bin/env bash
# Build the offline wheelhouse: the project wheel plus a wheel of every runtime dependency at the versions pinned
# in constraints.txt, for this machine's Python and platform. On the target:
#   python3.11 -m pip install --no-index --find-links wheelhouse -c wheelhouse/constraints.txt lianjie
# Usage: build-wheelhouse.sh [DIST]. WHEELHOUSE_PLATFORMS="win_amd64" adds binary wheels for those platforms
# (Python 3.11) beside them, downloaded from the index.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$(realpath -m "${1:-$ROOT/dist}")"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
OUT="$DIST/wheelhouse"
rm -rf "$OUT"
mkdir -p "$OUT"
"$PY" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$OUT" -c "$ROOT/constraints.txt" "$ROOT"
cp "$ROOT/constraints.txt" "$OUT/constraints.txt"
for platform in ${WHEELHOUSE_PLATFORMS:-}; do
    "$PY" -m pip download --quiet --disable-pip-version-check --only-binary=:all: --platform "$platform" \
        --python-version 3.11 --implementation cp -c "$ROOT/constraints.txt" -d "$OUT" "$OUT"/lianjie-*.whl
done
echo "wheelhouse: $OUT ($(ls "$OUT"/*.whl | wc -l) wheels, $(du -sh "$OUT" | cut -f1))"
