#!/usr/bin/env bash
# Run a command inside a build root (chroot) with /proc and /dev mounted and host folders bound in.
# Usage: run.sh ROOTFS [--bind|--bind-ro HOST_DIR:ROOT_PATH]... [--env NAME=VALUE]... -- COMMAND [ARG]...
# The mounts live in a private mount namespace of this command only: they never show on the host, two runs in the
# same root do not see each other's, and the trap unmounts them before the namespace goes away.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "构建环境需要 root 权限（chroot、mount）" >&2; exit 2; }
ROOTFS="$(realpath "$1")"
shift
if [ "${LIANJIE_BUILDROOT_NS:-}" != "$ROOTFS" ]; then
    export LIANJIE_BUILDROOT_NS="$ROOTFS"
    exec unshare --mount --propagation private "$0" "$ROOTFS" "$@"
fi

binds=()
envs=(HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen)
while [ $# -gt 0 ]; do
    case "$1" in
        --bind) binds+=("rw:$2"); shift 2 ;;
        --bind-ro) binds+=("ro:$2"); shift 2 ;;
        --env) envs+=("$2"); shift 2 ;;
        --) shift; break ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

mounted=()
cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" 2>/dev/null || true
    done
}
trap cleanup EXIT

mount -t proc proc "$ROOTFS/proc" && mounted+=("$ROOTFS/proc")
mount --bind /dev "$ROOTFS/dev" && mounted+=("$ROOTFS/dev")
mount -t tmpfs -o mode=1777 tmpfs "$ROOTFS/dev/shm" && mounted+=("$ROOTFS/dev/shm")
for spec in "${binds[@]}"; do
    mode="${spec%%:*}"
    spec="${spec#*:}"
    target="$ROOTFS/${spec#*:}"
    mkdir -p "$target"
    mount --bind "${spec%%:*}" "$target" && mounted+=("$target")
    [ "$mode" = rw ] || mount -o remount,bind,ro "$target"
done

chroot "$ROOTFS" /usr/bin/env -i "${envs[@]}" "$@"
