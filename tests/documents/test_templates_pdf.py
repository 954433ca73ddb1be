"""Every template's PDF checked with poppler and pdfplumber: A4, fonts embedded, fields printed, GB/T 9704 positions."""

from __future__ import annotations

import dataclasses
import itertools
import re
from pathlib import Path

import pdfplumber
import pytest

from app.documents.catalog import TEMPLATES
from app.documents.geometry import GB9704
from app.documents.model import RedHeader
from app.documents.samples import all_samples
from tests.documents.conftest import MM, poppler

KEYS = sorted(TEMPLATES)
SAMPLES = all_samples()
# Fields that are inputs to the wording rather than printed verbatim.
NOT_PRINTED = {"offence_article", "contact", "cause", "upheld", "party", "offence", "approver"}


def _strings(value: object, name: str = "") -> list[str]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            s
            for f in dataclasses.fields(value)
            if f.name not in NOT_PRINTED
            for s in _strings(getattr(value, f.name), f.name)
        ]
    if isinstance(value, tuple):
        return [s for v in value for s in _strings(v, name)]
    return [value] if isinstance(value, str) and value else []


def _squash(text: str) -> str:
    """Whitespace and page numbers (— N —) removed, so that text broken across lines and pages still matches."""
    return re.sub(r"—\d+—", "", re.sub(r"\s+", "", text))


@pytest.mark.parametrize("key", KEYS)
def test_pdf_is_a4(rendered: dict[str, Path], key: str) -> None:
    info = poppler("pdfinfo", str(rendered[key]))
    assert re.search(r"Page size:\s+595\.2\d* x 841\.89 pts \(A4\)", info), info


@pytest.mark.parametrize("key", KEYS)
def test_every_font_is_embedded_and_subset(rendered: dict[str, Path], key: str) -> None:
    rows = poppler("pdffonts", str(rendered[key])).splitlines()[2:]
    assert rows
    for row in rows:
        name, emb, sub = row.split()[0], row.split()[-5], row.split()[-4]
        assert (emb, sub) == ("yes", "yes"), row
        assert "+" in name  # subset tag


@pytest.mark.parametrize("key", KEYS)
def test_fields_appear_in_the_text(rendered: dict[str, Path], key: str) -> None:
    text = _squash(poppler("pdftotext", str(rendered[key]), "-"))
    missing = [s for s in _strings(SAMPLES[key]) if _squash(s) not in text]
    assert not missing


def words(path: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, the words of ``pdftotext -bbox`` (poppler measures Tc-spaced CJK correctly) in points."""
    pages: list[list[tuple[float, float, float, float, str]]] = []
    for chunk in poppler("pdftotext", "-bbox", str(path), "-").split("<page ")[1:]:
        found = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', chunk)
        pages.append([(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in found])
    return pages


def _body(page: list[tuple[float, float, float, float, str]]) -> list[tuple[float, float, float, float, str]]:
    """Words inside the type area (page numbers excluded)."""
    bottom = (GB9704.top_margin + GB9704.area_height) + 1
    return [w for w in page if w[3] <= bottom + 2]


@pytest.mark.parametrize("key", KEYS)
def test_margins_and_first_line_match_the_standard(rendered: dict[str, Path], key: str) -> None:
    doc = TEMPLATES[key].build(SAMPLES[key])
    body = _body(words(rendered[key])[0])
    first_top = min(w[1] for w in body)
    with pdfplumber.open(rendered[key]) as pdf:
        page = pdf.pages[0]
        left_rules = [ln["x0"] for ln in page.lines]
        # 5.2.1: the body's (or the table's) left edge is the binding margin, 28 mm.
        left = min([w[0] for w in body] + left_rules)
        assert abs(left - GB9704.left_margin) <= 1 * MM
        assert max(w[2] for w in body) <= GB9704.area_right + 1 * MM
        if isinstance(doc.parts[0].header, RedHeader):
            # 7.2.3: the issuer mark's top edge 35 mm below the type area's top.
            assert abs(first_top - (GB9704.top_margin + GB9704.issuer_mark_offset)) <= 1 * MM
            red = [ln for ln in page.lines if tuple(ln["stroking_color"] or ()) == (1, 0, 0)]
            assert red and abs(red[0]["x1"] - red[0]["x0"] - GB9704.area_width) < 1
        else:
            # 5.2.1: the first line's top on the type area's top edge, 37 mm.
            assert abs(first_top - GB9704.top_margin) <= 1 * MM


@pytest.mark.parametrize("key", [k for k in KEYS if k not in {"evidence_list", "materials_catalogue", "filing_record"}])
def test_justified_body_lines_fill_the_type_area(rendered: dict[str, Path], key: str) -> None:
    """5.2.2: 28 characters of 3号 撑满 156 mm: full body lines end on the right edge of the type area."""
    rights = [w[2] for page in words(rendered[key]) for w in _body(page) if len(w[4]) >= 20]
    assert rights and all(r <= GB9704.area_right + 0.5 * MM for r in rights)
    assert abs(max(rights) - GB9704.area_right) <= 0.5 * MM


def test_body_grid_has_22_lines_and_continuation_starts_on_the_top_margin(rendered: dict[str, Path]) -> None:
    pages = words(rendered["investigation_report"])
    tops = sorted({round(w[1], 2) for w in _body(pages[0])})
    pitches = [b - a for a, b in itertools.pairwise(tops) if b - a < 40]
    assert pitches and all(abs(p - GB9704.line_pitch) < 0.2 for p in pitches)
    assert abs(min(w[1] for w in _body(pages[1])) - GB9704.top_margin) <= 1 * MM
