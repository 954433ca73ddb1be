"""文书预览: a real rendered PDF opens in the QPdfView with its page count; printing to a PDF file through QPrinter
produces a file, on the op runner, and is audited."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.documents.catalog import template
from app.documents.render import render
from app.documents.samples import all_samples
from app.models.audit import AuditKind
from app.models.tables import AuditEntry
from app.ui.preview.printing import pdf_printer
from app.ui.preview.window import PreviewWindow
from tests.ui.conftest import Running, log_in


def test_preview_shows_a_rendered_document_and_prints_it_to_a_pdf_file(qtbot, running: Running, tmp_path: Path) -> None:
    main = log_in(qtbot, running)
    pdf = render(template("transfer_notice").build(all_samples()["transfer_notice"]))
    assert main.context.preview_document is not None
    window = main.context.preview_document(pdf, "涉嫌犯罪案件移送书", subject="case:demo")
    assert isinstance(window, PreviewWindow)
    qtbot.addWidget(window)
    pages = window.document.pageCount()
    assert pages >= 2 and window.pages.text() == f"共 {pages} 页"
    window.watermark.setChecked(True)
    out = tmp_path / "copy.pdf"
    window.print_to(pdf_printer(out), medium="pdf", saved=out)
    assert window.busy
    qtbot.waitUntil(lambda: not window.busy, timeout=30_000)
    assert window.printed == pages and out.read_bytes().startswith(b"%PDF")
    assert main.session is not None
    audits = main.session.store.read(
        lambda s: list(s.scalars(select(AuditEntry.details).where(AuditEntry.kind == AuditKind.PRINT.value)))
    )
    assert any("涉嫌犯罪案件移送书" in d and "watermark" in d and "pdf" in d for d in audits), audits
    plain = tmp_path / "plain.pdf"
    window.watermark.setChecked(False)
    window.save_to(plain)
    qtbot.waitUntil(lambda: window.saved_to == plain, timeout=10_000)
    assert plain.read_bytes() == pdf
