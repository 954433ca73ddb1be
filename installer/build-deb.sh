#!/usr/bin/env bash
# Build the Debian package for UOS and Kylin from the bundle: DIST/lianjie -> DIST/lianjie_<version>_<arch>.deb
# Usage: build-deb.sh [DIST] [OUT] (the .deb goes to OUT, default DIST). DEB_COMPRESS (xz) and DEB_LEVEL (6) choose dpkg-deb's compression; xz and gzip are
# the ones every UOS 20 / Kylin V10 dpkg reads (zstd is not).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$(realpath -m "${1:-$ROOT/dist}")"
OUTDIR="$(realpath -m "${2:-$DIST}")"
BUNDLE="$DIST/lianjie"
[ -x "$BUNDLE/lianjie" ] || { echo "没有找到程序包 $BUNDLE：请先运行 installer/build-bundle.sh" >&2; exit 2; }
VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/app/__init__.py")"
ARCH="$(dpkg --print-architecture)"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT

install -d "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/icons/hicolor/256x256/apps" \
    "$STAGE/usr/share/doc/lianjie"
cp -a "$BUNDLE" "$STAGE/opt/lianjie"
install -m 0755 "$ROOT/installer/deb/lianjie.sh" "$STAGE/usr/bin/lianjie"
install -m 0644 "$ROOT/installer/deb/lianjie.desktop" "$STAGE/usr/share/applications/lianjie.desktop"
install -m 0644 "$ROOT/resources/ui/icons/emblem.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/lianjie.svg"
if [ -f "$ROOT/build/icons/lianjie.png" ]; then
    install -m 0644 "$ROOT/build/icons/lianjie.png" "$STAGE/usr/share/icons/hicolor/256x256/apps/lianjie.png"
fi
install -m 0644 "$ROOT/installer/deb/copyright" "$STAGE/usr/share/doc/lianjie/copyright"
[ -f "$ROOT/docs/install.md" ] && install -m 0644 "$ROOT/docs/install.md" "$STAGE/usr/share/doc/lianjie/install.md"

find "$STAGE" -type d -exec chmod 0755 {} +
chmod -R go-w "$STAGE"
SIZE="$(du -sk --apparent-size "$STAGE" | cut -f1)"
# The newest glibc symbol version any binary of the bundle needs: dpkg then refuses a system too old to run it.
GLIBC="$( (find "$BUNDLE" -type f \( -name '*.so*' -o -perm -u+x \) -print0 | xargs -0 objdump -T 2>/dev/null || true) \
    | { grep -o 'GLIBC_[0-9][0-9.]*' || true; } | sed 's/GLIBC_//' | sort -uV | tail -n 1)"
# The system libraries the bundle leaves to the target (installer/system-libs.txt): their packages are Depends.
DEPENDS="$(awk '{sub(/#.*/, "")} NF > 1 && $2 != "-" {$1 = ""; sub(/^ +/, ""); if (!seen[$0]++) printf "%s%s", sep, $0; sep = ", "}' \
    "$ROOT/installer/system-libs.txt")"
CONTROL="$(cat "$ROOT/installer/deb/control.in")"
CONTROL="${CONTROL//@DEPENDS@/$DEPENDS}"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE/" -e "s/@GLIBC@/${GLIBC:-2.28}/" \
    <<< "$CONTROL" > "$STAGE/DEBIAN/control"
mkdir -p "$OUTDIR"
OUT="$OUTDIR/lianjie_${VERSION}_${ARCH}.deb"
rm -f "$OUT"
dpkg-deb --root-owner-group "-Z${DEB_COMPRESS:-xz}" "-z${DEB_LEVEL:-6}" --build "$STAGE" "$OUT" >/dev/null
echo "deb: $OUT ($(du -h "$OUT" | cut -f1))"
