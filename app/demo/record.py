"""What the headless scenario leaves behind: the step log (``scenario.json``), the printed documents
(``documents/*.pdf``) and every packet that passed the platform (``packets/*.ljp``)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.demo.terminals import Acting
from app.documents.catalog import template
from app.documents.render import DocumentRenderer
from app.domain.lifecycle import CaseState
from app.domain.screening import ScreeningRules
from app.domain.timezone import CST
from app.files import atomic_write_bytes, atomic_write_text
from app.models.snapshots import load_case_state
from app.services.documents import issue_document
from app.sync.outbox import outbox_entries, packet_bytes


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(CST).isoformat(timespec="seconds")


def deadlines(acting: Acting, state: CaseState | None) -> list[dict[str, Any]]:
    """The case's open periods as the acting terminal sees them: rule, who must act, from when, until when."""
    if state is None:
        return []
    desk = acting.desk
    rows = []
    for obligation in state.open_obligations():
        rule = desk.policy.rule(obligation.rule)
        due = desk.policy.due(obligation.rule, obligation.started_at, desk.calendar)
        rows.append(
            {
                "rule": str(obligation.rule),
                "label": rule.label,
                "citation": rule.citation,
                "agency_code": obligation.agency_code,
                "started_at": _iso(obligation.started_at),
                "due_at": _iso(due.at),
                "optional": obligation.optional,
            }
        )
    return rows


@dataclass
class ScenarioRecorder:
    """Collects the steps, prints the documents into ``out/documents`` and writes ``scenario.json``."""

    out: Path
    renderer: DocumentRenderer
    rules: ScreeningRules
    steps: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, str]] = field(default_factory=list)
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(CST))

    def step(self, title: str, acting: Acting, case_id: str, *, kind: str, before: set[str]) -> dict[str, Any]:
        """Log one step done by ``acting`` on ``case_id``: the stage after it, the open deadlines, new packets."""
        state = acting.session.store.read(lambda s: load_case_state(s, case_id))
        new = [e for e in acting.session.store.read(outbox_entries) if e.packet_id not in before]
        entry: dict[str, Any] = {
            "step": len(self.steps) + 1,
            "title": title,
            "kind": kind,
            "at": _iso(dt.datetime.now(CST)),
            "agency_code": acting.desk.agency_code,
            "operator": acting.operator.name,
            "operator_id": acting.operator.operator_id,
            "role": acting.operator.role,
            "case_id": case_id,
            "stage": state.stage.label if state else "",
            "deadlines": deadlines(acting, state),
            "packets": [{"packet_id": e.packet_id, "kind": e.kind, "recipients": list(e.recipients)} for e in new],
            "documents": [],
        }
        self.steps.append(entry)
        return entry

    def print_document(self, acting: Acting, case_id: str, template_key: str) -> Path:
        """Issue the document through the service (文号 allocated, audited) and keep its PDF."""
        printed = issue_document(acting.desk, case_id, template_key, renderer=self.renderer, rules=self.rules)
        name = template(template_key).name
        path = self.out / "documents" / f"{len(self.documents) + 1:02d}-{template_key}.pdf"
        atomic_write_bytes(path, printed.pdf, mode=0o644)
        row = {"file": path.name, "template": template_key, "name": name, "number": printed.number}
        self.documents.append(row)
        if self.steps:
            self.steps[-1]["documents"].append(row)
        return path

    def write(self, *, ok: bool, error: str = "", extra: dict[str, Any] | None = None) -> Path:
        path = self.out / "scenario.json"
        body = {
            "scenario": "行政执法机关移送涉嫌犯罪案件：移送、不予立案、复议、立案监督、通知立案、立案",
            "started_at": _iso(self.started_at),
            "finished_at": _iso(dt.datetime.now(CST)),
            "ok": ok,
            "error": error,
            "steps": self.steps,
            "documents": self.documents,
            **(extra or {}),
        }
        atomic_write_text(path, json.dumps(body, ensure_ascii=False, indent=2) + "\n", mode=0o644)
        return path


def outbox_ids(acting: Acting) -> set[str]:
    return {e.packet_id for e in acting.session.store.read(outbox_entries)}


def export_packets(acting: Acting, folder: Path) -> list[str]:
    """Copy every packet the platform receipted from the terminal's outbox into ``folder`` as ``<id>.ljp``."""
    folder.mkdir(parents=True, exist_ok=True)
    store, written = acting.session.store, []
    for entry in store.read(lambda s: outbox_entries(s, ("receipted",))):
        data = store.read(lambda s, pid=entry.packet_id: packet_bytes(s, pid))  # type: ignore[misc]
        if data is not None:
            atomic_write_bytes(folder / f"{entry.packet_id}.ljp", data, mode=0o644)
            written.append(entry.packet_id)
    return written
