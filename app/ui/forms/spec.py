"""A form: which record it enters, its fields, and the named service function that stores it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from app.services.cases import CaseDesk
from app.services.changes import Changes
from app.ui.forms.fields import OCCURRED, FieldSpec

Action = Callable[[CaseDesk, str, dict[str, Any]], Changes]


@dataclass(frozen=True)
class FormSpec:
    """``action(desk, case_id, payload)`` runs on a worker; ``fields`` in tab order (the occurrence time last)."""

    key: str
    title: str
    fields: tuple[FieldSpec, ...]
    action: Action
    note: str = ""

    @property
    def all_fields(self) -> tuple[FieldSpec, ...]:
        return (*self.fields, OCCURRED)


def named(fn: Callable[..., Changes], **fixed: Any) -> Action:
    """The action calling the named service function ``fn(desk, case_id, **payload)``."""
    return lambda desk, case_id, values: fn(desk, case_id, **fixed, **values)


def enum_choices(enum: type[Enum]) -> tuple[tuple[str, str], ...]:
    return tuple((str(member.value), str(getattr(member, "label", member.value))) for member in enum)


def choice(name: str, label: str, enum: type[Enum], options: Mapping[str, str] | None = None) -> FieldSpec:
    """A pick-list over ``enum`` (labels from the enum or ``options``)."""
    pairs = tuple(options.items()) if options else enum_choices(enum)
    return FieldSpec(name, label, "choice", choices=pairs, convert=enum)


def yes_no(name: str, label: str, yes: str, no: str) -> FieldSpec:
    return FieldSpec(name, label, "choice", choices=(("1", yes), ("0", no)), convert=lambda v: v == "1")


def with_choices(form: FormSpec, name: str, choices: tuple[tuple[str, str], ...]) -> FormSpec:
    """``form`` with the choices of field ``name`` filled in (e.g. the offences of the screening rules)."""
    fields = tuple(replace(f, choices=choices) if f.name == name else f for f in form.fields)
    return replace(form, fields=fields)
