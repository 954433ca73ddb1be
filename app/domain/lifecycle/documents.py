"""Moves of supervisory documents (seed §5, §6) and reverse linkage (刑诉法 Art.177 ¶3; 刑诉规则 Art.373)."""

from __future__ import annotations

import dataclasses

from app.domain.deadlines.rules import DeadlineRuleId
from app.domain.events import (
    DocumentFollowedUp,
    DocumentIssued,
    DocumentReplied,
    DocumentType,
    EventKind,
    OpinionIssued,
)
from app.domain.lifecycle.guards import bind_procuratorate, close_obligations, open_obligation, refuse
from app.domain.lifecycle.move import ALL_STAGES, Move
from app.domain.lifecycle.state import CaseStage, CaseState, DocumentRecord

R = DeadlineRuleId


def _issued(state: CaseState, event: DocumentIssued) -> CaseState:
    doc_type = event.document_type
    if doc_type is DocumentType.NON_PROSECUTION_OPINION:
        raise refuse(event, "不起诉案件的检察意见请按反向衔接录入（刑诉法第177条第3款）。")
    if event.agency_kind is not doc_type.issuer_kind:
        raise refuse(event, f"{doc_type.label}由{doc_type.issuer_kind.label}制发（兴庆区实施意见第5、6条）。")
    if event.recipient_code == event.agency_code:
        raise refuse(event, "文书不能发给本机关。")
    record = DocumentRecord(event.event_id, doc_type, event.agency_code, event.recipient_code, event.occurred_at)
    state = state.evolve(documents=(*state.documents, record))
    return open_obligation(state, event, R.DOCUMENT_REPLY, event.recipient_code, subject=event.event_id)


def _opinion(state: CaseState, event: OpinionIssued) -> CaseState:
    state = bind_procuratorate(state, event)
    record = DocumentRecord(
        event.event_id, DocumentType.NON_PROSECUTION_OPINION, event.agency_code, event.recipient_code,
        event.occurred_at,
    )  # fmt: skip
    state = state.evolve(documents=(*state.documents, record))
    return open_obligation(state, event, R.OPINION_REPLY, event.recipient_code, subject=event.event_id)


def _replace_document(state: CaseState, record: DocumentRecord) -> CaseState:
    documents = tuple(record if d.document_id == record.document_id else d for d in state.documents)
    return state.evolve(documents=documents)


def _replied(state: CaseState, event: DocumentReplied) -> CaseState:
    record = state.document(event.document_id)
    if record is None:
        raise refuse(event, "本案没有该文书。")
    if event.agency_code != record.recipient_code:
        raise refuse(event, f"只有{record.document_type.label}的收文机关可以回复。")
    if record.replied_at is not None:
        raise refuse(event, "该文书已回复；如需补充，请录入更正记录。")
    if not event.written:
        raise refuse(event, "收到文书后应当书面回复整改情况（兴庆区实施意见第5条）。")
    state = close_obligations(
        state, event, [R.DOCUMENT_REPLY, R.OPINION_REPLY], fulfilled=True, subject=record.document_id
    )
    return _replace_document(state, dataclasses.replace(record, replied_at=event.occurred_at))


def _followed_up(state: CaseState, event: DocumentFollowedUp) -> CaseState:
    record = state.document(event.document_id)
    if record is None:
        raise refuse(event, "本案没有该文书。")
    if event.agency_code != record.issuer_code:
        raise refuse(event, "只有制发文书的机关可以跟踪监督（兴庆区实施意见第5条）。")
    if record.closed:
        raise refuse(event, "该文书的跟踪监督已结束。")
    if event.closed and record.replied_at is None:
        raise refuse(event, "收文机关尚未书面回复，不能结束跟踪监督。")
    return _replace_document(state, dataclasses.replace(record, followed_up=True, closed=event.closed))


MOVES = (
    Move(EventKind.DOCUMENT_ISSUED, ALL_STAGES, (), "兴庆区实施意见第5、6条", "", _issued),
    Move(EventKind.OPINION_ISSUED, frozenset({CaseStage.NOT_PROSECUTED}), (), "刑诉法第177条第3款；刑诉规则第373条",
         "只有作出不起诉决定的案件才能提出检察意见（刑诉法第177条第3款）。", _opinion),
    Move(EventKind.DOCUMENT_REPLIED, ALL_STAGES, (), "兴庆区实施意见第5、6条", "", _replied),
    Move(EventKind.DOCUMENT_FOLLOWED_UP, ALL_STAGES, (), "兴庆区实施意见第5条", "", _followed_up),
)  # fmt: skip
