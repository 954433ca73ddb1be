"""Formal documents from a case: issue one under the next 文号, or print a draft / a reprint.

``issue_document`` allocates the number and records the issued document in ONE write transaction (so a failed
issue leaves no gap and two operators never get the same number — app/models/numbers.py), audits the print there
too, and renders the PDF afterwards, outside the transaction. Why outside: the store has one writer for the whole
terminal (sync, every operator action); a render resolves fonts and lays out pages for tens of milliseconds and
must not hold the write lock. Nothing is lost if rendering fails after the commit: the issued row keeps the exact
fields the document was numbered with, and ``reprint_document`` renders the same document again from them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.documents.catalog import template
from app.documents.fields_json import fields_from_json, fields_to_json
from app.documents.from_case import (
    NO_SOURCE,
    SOURCES,
    AgencyProfile,
    CaseContext,
    NoEventSource,
    NotInHistory,
    fields_for,
)
from app.documents.from_case.history import Facts
from app.documents.numbers import DocumentNumber, NumberingScheme, NumberSeries
from app.documents.render import DocumentRenderer
from app.documents.watermark import Watermark
from app.domain.errors import DomainError
from app.domain.events import Event
from app.domain.screening import ScreeningRules, load_rules
from app.domain.timezone import CST
from app.models.audit import AuditKind, append_audit
from app.models.directory import DirectoryEntry, list_agencies
from app.models.numbers import IssuedDocument, issued_documents, next_serial, record_issued
from app.models.store import Store
from app.services.case_queries import case_history
from app.services.cases import CaseDesk
from app.services.changes import Changes

DEFAULT_RULES_FILE = Path(__file__).resolve().parents[2] / "resources" / "screening" / "default-rules.toml"
_SENTINEL = "\u2063文号\u2063"  # never printed: tells whether a template takes the caller's number


class NotOurDocument(DomainError):
    """The record a document is printed from was entered by another agency: its number is not ours to give."""

    user_message = "该文书由其他单位制发，本单位不能为其编号。"


@dataclass(frozen=True)
class PrintedDocument:
    """A rendered document: its number (or the draft's blank), the issued row if one was made, and the PDF."""

    template_key: str
    number: str
    pdf: bytes
    issued: IssuedDocument | None
    changes: Changes


def case_context(
    entries: tuple[DirectoryEntry, ...], rules: ScreeningRules, operator: str, *, event_id: str | None = None
) -> CaseContext:
    """The standing data of the documents (agency directory from the store, published offences)."""
    agencies: Mapping[str, AgencyProfile] = {
        e.agency.code: AgencyProfile(e.agency, NumberingScheme(e.prefix), e.head, e.liaison) for e in entries
    }
    return CaseContext(agencies=agencies, rules=rules, operator=operator, event_id=event_id)


def _issuing_record(template_key: str, events: tuple[Event, ...], event_id: str | None) -> Event:
    """The record the document is printed from (the one named, or the latest), or why there is none."""
    name = template(template_key).name
    source = SOURCES.get(template_key)
    if source is None:
        raise NoEventSource(name, NO_SOURCE[template_key])
    record = Facts.of(events).pick(source.issuing, source.where, event_id)
    if record is None:
        raise NotInHistory(name, source.needed)
    return record


def _takes_our_number(template_key: str, events: tuple[Event, ...], context: CaseContext) -> bool:
    draft = fields_for(template_key, events, dataclasses.replace(context, number=_SENTINEL))
    return _SENTINEL in json.dumps(fields_to_json(draft), ensure_ascii=False)


def issue_document(
    desk: CaseDesk, case_id: str, template_key: str, *, renderer: DocumentRenderer, rules: ScreeningRules,
    event_id: str | None = None, signed_on: dt.date | None = None, watermark: bool = False,
) -> PrintedDocument:  # fmt: skip
    """Issue the document ``template_key`` of the case under the next 文号 of the desk's agency and print it.

    A document whose record carries its own 文号 (立案通知书 ← the filing decision's number) is printed with it and
    allocates nothing. The operator's agency must be the issuer."""
    tpl = template(template_key)
    events = case_history(desk.store, case_id).events
    record = _issuing_record(template_key, events, event_id)
    if record.agency_code != desk.agency_code:
        raise NotOurDocument(f"{template_key} of {record.event_id} is issued by {record.agency_code}")
    entries = desk.store.read(list_agencies)
    context = case_context(entries, rules, desk.operator_name or desk.operator_id, event_id=record.event_id)
    numbered = _takes_our_number(template_key, events, context)
    day = signed_on or desk.clock().astimezone(CST).date()

    def issue(session: Session) -> tuple[str, Any, IssuedDocument | None]:
        issued = None
        if numbered:
            series = NumberSeries(desk.agency_code, template_key, day.year)
            serial = next_serial(session, series)
            prefix = context.profile(desk.agency_code).numbering.prefix_for(template_key)
            number = str(DocumentNumber(prefix, day.year, serial))
            fields = fields_for(template_key, events, dataclasses.replace(context, number=number))
            issued = record_issued(
                session, case_id=case_id, event_id=record.event_id, series=series, serial=serial, number=number,
                fields=_json_object(fields_to_json(fields)), issued_at=desk.clock(), operator_id=desk.operator_id,
            )  # fmt: skip
        else:
            fields = fields_for(template_key, events, context)
            number = ""
        append_audit(
            session, AuditKind.PRINT, operator=desk.operator_id, terminal=desk.terminal, subject=f"case:{case_id}",
            details={"template": template_key, "number": number, "event_id": record.event_id},
            now=desk.clock(),
        )  # fmt: skip
        return number, fields, issued

    number, fields, issued = desk.store.write(issue)
    mark = Watermark(desk.operator_name or desk.operator_id, context.name(desk.agency_code), desk.clock())
    pdf = renderer.render(tpl.build(fields), mark if watermark else None)
    changes = Changes(cases=frozenset({case_id}), documents=(issued.id,) if issued else ())
    return PrintedDocument(template_key, number or str(getattr(record, "document_number", "")), pdf, issued, changes)


def _json_object(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("document fields must encode to a JSON object")
    return value


def reprint_document(
    store: Store, issued: IssuedDocument, *, renderer: DocumentRenderer, operator: str, terminal: str,
    watermark: Watermark | None = None,
) -> bytes:  # fmt: skip
    """Render an issued document again, exactly as numbered (from the fields kept with its number); audited."""
    tpl = template(issued.doc_type)
    fields = fields_from_json(tpl.fields_type, issued.fields)
    store.write(
        lambda s: append_audit(
            s,
            AuditKind.PRINT,
            operator=operator,
            terminal=terminal,
            subject=f"case:{issued.case_id}",
            details={"template": issued.doc_type, "number": issued.number, "reprint": True},
        )
    )
    return renderer.render(tpl.build(fields), watermark)


def render_case_document(
    store: Store, case_id: str, template_key: str, *, renderer: DocumentRenderer, rules: ScreeningRules,
    operator: str, terminal: str, event_id: str | None = None, watermark: Watermark | None = None,
) -> bytes:  # fmt: skip
    """For scripts (``lianjie doc render --case``): the latest issued copy of this document if there is one, else
    a draft from the case's records (a blank serial where a number would be allocated). Audited; allocates nothing."""
    issued = [
        d for d in store.read(lambda s: issued_documents(s, case_id))
        if d.doc_type == template_key and (event_id is None or d.event_id == event_id)
    ]  # fmt: skip
    if issued:
        return reprint_document(
            store, issued[-1], renderer=renderer, operator=operator, terminal=terminal, watermark=watermark
        )
    events = case_history(store, case_id).events
    context = case_context(store.read(list_agencies), rules, operator, event_id=event_id)
    fields = fields_for(template_key, events, context)
    store.write(
        lambda s: append_audit(
            s,
            AuditKind.PRINT,
            operator=operator,
            terminal=terminal,
            subject=f"case:{case_id}",
            details={"template": template_key, "draft": True},
        )
    )
    return renderer.render(template(template_key).build(fields), watermark)


def default_rules() -> ScreeningRules:
    """The screening rules shipped with the program (offence names and articles for the documents)."""
    return load_rules(DEFAULT_RULES_FILE)
