"""The audit of a document printed or saved from the preview (the render itself is audited by documents.py)."""

from __future__ import annotations

import datetime as dt

from app.models.audit import AuditKind, append_audit
from app.models.store import Store


def record_print(
    store: Store, *, operator: str, terminal: str, subject: str, title: str, pages: int, medium: str,
    watermarked: bool, now: dt.datetime | None = None,
) -> None:  # fmt: skip
    """Audit one print (``medium`` ``printer`` or ``pdf``) of a previewed document: who, what, how many pages."""
    details: dict[str, str | int | bool | None] = {
        "title": title,
        "pages": pages,
        "medium": medium,
        "watermark": watermarked,
        "from": "preview",
    }
    store.write(
        lambda s: append_audit(
            s,
            AuditKind.PRINT,
            operator=operator,
            terminal=terminal,
            subject=subject or "document",
            details=details,
            now=now,
        )
    )
