"""The engine's promises: long tables span pages with repeated headers and alternating page numbers, missing glyphs
are errors naming the characters, government fonts are preferred, watermarks print, the CLI renders from JSON."""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import datetime
from pathlib import Path

import pdfplumber
import pytest

from app.commands import doc as doc_command
from app.documents.catalog import TEMPLATES
from app.documents.errors import FontsUnavailable, MissingGlyphs
from app.documents.fields_json import fields_from_json, fields_to_json
from app.documents.fonts import FontRegistry, FontRole, resolve_fonts
from app.documents.geometry import GB9704
from app.documents.model import Document, Paragraph, Part, Title
from app.documents.render import DocumentRenderer
from app.documents.samples import all_samples, evidence_list
from app.documents.templates.transfer import build_evidence_list
from app.documents.watermark import Watermark
from tests.documents.conftest import MM, poppler
from tests.documents.test_templates_pdf import words


def test_long_evidence_list_spans_pages_repeats_header_and_alternates_page_numbers(
    renderer: DocumentRenderer, tmp_path: Path
) -> None:
    path = tmp_path / "list.pdf"
    path.write_bytes(renderer.render(build_evidence_list(evidence_list(60))))
    pages = words(path)
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        assert any(w[4] == "物品名称" for w in page), f"header row missing on page {number}"
        # 7.5: 一字线 + number, 7 mm below the type area; odd pages 右空一字, even pages 左空一字 (4号 = 14 pt).
        marks = [w for w in page if w[1] > (GB9704.top_margin + GB9704.area_height) * 1.0 + 3 * MM]
        assert [w[4] for w in marks] == ["—", str(number), "—"]
        assert abs(min(w[1] for w in marks) - (GB9704.top_margin + GB9704.area_height + GB9704.page_number_offset)) < MM
        if number % 2:
            assert abs(max(w[2] for w in marks) - (GB9704.area_right - 14)) < MM
        else:
            assert abs(min(w[0] for w in marks) - (GB9704.area_left + 14)) < MM
    text = poppler("pdftotext", str(path), "-")
    assert "以上物品共60项" in text


def test_a_character_no_font_has_is_an_error_naming_it(renderer: DocumentRenderer) -> None:
    document = Document("缺字", (Part((Title("缺字测试"), Paragraph("当事人名为𪚥𠀀某。"))),))
    with pytest.raises(MissingGlyphs) as caught:
        renderer.render(document)
    message = caught.value.for_operator()
    assert "𪚥" in message and "U+2A6A5" in message and "𠀀" in message


def test_government_font_is_preferred_when_present(tmp_path: Path) -> None:
    # A file under the government name (simfang.ttf = 仿宋) wins over the open stand-in.
    shutil.copy("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", tmp_path / "simfang.ttf")
    shutil.copy("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", tmp_path / "wqy-microhei.ttc")
    shutil.copy("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", tmp_path / "gbsn00lp.ttf")
    shutil.copy("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf", tmp_path / "gkai00mp.ttf")
    chains = resolve_fonts(FontRegistry(), [tmp_path])
    body = chains[FontRole.BODY].primary
    assert body.path.name == "simfang.ttf" and not body.is_substitute
    assert chains[FontRole.HEI].primary.is_substitute


def test_no_cjk_font_at_all_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FontsUnavailable):
        resolve_fonts(FontRegistry(), [tmp_path])


def test_watermark_names_operator_agency_and_time(renderer: DocumentRenderer, tmp_path: Path) -> None:
    fields = all_samples()["filing_notice"]
    mark = Watermark("王明", "银川市兴庆区市场监督管理局", datetime(2026, 3, 5, 9, 30))
    path = tmp_path / "copy.pdf"
    path.write_bytes(renderer.render(TEMPLATES["filing_notice"].build(fields), mark))
    # pdftotext drops rotated text; pdfplumber keeps the stream order of the characters.
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            text = "".join(c["text"] for c in page.chars)
            assert mark.text() in text


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_fields_round_trip_through_json(key: str) -> None:
    fields = all_samples()[key]
    data = json.loads(json.dumps(fields_to_json(fields), ensure_ascii=False))
    assert fields_from_json(TEMPLATES[key].fields_type, data) == fields


def test_cli_renders_from_a_fields_file(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    doc_command.add_arguments(parser)
    fields = tmp_path / "fields.json"
    out = tmp_path / "out.pdf"
    assert doc_command.run(parser.parse_args(["sample", "non_filing_notice", "--out", str(fields)])) == 0
    assert (
        doc_command.run(parser.parse_args(["render", "non_filing_notice", "--fields", str(fields), "--out", str(out)]))
        == 0
    )
    assert "不予立案通知书" in poppler("pdftotext", str(out), "-")


def test_cli_case_source_is_reported_as_not_wired(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    doc_command.add_arguments(parser)
    args = parser.parse_args(["render", "filing_notice", "--case", "C-1", "--out", str(tmp_path / "x.pdf")])
    with pytest.raises(doc_command.CaseSourceUnavailable):
        doc_command.run(args)
