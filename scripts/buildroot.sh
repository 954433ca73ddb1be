#!/usr/bin/env bash
# The build root of the Linux installers: Debian bullseye (glibc 2.31) from debootstrap, CPython 3.11 built inside it
# from Debian's python3.11 source package (symbols pinned to glibc 2.28, installer/buildroot/glibc-2.28.h), and a
# virtual environment with the project's pinned dependencies as manylinux_2_28 (or older) wheels plus PyInstaller.
# Prints the root's path. Reused while its inputs are unchanged; built anew (10-20 minutes) when they change.
#   LIANJIE_BUILDROOT_CACHE       where roots are kept (default /var/cache/lianjie-buildroot, outside the work tree)
#   LIANJIE_BUILDROOT_CONSTRAINTS the pins to install (default constraints.txt)
# Needs root (debootstrap, chroot), Debian's registry and PyPI. Layers: base = bullseye-<hash of system inputs>;
# inside it /opt/deps/<hash of the pins> (a venv), and /opt/build-python pointing at the current one.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$ROOT/installer/buildroot"
CACHE="${LIANJIE_BUILDROOT_CACHE:-/var/cache/lianjie-buildroot}"
CONSTRAINTS="$(realpath "${LIANJIE_BUILDROOT_CONSTRAINTS:-$ROOT/constraints.txt}")"
SUITE=bullseye
log() { echo "buildroot: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { echo "创建构建环境需要 root 权限（debootstrap、chroot）" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive
for tool in debootstrap:debootstrap objdump:binutils; do
    command -v "${tool%%:*}" >/dev/null || { apt-get update -qq && apt-get install -y -qq "${tool#*:}" >/dev/null; }
done

# The Debian mirror this machine is configured with (never written into the repository).
MIRROR="${LIANJIE_DEBIAN_MIRROR:-$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}"
[ -n "$MIRROR" ] || MIRROR="$(awk '/^deb / && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
[ -n "$MIRROR" ] || { echo "找不到 Debian 软件源地址（/etc/apt/sources.list.d/*.sources）" >&2; exit 2; }

# Build tools, the C libraries CPython links (bundled), and the desktop libraries Qt links, which the bundle leaves
# to the target system (installer/system-libs.txt) but PyInstaller and the tests need present, and the Chinese
# fonts the self-check's document test needs.
PACKAGES="build-essential pkg-config tcl ca-certificates binutils file libssl-dev zlib1g-dev libffi-dev libbz2-dev liblzma-dev
 libsqlite3-dev uuid-dev libgl1 libegl1 libopengl0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3 libxkbcommon0
 libxkbcommon-x11-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xinput0 libcups2 libpcsclite1
 libgssapi-krb5-2 fonts-wqy-microhei fonts-arphic-gbsn00lp fonts-arphic-gkai00mp"

mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9  # one creator at a time (make dist and a test session may both ask)

# Debian's python3.11 and sqlite3 sources (bookworm; bullseye has Python 3.9), fetched with apt through a private
# configuration (the machine's own apt set-up is left alone).
APTDIR="$CACHE/apt-src"
mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR bookworm main" > "$APTDIR/sources.list"
APT=(-o "Dir::Etc::SourceList=$APTDIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache=$APTDIR/cache" -o APT::Sandbox::User=root)
apt-get "${APT[@]}" -qq update
source_version() { apt-cache "${APT[@]}" showsrc "$1" | awk '/^Version:/ {print $2}' | sort -V | tail -n 1; }
PYSRC_VERSION="$(source_version python3.11)"
SQLITE_VERSION="$(source_version sqlite3)"
[ -n "$PYSRC_VERSION" ] && [ -n "$SQLITE_VERSION" ] || { echo "Debian 软件源中没有 python3.11 / sqlite3 源码包" >&2; exit 2; }

hash_of() { sha256sum | cut -c1-12; }
BASE_REVISION=1  # bump when the base steps below change
BASE_HASH="$( { echo "$BASE_REVISION $SUITE $PYSRC_VERSION $SQLITE_VERSION $PACKAGES"; cat "$HERE/build-python.sh" "$HERE/glibc-2.28.h"; } | hash_of)"
BASE="$CACHE/$SUITE-$BASE_HASH"

refuse_if_mounted() {
    if findmnt -rn -o TARGET | grep -q "^$1/"; then
        echo "$1 下仍有挂载点，拒绝删除" >&2
        exit 2
    fi
}

if [ ! -f "$BASE/.complete" ]; then
    start=$SECONDS
    log "creating $BASE (debootstrap $SUITE, python3.11 $PYSRC_VERSION, sqlite3 $SQLITE_VERSION)"
    refuse_if_mounted "$BASE.partial"
    rm -rf "$BASE.partial"
    debootstrap --variant=minbase --include="$(echo $PACKAGES | tr ' ' ',')" "$SUITE" "$BASE.partial" "$MIRROR" \
        > "$CACHE/debootstrap.log" 2>&1 || { tail -n 20 "$CACHE/debootstrap.log" >&2; exit 1; }
    rm -rf "$BASE.partial/var/cache/apt/archives/"*.deb
    install -D -m 0644 "$HERE/glibc-2.28.h" "$BASE.partial/opt/glibc-compat/glibc-2.28.h"
    install -d "$BASE.partial/var/tmp/pysrc"
    (cd "$BASE.partial/var/tmp/pysrc" && apt-get "${APT[@]}" -qq source --download-only \
        "python3.11=$PYSRC_VERSION" "sqlite3=$SQLITE_VERSION")
    install -m 0755 "$HERE/build-python.sh" "$BASE.partial/var/tmp/build-python.sh"
    bash "$HERE/run.sh" "$BASE.partial" -- /var/tmp/build-python.sh /var/tmp/pysrc
    rm -rf "$BASE.partial/var/tmp/pysrc" "$BASE.partial/var/tmp/build-python.sh"
    echo "$SUITE python3.11 $PYSRC_VERSION sqlite3 $SQLITE_VERSION" > "$BASE.partial/.complete"
    mv "$BASE.partial" "$BASE"
    log "base ready in $((SECONDS - start)) s"
fi

# The dependency layer: the project's runtime dependencies and PyInstaller, at the pinned versions.
REQS="$(python3 - "$ROOT/pyproject.toml" <<'EOF'
import re, sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
for dep in project["dependencies"] + ["pyinstaller", "pyinstaller-hooks-contrib"]:
    print(re.match(r"[A-Za-z0-9._-]+(\[[^\]]*\])?", dep).group(0))  # the name: versions are the constraints' pins
EOF
)"
DEPS_HASH="$( { echo "$REQS"; cat "$CONSTRAINTS" "$HERE/platforms.sh"; } | hash_of)"
VENV="/opt/deps/$DEPS_HASH"
if [ ! -f "$BASE$VENV/.complete" ]; then
    start=$SECONDS
    log "installing dependencies into $BASE$VENV"
    refuse_if_mounted "$BASE/var/tmp"
    rm -rf "$BASE/opt/deps" "$BASE/var/tmp/wheels"
    mkdir -p "$BASE/var/tmp/wheels"
    echo "$REQS" > "$BASE/var/tmp/wheels/requirements.txt"
    cp "$CONSTRAINTS" "$BASE/var/tmp/wheels/constraints.txt"
    # Only wheels for glibc 2.28 (manylinux_2_28 and older tags): e.g. cryptography's manylinux_2_28 build, never
    # its manylinux_2_34 one; a pin with no such wheel fails here, naming the package.
    source "$HERE/platforms.sh"
    python3 -m pip download --quiet --disable-pip-version-check --only-binary=:all: "${MANYLINUX_228_PLATFORMS[@]}" \
        --python-version 3.11 --implementation cp --abi cp311 -d "$BASE/var/tmp/wheels" \
        -c "$CONSTRAINTS" -r "$BASE/var/tmp/wheels/requirements.txt"
    bash "$HERE/run.sh" "$BASE" -- /bin/sh -ec "
        /opt/python/bin/python3.11 -m venv $VENV
        $VENV/bin/python -m pip install --quiet --disable-pip-version-check --no-index --find-links /var/tmp/wheels \
            -c /var/tmp/wheels/constraints.txt -r /var/tmp/wheels/requirements.txt
        ln -sfn $VENV /opt/build-python
        touch $VENV/.complete"
    rm -rf "$BASE/var/tmp/wheels"
    log "dependencies ready in $((SECONDS - start)) s"
fi
# Older roots (other inputs) are left for the operator to delete: a rebuild is the expensive path.
echo "$BASE"
