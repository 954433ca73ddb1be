#!/usr/bin/env bash
# Build the PyInstaller one-folder bundle into DIST/lianjie (default dist/). Usage: build-bundle.sh [DIST] [WORK]
# By default it builds inside the Debian bullseye build root (scripts/buildroot.sh, created when missing), so that
# the bundle needs no glibc newer than 2.28 and runs on UOS 20 and Kylin V10 (docs/install.md). Needs root.
# LIANJIE_NATIVE_BUILD=1 builds with this machine's Python instead (.venv; quick, for developers: the bundle then
# needs this machine's glibc). Either way DIST/lianjie.build names how the bundle was built.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$(realpath -m "${1:-$ROOT/dist}")"
WORK="$(realpath -m "${2:-$ROOT/build/pyinstaller}")"
export LIANJIE_SYSTEM_LIBS="$ROOT/installer/system-libs.txt"
rm -rf "$DIST/lianjie" "$DIST/lianjie.build"
mkdir -p "$DIST" "$WORK"

if [ -n "${LIANJIE_NATIVE_BUILD:-}" ]; then
    PY="${PYTHON:-$ROOT/.venv/bin/python}"
    if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
        echo "PyInstaller 未安装：请运行 $PY -m pip install pyinstaller（版本见 docs/install.md）" >&2
        exit 2
    fi
    export QT_QPA_PLATFORM=offscreen
    "$PY" "$ROOT/installer/render_icons.py" "$ROOT/resources/ui/icons/emblem.svg" "$ROOT/build/icons"
    cd "$ROOT"
    "$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$DIST" --workpath "$WORK" installer/lianjie.spec
    echo "native $(ldd --version | head -n 1)" > "$DIST/lianjie.build"
else
    BUILDROOT="$(bash "$ROOT/scripts/buildroot.sh")"
    # The source tree read-only; icons, PyInstaller's work and the bundle go to bound folders.
    bash "$ROOT/installer/buildroot/run.sh" "$BUILDROOT" \
        --bind-ro "$ROOT:/src" --bind "$WORK:/build/work" --bind "$DIST:/build/dist" \
        --env PYTHONPATH=/src --env LIANJIE_SYSTEM_LIBS=/src/installer/system-libs.txt --env PYTHONDONTWRITEBYTECODE=1 \
        -- /bin/sh -ec '
            cd /src
            /opt/build-python/bin/python installer/render_icons.py resources/ui/icons/emblem.svg /build/work/icons
            /opt/build-python/bin/python -m PyInstaller --noconfirm --log-level WARN \
                --distpath /build/dist --workpath /build/work/pyinstaller installer/lianjie.spec'
    mkdir -p "$ROOT/build/icons"
    cp "$WORK/icons"/* "$ROOT/build/icons/"
    echo "buildroot $(basename "$BUILDROOT")" > "$DIST/lianjie.build"
fi
echo "bundle: $DIST/lianjie ($(du -sh "$DIST/lianjie" | cut -f1), $(cat "$DIST/lianjie.build"))"
