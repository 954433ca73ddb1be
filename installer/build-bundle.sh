#!/usr/bin/env bash
# Build the PyInstaller one-folder bundle into DIST/lianjie (default dist/). Usage: build-bundle.sh [DIST] [WORK]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$(realpath -m "${1:-$ROOT/dist}")"
WORK="$(realpath -m "${2:-$ROOT/build/pyinstaller}")"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "PyInstaller 未安装：请运行 $PY -m pip install pyinstaller（版本见 docs/install.md）" >&2
    exit 2
fi
export QT_QPA_PLATFORM=offscreen
"$PY" "$ROOT/installer/render_icons.py" "$ROOT/resources/ui/icons/emblem.svg" "$ROOT/build/icons"
rm -rf "$DIST/lianjie"
cd "$ROOT"
"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$DIST" --workpath "$WORK" installer/lianjie.spec
echo "bundle: $DIST/lianjie ($(du -sh "$DIST/lianjie" | cut -f1))"
