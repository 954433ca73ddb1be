#!/bin/sh
# /usr/bin/lianjie: starts the bundle in /opt/lianjie. The bundle is found relative to this script, so a package
# unpacked into another root (dpkg -x) runs the same way.
here=$(dirname "$(readlink -f "$0")")
root=$(readlink -f "$here/../../opt/lianjie")
# The bundled Qt carries the IBus and compose input-method plugins but no fcitx one; fcitx5 (UOS, Kylin) also
# speaks the IBus protocol, so Chinese input works through it.
case "${QT_IM_MODULE:-}" in
    fcitx*) QT_IM_MODULE=ibus; export QT_IM_MODULE ;;
esac
exec "$root/lianjie" "$@"
