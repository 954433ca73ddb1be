"""The bundle and the .deb, built once per test session (or the bundle in dist/ reused when newer than the sources).

Building the PyInstaller bundle takes minutes: ``make dist`` leaves it in dist/, and these fixtures reuse it while
no file under app/, resources/ or installer/ (nor constraints.txt, scripts/buildroot.sh) is newer and it was built the
same way (dist/lianjie.build). Otherwise they build into a temporary folder, never into the work tree. By default the
bundle is built in the Debian bullseye build root (scripts/buildroot.sh, created on first use, as root: 10-20 min);
LIANJIE_NATIVE_BUILD=1 builds with this machine's Python instead.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.selfcheck import app_module_names

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app", "resources", "installer", "constraints.txt", "scripts/buildroot.sh")
NATIVE = bool(os.environ.get("LIANJIE_NATIVE_BUILD"))


def newest_source_mtime() -> float:
    """The modification time of the newest file the bundle is built from."""
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            if "__pycache__" not in file.parts:
                newest = max(newest, file.stat().st_mtime)
    return newest


def clean_env(home: Path) -> dict[str, str]:
    """An environment without a display or Qt platform choice, as on a freshly installed headless machine."""
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"), LANG="C.UTF-8")
    env.pop("LIANJIE_DATA_DIR", None)
    return env


def run_build(command: list[str], env: dict[str, str]) -> None:
    """Run a build script; on failure, fail with the end of its output (PyInstaller's traceback is at the end)."""
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
        pytest.fail(f"{' '.join(command)} exited {result.returncode}:\n{output}")


def built_natively(dist: Path) -> bool | None:
    """How the bundle in ``dist`` was built (build-bundle.sh's note beside it): None when it does not say."""
    note = dist / "lianjie.build"
    if not note.is_file():
        return None
    return note.read_text(encoding="utf-8").startswith("native")


@dataclass(frozen=True)
class BuiltBundle:
    """A folder holding ``lianjie/`` and how many ``app`` modules the source had when it was built."""

    dist: Path
    module_count: int


@pytest.fixture(scope="session")
def built_bundle(tmp_path_factory: pytest.TempPathFactory) -> BuiltBundle:
    """The one-folder bundle: dist/ when fresh, else built into a temporary folder."""
    if NATIVE and importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed in this environment (pip install pyinstaller)")
    if not NATIVE and os.geteuid() != 0:
        pytest.skip("the build root needs root (debootstrap, chroot): run as root or set LIANJIE_NATIVE_BUILD=1")
    module_count = len(app_module_names())  # counted before building: the tree may change during the build
    dist = ROOT / "dist"
    executable = dist / "lianjie" / "lianjie"
    if executable.exists() and executable.stat().st_mtime > newest_source_mtime() and built_natively(dist) == NATIVE:
        return BuiltBundle(dist, module_count)
    out = tmp_path_factory.mktemp("dist")
    run_build(["bash", str(ROOT / "installer" / "build-bundle.sh"), str(out), str(out / "work")], dict(os.environ))
    return BuiltBundle(out, module_count)


@pytest.fixture(scope="session")
def deb_package(built_bundle: BuiltBundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb built from the session's bundle (gzip -1: the test checks contents, not compression ratio)."""
    out = tmp_path_factory.mktemp("deb")
    env = dict(os.environ, DEB_COMPRESS="gzip", DEB_LEVEL="1")
    run_build(["bash", str(ROOT / "installer" / "build-deb.sh"), str(built_bundle.dist), str(out)], env)
    (package,) = out.glob("lianjie_*.deb")
    return package


@pytest.fixture(scope="session")
def buildroot() -> Path:
    """The Debian bullseye build root (glibc 2.31, older than this machine's), created when missing."""
    if os.geteuid() != 0:
        pytest.skip("the build root needs root (debootstrap, chroot)")
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "buildroot.sh")], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/buildroot.sh exited {result.returncode}:\n{result.stderr[-5000:]}")
    return Path(result.stdout.strip().splitlines()[-1])
