"""Where the shipped resources (calendars, screening rules, UI style and icons, fonts) are, in every layout.

- Source tree and editable install: ``<repo>/resources``.
- PyInstaller bundle: ``sys._MEIPASS/resources`` (``_internal/resources`` in a one-folder bundle). The bundle puts
  modules at ``_MEIPASS/app/...``, so ``Path(__file__).parents[2] / "resources"`` in a module two levels down
  points at the same folder: modules that locate resources that way keep working when frozen.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.domain.deadlines import YearCalendar, parse_calendar

# What a complete resources folder holds (checked by ``lianjie --self-check``).
REQUIRED_RESOURCES = (
    "calendars",
    "screening/default-rules.toml",
    "ui/style.qss",
    "ui/icons",
)


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def bundle_root() -> Path | None:
    """The bundle's data folder (``sys._MEIPASS``) when frozen, otherwise None."""
    return Path(getattr(sys, "_MEIPASS", "")).resolve() if is_frozen() else None


def resources_dir() -> Path:
    """The folder holding ``calendars/``, ``screening/``, ``ui/`` (and ``fonts/`` when fonts are shipped)."""
    root = bundle_root()
    if root is not None:
        return root / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def resource_path(*parts: str) -> Path:
    """A path inside the resources folder, e.g. ``resource_path("ui", "style.qss")``."""
    return resources_dir().joinpath(*parts)


def shipped_calendars() -> list[YearCalendar]:
    """The holiday notices shipped with the program (``calendars/``), read by the domain's strict parser."""
    return [parse_calendar(path.read_bytes()) for path in sorted(resource_path("calendars").glob("*.toml"))]


def missing_resources(directory: Path | None = None) -> list[str]:
    """The entries of ``REQUIRED_RESOURCES`` absent from ``directory`` (default: ``resources_dir()``)."""
    base = resources_dir() if directory is None else directory
    return [name for name in REQUIRED_RESOURCES if not (base / name).exists()]
