"""Typed change sets (STYLE.md §4): what an operator action changed, so that views refresh only that."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outgoing:
    """A record entered here that other members must receive: the sync engine turns it into a packet.

    ``recipients`` are the agencies the case or affair concerns, other than the one that entered it."""

    event_id: str
    case_id: str
    kind: str
    recipients: frozenset[str]


@dataclass(frozen=True)
class Changes:
    """What one action changed: cases (ids), records entered (event ids), deadlines (obligation ids opened or
    closed) and the agencies whose to-do lists they affect, affairs, issued documents, and records to send."""

    cases: frozenset[str] = frozenset()
    events: tuple[str, ...] = ()
    deadlines: frozenset[str] = frozenset()
    agencies: frozenset[str] = frozenset()
    affairs: frozenset[str] = frozenset()
    documents: tuple[str, ...] = ()
    outgoing: tuple[Outgoing, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing changed (e.g. the same record entered twice)."""
        return not (self.cases or self.events or self.deadlines or self.affairs or self.documents)

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            self.cases | other.cases,
            self.events + other.events,
            self.deadlines | other.deadlines,
            self.agencies | other.agencies,
            self.affairs | other.affairs,
            self.documents + other.documents,
            self.outgoing + other.outgoing,
        )
