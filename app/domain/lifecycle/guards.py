"""What every move checks, and the obligation ledger's bookkeeping."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from app.domain.deadlines.rules import DeadlineRuleId
from app.domain.errors import DomainError
from app.domain.events import Event
from app.domain.lifecycle.state import CaseStage, CaseState, Obligation


class IllegalMove(DomainError):
    """The record is not allowed at this point of the procedure; ``user_message`` says why."""

    user_message = "该记录不符合两法衔接工作程序。"


def refuse(event: Event, reason: str) -> IllegalMove:
    """An ``IllegalMove`` naming the record and the reason, in Chinese."""
    return IllegalMove(f"{event.kind} refused: {reason}", user_message=f"不能录入“{event.label}”：{reason}")


def require_stage(state: CaseState, event: Event, allowed: Iterable[CaseStage], reason: str) -> None:
    """Refuse unless the case is in one of ``allowed``; ``reason`` says what must come first (with the article)."""
    if state.stage not in allowed:
        raise refuse(event, f"案件当前为“{state.stage.label}”，{reason}")


def require_owner(state: CaseState, event: Event) -> None:
    """Only the enforcement agency that owns the case records its administrative and transfer steps."""
    if event.agency_code != state.agency_code:
        raise refuse(event, f"只有办理本案的行政执法机关（{state.agency_code}）可以录入。")


def require_police(state: CaseState, event: Event) -> None:
    """Only the police to whom the case was transferred (or forwarded) act on it (310号令 Art.7)."""
    if state.police_code is None:
        raise refuse(event, "案件尚未移送公安机关（310号令第5条）。")
    if event.agency_code != state.police_code:
        raise refuse(event, f"本案移送的公安机关为（{state.police_code}），其他公安机关不能录入。")


def bind_procuratorate(state: CaseState, event: Event, code: str | None = None) -> CaseState:
    """The same-level procuratorate supervises the case: the first one named is bound, others are refused."""
    code = code or event.agency_code
    if state.procuratorate_code is None:
        return state.evolve(procuratorate_code=code)
    if code != state.procuratorate_code:
        raise refuse(event, f"本案由人民检察院（{state.procuratorate_code}）监督，其他人民检察院不能录入。")
    return state


def open_obligation(
    state: CaseState,
    event: Event,
    rule: DeadlineRuleId,
    agency_code: str,
    *,
    optional: bool = False,
    subject: str = "",
) -> CaseState:
    """Start the period ``rule`` for ``agency_code`` at the event's time."""
    obligation = Obligation(
        obligation_id=f"{rule}:{event.event_id}",
        rule=rule,
        agency_code=agency_code,
        started_at=event.occurred_at,
        opened_by=event.event_id,
        optional=optional,
        subject=subject,
    )
    return state.evolve(obligations=(*state.obligations, obligation))


def close_obligations(
    state: CaseState,
    event: Event,
    rules: Iterable[DeadlineRuleId],
    *,
    fulfilled: bool,
    subject: str | None = None,
) -> CaseState:
    """Close the open obligations of ``rules`` (optionally only those about ``subject``).

    ``fulfilled`` says whether the event did what was due (counts for the assessment) or made it moot."""
    wanted = frozenset(rules)
    changed = False
    ledger: list[Obligation] = []
    for o in state.obligations:
        if o.closed_at is None and o.rule in wanted and (subject is None or o.subject == subject):
            o = dataclasses.replace(o, closed_at=event.occurred_at, closed_by=event.event_id, fulfilled=fulfilled)
            changed = True
        ledger.append(o)
    return state.evolve(obligations=tuple(ledger)) if changed else state


def has_open(state: CaseState, rule: DeadlineRuleId, subject: str | None = None) -> bool:
    """Whether an obligation of ``rule`` (about ``subject``) is still open."""
    return any(
        o.closed_at is None and o.rule is rule and (subject is None or o.subject == subject) for o in state.obligations
    )
