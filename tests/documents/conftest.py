"""Shared fixtures: one renderer per session (font loading is the slow part) and every sample rendered once."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.documents.catalog import TEMPLATES
from app.documents.render import DocumentRenderer
from app.documents.samples import all_samples

MM = 72 / 25.4


def poppler(*args: str) -> str:
    """Run a poppler tool and return its stdout."""
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="session")
def renderer() -> DocumentRenderer:
    return DocumentRenderer()


@pytest.fixture(scope="session")
def rendered(renderer: DocumentRenderer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    samples = all_samples()
    paths: dict[str, Path] = {}
    for key, tpl in TEMPLATES.items():
        path = out / f"{key}.pdf"
        path.write_bytes(renderer.render(tpl.build(samples[key])))
        paths[key] = path
    return paths
