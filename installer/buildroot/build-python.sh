#!/usr/bin/env bash
# Runs INSIDE the bullseye build root (see scripts/buildroot.sh): builds SQLite and CPython from Debian's sqlite3 and
# python3.11 source packages into /opt/python, every C file compiled with glibc-2.28.h force-included so that the
# result needs no glibc symbol newer than 2.28 (bullseye's own libsqlite3 needs 2.29: log, pow).
# Usage: build-python.sh SRC_DIR (holding both packages' .orig and .debian tarballs).
set -euo pipefail
SRC="$1"
COMPAT=/opt/glibc-compat/glibc-2.28.h
[ -f "$COMPAT" ]
cd "$SRC"
rm -rf build && mkdir build && cd build

# SQLite, with Debian's fixes (not its packaging patches) and the features Debian's libsqlite3 enables.
mkdir sqlite && cd sqlite
tar xJf "$SRC"/sqlite3_*.orig.tar.xz
tar xJf "$SRC"/sqlite3_*.debian.tar.xz
cd sqlite3-*
while read -r patch; do
    case "$patch" in ''|'#'*|02-use-packaged-lempar.c.patch|20-hurd-*|30-cross.patch|32-dynamic_link.patch|40-amalgamation_*) continue ;; esac
    patch -p1 --forward --quiet < "../debian/patches/$patch"
done < ../debian/patches/series
SQLITE_FLAGS="-DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS
 -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE=1 -DSQLITE_ENABLE_JSON1 -DSQLITE_ENABLE_UNLOCK_NOTIFY
 -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_LOAD_EXTENSION -DSQLITE_THREADSAFE=1 -DSQLITE_USE_URI=1
 -DSQLITE_MAX_VARIABLE_NUMBER=250000"
./configure --prefix=/opt/python --enable-shared --disable-static --disable-tcl --disable-readline \
    CFLAGS="-O2 -include $COMPAT $(echo $SQLITE_FLAGS)" >/dev/null
make -j"$(nproc)" >/dev/null 2>make.log || { tail -n 40 make.log >&2; exit 1; }
make install >/dev/null 2>>make.log || { tail -n 40 make.log >&2; exit 1; }
cd "$SRC/build"

tar xzf "$SRC"/python3.11_*.orig.tar.gz
tar xJf "$SRC"/python3.11_*.debian.tar.xz
cd Python-*
# Debian's series: first its own layout and packaging patches (dist-packages, multiarch, split stdlib), which a
# relocatable bundle must not have, then upstream fixes and CVE back-ports, which it must. Apply the latter.
skip=" deb-setup.diff deb-locations.diff distutils-install-layout.diff locale-module.diff distutils-link.diff
 distutils-sysconfig.diff sysconfig-debian-schemes.diff tkinter-import.diff gdbm-import.diff link-opt.diff
 setup-modules.diff profiled-build.diff langpack-gettext.diff disable-sem-check.diff lib-argparse.diff ctypes-arm.diff
 multiarch.diff lib2to3-no-pickled-grammar.diff ext-no-libpython-link.diff test-no-random-order.diff
 multiarch-extname.diff tempfile-minimal.diff disable-some-tests.diff ensurepip-disabled.diff
 mangle-fstack-protector.diff reproducible-buildinfo.diff pydoc-use-pager.diff local-doc-references.diff
 doc-build-texinfo.diff argparse-no-shutil.diff sysconfigdata-name.diff hurd_kfreebsd_thread_native_id.diff
 sphinx3.diff destshared-location.diff fix-py_compile.diff ntpath-import.diff "
skip=" $(echo $skip) "  # one space between names, also where the list wraps
applied=0
while read -r patch; do
    case "$patch" in ''|'#'*) continue ;; esac
    case "$skip" in *" $patch "*) continue ;; esac
    patch -p1 --forward --quiet < "../debian/patches/$patch"
    applied=$((applied + 1))
done < ../debian/patches/series
echo "python: applied $applied Debian fix/CVE patches" >&2
# CVE-2026-4224's back-port includes an internal header in pyexpat.c, which Debian builds into the interpreter
# (Py_BUILD_CORE); built as a shared module, as upstream does, it needs upstream's Py_BUILD_CORE_MODULE guard.
if grep -q '^#include "pycore_' Modules/pyexpat.c && ! grep -q Py_BUILD_CORE_MODULE Modules/pyexpat.c; then
    sed -i '1i #ifndef Py_BUILD_CORE_BUILTIN\n#  define Py_BUILD_CORE_MODULE 1\n#endif' Modules/pyexpat.c
fi
# sem_clockwait is GLIBC_2.30: configure is told it is absent, as on glibc 2.28 (CPython then uses sem_timedwait).
PKG_CONFIG_PATH=/opt/python/lib/pkgconfig ./configure --prefix=/opt/python --enable-shared --with-ensurepip=install \
    ac_cv_func_sem_clockwait=no CFLAGS="-include $COMPAT" LDFLAGS="-Wl,-rpath,/opt/python/lib" >/dev/null
make -j"$(nproc)" >/dev/null 2>make.log || { tail -n 40 make.log >&2; exit 1; }
make install >/dev/null 2>>make.log || { tail -n 40 make.log >&2; exit 1; }
cd "$SRC" && rm -rf build
/opt/python/bin/python3.11 -c "import ssl, sqlite3, pyexpat, ctypes, lzma, bz2, zlib, uuid, decimal
print('python:', ssl.OPENSSL_VERSION, '/ sqlite', sqlite3.sqlite_version)"
