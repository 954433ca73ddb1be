"""A history as the mappers read it: the records in force, checked legal by the domain's own folds.

A history is the records of one case, optionally with those of the small aggregates about it (a 备案 of the case),
or the records of one such aggregate alone (a consultation, a joint meeting, an inspection). Each aggregate is
folded by the domain; an illegal history is refused before anything is printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.documents.content import CaseRef, Issue
from app.documents.from_case.context import CaseContext, amount_text
from app.domain.affairs import apply_inspection, apply_linkage_filing, apply_meeting, fold_consultation
from app.domain.events import (
    CaseOpened,
    ConsultationAsked,
    Event,
    InspectionConducted,
    LinkageFiled,
    MeetingConvened,
    PenaltyDecided,
)
from app.domain.identifiers import is_valid_credit_code
from app.domain.lifecycle import CaseState, IllegalMove, effective_history, fold

E = TypeVar("E", bound=Event)


def _fold_with(step: Callable[[Any, Event], Any]) -> Callable[[Iterable[Event]], Any]:
    def run(events: Iterable[Event]) -> Any:
        state: Any = None
        for event in effective_history(events):
            state = step(state, event)
        return state

    return run


@dataclass(frozen=True)
class Facts:
    """The records in force of a history, canonically ordered, and the folded case state if a case is in it."""

    events: tuple[Event, ...]
    state: CaseState | None

    @classmethod
    def of(cls, history: Iterable[Event]) -> Facts:
        """Check each aggregate of ``history`` with the domain's fold (``IllegalMove`` if illegal)."""
        records = tuple(history)
        groups: dict[str, list[Event]] = {}
        for event in records:
            groups.setdefault(event.case_id, []).append(event)
        state: CaseState | None = None
        for group in groups.values():
            first = effective_history(group)[:1]
            if first and isinstance(first[0], CaseOpened):
                if state is not None:
                    raise IllegalMove("two cases in one history", user_message="一次只能按一个案件生成文书。")
                state = fold(group)
            elif first and isinstance(first[0], ConsultationAsked):
                fold_consultation(group)
            elif first and isinstance(first[0], MeetingConvened):
                _fold_with(apply_meeting)(group)
            elif first and isinstance(first[0], LinkageFiled):
                _fold_with(apply_linkage_filing)(group)
            elif first and isinstance(first[0], InspectionConducted):
                _fold_with(apply_inspection)(group)
            elif first:
                fold(group)  # the domain refuses a case that does not start with its entry
        return cls(effective_history(records), state)

    def all(self, kind: type[E], where: Callable[[E], bool] | None = None) -> tuple[E, ...]:
        """Every record in force of ``kind`` (and matching ``where``), oldest first."""
        return tuple(e for e in self.events if isinstance(e, kind) and (where is None or where(e)))

    def latest(self, kind: type[E], where: Callable[[E], bool] | None = None, before: Event | None = None) -> E | None:
        """The newest record of ``kind`` (optionally only those before ``before``)."""
        found = [e for e in self.all(kind, where) if before is None or e.sort_key < before.sort_key]
        return found[-1] if found else None

    def pick(self, kind: type[E], where: Callable[[E], bool] | None, event_id: str | None) -> E | None:
        """The record to print: the one named by ``event_id`` if it is of this kind, else the latest."""
        if event_id is not None:
            return next((e for e in self.all(kind, where) if e.event_id == event_id), None)
        return self.latest(kind, where)

    def by_id(self, event_id: str) -> Event | None:
        """The record in force with this id."""
        return next((e for e in self.events if e.event_id == event_id), None)

    def opened(self, case_id: str | None = None) -> CaseOpened | None:
        """The entry of the case (of ``case_id`` if given)."""
        return self.latest(CaseOpened, None if case_id is None else (lambda e: e.case_id == case_id))


def day(event: Event) -> dt.date:
    """The date a record happened on, in China Standard Time (events are kept in CST)."""
    return event.occurred_at.date()


def party_text(opened: CaseOpened) -> str:
    """The party as printed: name with its 统一社会信用代码 or 公民身份号码."""
    kind = "统一社会信用代码" if is_valid_credit_code(opened.party_id) else "公民身份号码"
    return f"{opened.party_name}（{kind}：{opened.party_id}）"


def case_ref(opened: CaseOpened, context: CaseContext) -> CaseRef:
    """The case a document is about, from its entry and the published offence (name and article)."""
    offence = context.offence(opened.offence_code)
    name = offence.name if offence is not None else ""
    if name and not name.endswith("罪"):
        name += "罪"
    return CaseRef(
        name=opened.title,
        party=party_text(opened),
        cause=opened.title,
        offence=name,
        offence_article=offence.article if offence is not None else "",
    )


def measures_text(facts: Facts, opened: CaseOpened, context: CaseContext) -> str:
    """The figures of the penalty decision as printed, labelled by the published thresholds (销售金额86500元)."""
    penalty = facts.latest(PenaltyDecided)
    if penalty is None:
        return ""
    offence = context.offence(opened.offence_code)
    labels = {t.measure: (t.label, t.unit) for t in offence.thresholds} if offence is not None else {}
    parts = [
        f"{labels[m][0]}{amount_text(v)}{labels[m][1]}" if m in labels else f"{m}{amount_text(v)}"
        for m, v in penalty.measures
    ]
    return "，".join(parts)


def sentence(text: str) -> str:
    """Free text from a record as a printed sentence: trimmed, closed with 。 unless it already ends a sentence."""
    text = text.strip()
    return text if not text or text[-1] in "。！？；…" else text + "。"


def lines(text: str) -> tuple[str, ...]:
    """Free text from a record split into its non-empty lines (an agenda, minutes)."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def issue_of(context: CaseContext, key: str, event: Event, recorded: str = "") -> Issue:
    """Who issues the document (the recording agency), its 文号 (``CaseContext.number_for``) and its date."""
    issued_on = day(event)
    number = context.number_for(key, event.agency_code, issued_on, recorded)
    return Issue(context.name(event.agency_code), number, issued_on)
