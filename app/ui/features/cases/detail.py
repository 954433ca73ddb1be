"""The case detail lives in app/ui/features/case_detail.py; this name stays for existing imports."""

from __future__ import annotations

from app.ui.features.case_detail import CaseDetailView as CaseDetailDialog

__all__ = ["CaseDetailDialog"]
