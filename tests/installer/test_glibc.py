"""The Linux installers run on UOS 20 (glibc 2.28) and Kylin V10 (glibc 2.31): no binary in the bundle or in the
.deb needs a glibc symbol newer than 2.28, the .deb says so in Depends:, and the unpacked .deb and the bundle pass
their self-check inside the Debian bullseye build root, whose glibc (2.31) is older than this machine's."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.installer.conftest import NATIVE, ROOT, BuiltBundle
from tests.installer.test_bundle import assert_all_checks_pass

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(3600),
    pytest.mark.skipif(NATIVE, reason="LIANJIE_NATIVE_BUILD: the bundle needs this machine's glibc"),
]

TARGET_GLIBC = (2, 28)
RUN_IN_ROOT = ROOT / "installer" / "buildroot" / "run.sh"


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def elf_files(folder: Path) -> list[Path]:
    """Every regular file under ``folder`` that starts with the ELF magic."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def newest_glibc_needed(path: Path) -> tuple[int, ...]:
    """The newest GLIBC_x.y symbol version the file's dynamic symbol table asks for ((0,) for none)."""
    table = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True, check=False).stdout
    versions = [version(v) for v in re.findall(r"\bGLIBC_(\d+(?:\.\d+)+)\b", table)]
    return max(versions, default=(0,))


def files_needing_newer_glibc(folder: Path) -> dict[str, str]:
    """File (relative to ``folder``) -> the glibc version it needs, for those needing more than TARGET_GLIBC."""
    elves = elf_files(folder)
    assert len(elves) > 50, f"too few ELF files under {folder}: {len(elves)}"
    needs = {path: newest_glibc_needed(path) for path in elves}
    return {
        str(path.relative_to(folder)): ".".join(map(str, need)) for path, need in needs.items() if need > TARGET_GLIBC
    }


def unpack(deb: Path, into: Path) -> Path:
    subprocess.run(["dpkg-deb", "-x", str(deb), str(into)], check=True)
    return into


def self_check_in_root(buildroot: Path, payload: Path, executable: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run ``executable --self-check`` (a path under /mnt/payload) inside the build root, headless."""
    return subprocess.run(
        ["bash", str(RUN_IN_ROOT), str(buildroot), "--bind-ro", f"{payload}:/mnt/payload",
         "--bind", f"{home}:/mnt/home", "--env", "HOME=/mnt/home", "--env", "XDG_DATA_HOME=/mnt/home/.local/share",
         "--", executable, "--self-check"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip


def test_bundle_needs_no_glibc_newer_than_2_28(built_bundle: BuiltBundle) -> None:
    too_new = files_needing_newer_glibc(built_bundle.dist / "lianjie")
    assert too_new == {}, f"these bundled files need a glibc newer than 2.28: {too_new}"


def test_deb_payload_needs_no_glibc_newer_than_2_28_and_depends_on_it(deb_package: Path, tmp_path: Path) -> None:
    root = unpack(deb_package, tmp_path / "root")
    too_new = files_needing_newer_glibc(root)
    assert too_new == {}, f"these files of the .deb need a glibc newer than 2.28: {too_new}"
    depends = subprocess.run(
        ["dpkg-deb", "--field", str(deb_package), "Depends"], capture_output=True, text=True, check=True
    ).stdout
    needed = re.search(r"libc6 \(>= (\d+(?:\.\d+)+)\)", depends)
    assert needed is not None and version(needed.group(1)) <= TARGET_GLIBC, depends
    # The desktop libraries the bundle leaves to the system are dependencies of the package.
    for package in ("libx11-6", "libxcb1", "libfontconfig1", "libglib2.0-0", "libdbus-1-3", "libcups2"):
        assert package in depends, depends
    assert not list((root / "opt" / "lianjie" / "_internal").glob("libX11.so*")), "libX11 must come from the system"


def test_unpacked_deb_passes_self_check_in_bullseye_root(
    built_bundle: BuiltBundle, deb_package: Path, buildroot: Path, tmp_path: Path
) -> None:
    root = unpack(deb_package, tmp_path / "root")
    home = tmp_path / "home"
    home.mkdir()
    result = self_check_in_root(buildroot, root, "/mnt/payload/usr/bin/lianjie", home)
    lines = assert_all_checks_pass(result, built_bundle.module_count)
    assert "安装包 /mnt/payload/opt/lianjie/_internal" in lines[0]


def test_bundle_passes_self_check_in_bullseye_root(built_bundle: BuiltBundle, buildroot: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = self_check_in_root(buildroot, built_bundle.dist / "lianjie", "/mnt/payload/lianjie", home)
    assert_all_checks_pass(result, built_bundle.module_count)
    glibc = subprocess.run(
        ["bash", str(RUN_IN_ROOT), str(buildroot), "--", "ldd", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert "2.31" in glibc.splitlines()[0]  # the check ran against bullseye's glibc, not this machine's
