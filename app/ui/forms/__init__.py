"""Record forms: one per record an agency may enter, built from a small field spec (app/ui/forms/spec.py)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from app.ui.forms.spec import FormSpec
from app.ui.forms.specs_affairs import AFFAIR_FOLLOWUPS, AFFAIR_FORMS
from app.ui.forms.specs_enforcement import FORMS as ENFORCEMENT
from app.ui.forms.specs_followups import FOLLOWUPS
from app.ui.forms.specs_justice import COURT, DOCUMENT_ISSUED, JUDGMENT, POLICE, PROCURATORATE, SUPERVISION

# The transfer itself (报告 → 负责人审批 → 移送) is the wizard in app/ui/wizards/transfer.py.
WIZARD_KINDS = frozenset({"transfer.reported", "transfer.head_decision", "transfer.sent"})

FORMS: Mapping[str, FormSpec] = MappingProxyType(
    {
        form.key: form
        for form in (*ENFORCEMENT, *POLICE, *PROCURATORATE, JUDGMENT, DOCUMENT_ISSUED, *COURT, *SUPERVISION, *FOLLOWUPS)
    }
)


def form_for(kind: str) -> FormSpec | None:
    """The form that enters records of ``kind`` (an ``EventKind`` value), if there is one outside the wizard."""
    return FORMS.get(kind)


def affair_form(kind: str, affair_id: str = "") -> FormSpec | None:
    """The form an affairs page opens (``consultation``, ``meeting``, ``linkage``, ``inspection``): 新建 without an
    affair id, the record that follows on it (答复, 纪要, 报送, 通报) with one."""
    return (AFFAIR_FOLLOWUPS if affair_id else AFFAIR_FORMS).get(kind)
