"""Warm render time of the 移送书 against the floor: plain reportlab setting the same text in the same fonts.

Prints figures only; never fails on time. Target: under 50 ms, within 2× the floor.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from app.documents.catalog import TEMPLATES
from app.documents.fonts import FontRole
from app.documents.render import DocumentRenderer
from app.documents.samples import transfer_notice

RUNS = 15


def _median_ms(fn: Callable[[], bytes]) -> float:
    fn()  # warm: font subsets' tables, caches
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _text(pdf: bytes) -> str:
    """The printed text of our PDF (so that the floor sets exactly the same characters)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        Path(f.name).write_bytes(pdf)
        out = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def _pages(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        Path(f.name).write_bytes(pdf)
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages")))


def main() -> None:
    """Print the median warm times and their ratio."""
    renderer = DocumentRenderer()
    document = TEMPLATES["transfer_notice"].build(transfer_notice())
    ours = renderer.render(document)
    pages = _pages(ours)
    text = _text(ours)
    body = renderer.chains[FontRole.BODY].primary.registered_name
    title = renderer.chains[FontRole.TITLE].primary.registered_name

    def floor() -> bytes:
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(595.28, 841.89), pageCompression=1, initialFontName=body)
        per_page = len(text) // pages + 1
        for page in range(pages):
            chunk = text[page * per_page : (page + 1) * per_page]
            canvas.setFont(title, 22)
            canvas.drawString(79.4, 720, chunk[:20])
            canvas.setFont(body, 16)
            for i in range(0, len(chunk), 28):
                canvas.drawString(79.4, 680 - (i // 28) * 29.6, chunk[i : i + 28])
            canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    ours_ms = _median_ms(lambda: renderer.render(document))
    floor_ms = _median_ms(floor)
    print(f"移送书 (存根 + 正本 + 回执): {pages} pages, {len(text)} characters")
    print(f"  ours  (median of {RUNS} warm renders): {ours_ms:6.1f} ms  ({ours_ms / pages:.1f} ms/page)")
    print(f"  floor (plain reportlab, same text and fonts): {floor_ms:6.1f} ms  ({floor_ms / pages:.1f} ms/page)")
    print(f"  ratio: {ours_ms / floor_ms:.2f}×   target: < 50 ms and ≤ 2× the floor")


if __name__ == "__main__":
    main()
