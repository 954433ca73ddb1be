"""The installers run: the PyInstaller bundle and the unpacked .deb pass ``--self-check`` on a headless machine."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from app.selfcheck import CHECKS
from tests.installer.conftest import BuiltBundle, clean_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]  # the first build may create the build root

# The only check allowed to end in a notice: a test machine has no desktop session, hence no OS keyring.
NOTICE_ALLOWED = {"密钥环"}


def run_self_check(executable: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(executable), "--self-check"],
        env=clean_env(home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def assert_all_checks_pass(result: subprocess.CompletedProcess[str], module_count: int) -> list[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line[:2] in {"通过", "失败", "提示"}]
    assert len(lines) == len(CHECKS), result.stdout
    for line in lines:
        status, rest = line.split("  ", 1)
        name = rest.split("：", 1)[0]
        assert status == "通过" or (status == "提示" and name in NOTICE_ALLOWED), line
    # Every module the source had when the bundle was built is in the bundle (collected, not only importable).
    modules = re.search(r"本程序模块 (\d+) 个", result.stdout)
    assert modules is not None and int(modules.group(1)) == module_count, result.stdout
    return lines


def test_bundle_passes_self_check_headless(built_bundle: BuiltBundle, tmp_path: Path) -> None:
    bundle = built_bundle.dist / "lianjie"
    result = run_self_check(bundle / "lianjie", tmp_path)
    lines = assert_all_checks_pass(result, built_bundle.module_count)
    assert f"安装包 {(bundle / '_internal').resolve()}" in lines[0]
    assert "ERROR" not in result.stderr, result.stderr


def test_bundle_carries_resources_migrations_plugins_and_keyring_backends(built_bundle: BuiltBundle) -> None:
    internal = built_bundle.dist / "lianjie" / "_internal"
    assert (internal / "resources" / "screening" / "default-rules.toml").is_file()
    assert sorted(p.name for p in (internal / "resources" / "calendars").glob("*.toml"))
    assert (internal / "app" / "models" / "migrations" / "env.py").is_file()
    assert list((internal / "app" / "models" / "migrations" / "versions").glob("r0001_*.py"))
    plugins = internal / "PySide6" / "Qt" / "plugins"
    assert {"libqoffscreen.so", "libqxcb.so"} <= {p.name for p in (plugins / "platforms").iterdir()}
    assert (plugins / "imageformats" / "libqsvg.so").is_file()
    assert list((plugins / "printsupport").glob("*cups*"))
    libs = {p.name.split(".so")[0] for p in (internal / "PySide6" / "Qt" / "lib").iterdir()}
    assert {"libQt6Pdf", "libQt6Charts", "libQt6PrintSupport", "libQt6Svg"} <= libs
    unwanted = {lib for lib in libs if re.match(r"libQt6(WebEngine|3D|Multimedia|Quick|Qml)", lib)}
    assert unwanted == set()
    entry_points = next(internal.glob("keyring-*.dist-info")) / "entry_points.txt"
    assert "SecretService" in entry_points.read_text() and "Windows" in entry_points.read_text()


def test_unpacked_deb_runs_self_check_through_its_launcher(
    built_bundle: BuiltBundle, deb_package: Path, tmp_path: Path
) -> None:
    fields = subprocess.run(
        ["dpkg-deb", "--field", str(deb_package), "Package", "Architecture", "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Package: lianjie" in fields
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb_package), str(root)], check=True)
    launcher = root / "usr" / "bin" / "lianjie"
    desktop = (root / "usr" / "share" / "applications" / "lianjie.desktop").read_text(encoding="utf-8")
    assert "Exec=/usr/bin/lianjie" in desktop and "Icon=lianjie" in desktop and "Name[zh_CN]=衔接终端" in desktop
    assert (root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps" / "lianjie.svg").is_file()
    assert (root / "opt" / "lianjie" / "lianjie").is_file()
    home = tmp_path / "home"
    home.mkdir()
    lines = assert_all_checks_pass(run_self_check(launcher, home), built_bundle.module_count)
    assert f"安装包 {(root / 'opt' / 'lianjie' / '_internal').resolve()}" in lines[0]
