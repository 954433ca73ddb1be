"""Fields of every template from a case's history: nothing the records hold is typed twice (issue 7 item 2).

``fields_for(key, history, context)`` maps the records in force (checked legal by the domain's folds) and the
agency's standing data (``CaseContext``) to the template's fields dataclass; ``templates_available(history)``
lists what can be printed at this point of the case. Each document is printed from the record that issues it
(立案通知书 ← a filing decision to file); its 文号 is the record's own where the record carries one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from app.documents.catalog import TEMPLATES, template
from app.documents.from_case import correspondence, office, police, procuratorate, transfer
from app.documents.from_case.context import (
    AgencyProfile,
    CaseContext,
    NoEventSource,
    NotInHistory,
    UnknownAgency,
)
from app.documents.from_case.history import Facts
from app.documents.from_case.office import assessment_bulletin
from app.documents.from_case.source import Source
from app.domain.events import Event

SOURCES: Mapping[str, Source] = MappingProxyType(
    {
        s.key: s
        for s in (
            *transfer.SOURCES,
            *police.SOURCES,
            *procuratorate.SOURCES,
            *correspondence.SOURCES,
            *office.SOURCES,
        )
    }
)

# Templates no case record can fill; the reason is what the operator reads.
NO_SOURCE: Mapping[str, str] = MappingProxyType(
    {
        "assessment_bulletin": "考核结果通报依据各成员单位的年度考核结果生成，不属于单个案件",
    }
)

assert set(SOURCES) | set(NO_SOURCE) == set(TEMPLATES), "every template is mapped or says why not"


def fields_for(template_key: str, history: Iterable[Event], context: CaseContext) -> Any:
    """The fields dataclass of ``template_key`` from ``history`` (its latest issuing record, or
    ``context.event_id``) and the standing data; ``NotInHistory`` if the case has not reached that record."""
    tpl = template(template_key)
    if template_key in NO_SOURCE:
        raise NoEventSource(tpl.name, NO_SOURCE[template_key])
    source = SOURCES[template_key]
    facts = Facts.of(history)
    event = facts.pick(source.issuing, source.where, context.event_id)
    if event is None:
        raise NotInHistory(tpl.name, source.needed)
    fields = source.build(facts, event, context)
    assert isinstance(fields, tpl.fields_type)
    return fields


def templates_available(history: Iterable[Event]) -> list[str]:
    """The template keys printable from ``history`` now, in catalogue order (``IllegalMove`` if illegal)."""
    facts = Facts.of(history)
    return [key for key in TEMPLATES if key in SOURCES and facts.latest(SOURCES[key].issuing, SOURCES[key].where)]


__all__ = [
    "NO_SOURCE", "SOURCES", "AgencyProfile", "CaseContext", "NoEventSource", "NotInHistory", "UnknownAgency",
    "assessment_bulletin", "fields_for", "templates_available",
]  # fmt: skip
