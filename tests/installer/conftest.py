"""The bundle and the .deb, built once per test session (or the bundle in dist/ reused when newer than the sources).

Building the PyInstaller bundle takes minutes: ``make dist`` leaves it in dist/, and these fixtures reuse it while
no file under app/, resources/ or installer/ (nor constraints.txt) is newer. Otherwise they build into a temporary
folder, never into the work tree.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app", "resources", "installer", "constraints.txt")


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


@pytest.fixture(scope="session")
def bundle_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``lianjie/`` (the one-folder bundle)."""
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed in this environment (pip install pyinstaller)")
    dist = ROOT / "dist"
    executable = dist / "lianjie" / "lianjie"
    if executable.exists() and executable.stat().st_mtime > newest_source_mtime():
        return dist
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        ["bash", str(ROOT / "installer" / "build-bundle.sh"), str(out), str(out / "work")],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def deb_package(bundle_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb built from the session's bundle (gzip -1: the test checks contents, not compression ratio)."""
    out = tmp_path_factory.mktemp("deb")
    env = dict(os.environ, DEB_COMPRESS="gzip", DEB_LEVEL="1")
    subprocess.run(
        ["bash", str(ROOT / "installer" / "build-deb.sh"), str(bundle_dist), str(out)],
        check=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    (package,) = out.glob("lianjie_*.deb")
    return package
