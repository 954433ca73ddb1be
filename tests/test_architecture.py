"""The layering of ARCHITECTURE.md, enforced: the core never imports Qt; the domain imports nothing of ours."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _python_files(*roots: str) -> list[Path]:
    return [p for r in roots for p in (ROOT / r).rglob("*.py")]


def test_nothing_outside_app_ui_imports_pyside6() -> None:
    ui = ROOT / "app" / "ui"
    offenders = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in _python_files("app", "server")
        if not p.is_relative_to(ui)
        for name in _imports(p)
        if name.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"}
    ]
    assert offenders == []


def test_domain_imports_nothing_of_ours() -> None:
    offenders = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in _python_files("app/domain")
        for name in _imports(p)
        if (name == "app" or name.startswith(("app.", "server"))) and not name.startswith("app.domain")
    ]
    assert offenders == []


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_modules_import_without_qt() -> None:
    # app.commands sits above the UI (the demo command opens a window), so it is not core.
    code = (
        "import sys, pkgutil, importlib, app\n"
        "for m in pkgutil.walk_packages(app.__path__, 'app.'):\n"
        "    if m.name.startswith(('app.ui', 'app.commands')): continue\n"
        "    importlib.import_module(m.name)\n"
        "assert 'PySide6' not in sys.modules, sorted(k for k in sys.modules if 'PySide6' in k)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
