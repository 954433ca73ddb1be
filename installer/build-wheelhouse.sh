#!/usr/bin/env bash
# Build the offline wheelhouse: the project wheel plus a wheel of every runtime dependency at the versions pinned
# in constraints.txt, for CPython 3.11 on Linux x86_64 with glibc >= 2.28 (manylinux_2_28 and older wheels, as the
# bundle; UOS 20, Kylin V10). On the target:
#   python3.11 -m pip install --no-index --find-links wheelhouse -c wheelhouse/constraints.txt lianjie
# Usage: build-wheelhouse.sh [DIST]. WHEELHOUSE_PLATFORMS="win_amd64" adds binary wheels for those platforms
# (Python 3.11) beside them, downloaded from the index. LIANJIE_NATIVE_BUILD=1 takes this machine's wheels instead.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$(realpath -m "${1:-$ROOT/dist}")"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
OUT="$DIST/wheelhouse"
rm -rf "$OUT"
mkdir -p "$OUT"
download() {
    "$PY" -m pip download --quiet --disable-pip-version-check --only-binary=:all: "$@" \
        --python-version 3.11 --implementation cp -c "$ROOT/constraints.txt" -d "$OUT" "$OUT"/lianjie-*.whl
}
if [ -n "${LIANJIE_NATIVE_BUILD:-}" ]; then
    "$PY" -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$OUT" -c "$ROOT/constraints.txt" "$ROOT"
else
    "$PY" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$OUT" "$ROOT"
    source "$ROOT/installer/buildroot/platforms.sh"
    download "${MANYLINUX_228_PLATFORMS[@]}"
fi
cp "$ROOT/constraints.txt" "$OUT/constraints.txt"
for platform in ${WHEELHOUSE_PLATFORMS:-}; do
    download --platform "$platform"
done
echo "wheelhouse: $OUT ($(ls "$OUT"/*.whl | wc -l) wheels, $(du -sh "$OUT" | cut -f1))"
