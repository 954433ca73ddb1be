"""How a template is tied to the record that issues it: the record's kind, a filter, and the mapping to fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.documents.from_case.context import CaseContext
from app.documents.from_case.history import Facts
from app.domain.events import Event


@dataclass(frozen=True)
class Source:
    """A template printed from one record: ``issuing`` records (matching ``where``) make it available; ``build``
    turns the history, that record and the standing data into the template's fields dataclass."""

    key: str
    issuing: type[Event]
    needed: str  # the record needed, as the operator reads it
    build: Callable[[Facts, Any, CaseContext], Any]
    where: Callable[[Any], bool] | None = None
