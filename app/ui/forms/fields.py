"""Field specs of the record forms and their checks as the person types (messages in Chinese, under the field)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from app.domain.errors import DomainError
from app.domain.identifiers import validate_credit_code, validate_id_number
from app.domain.timezone import CST

FieldKind = Literal["text", "long", "amount", "date", "when", "list", "choice", "check", "credit_code", "party_id"]
_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
_LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")
WHEN_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class FieldSpec:
    """One input of a form: the payload name it fills, its label (with an &mnemonic), its kind and choices."""

    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()  # (stored value, what the operator reads)
    placeholder: str = ""
    convert: Callable[[str], Any] | None = None  # for choices: the enum the service expects


def plain_label(spec: FieldSpec) -> str:
    return spec.label.replace("&", "")


def check(spec: FieldSpec, text: str, now: dt.datetime | None = None) -> str:
    """The Chinese message for a bad value, or "" when it is acceptable."""
    value = text.strip()
    if not value:
        return f"请填写{plain_label(spec)}。" if spec.required and spec.kind != "check" else ""
    try:
        if spec.kind == "amount" and not _AMOUNT.match(value):
            return "金额以元为单位，应为数字，最多两位小数，例如 12000.50。"
        if spec.kind == "date":
            dt.date.fromisoformat(value)
        if spec.kind == "when":
            moment = dt.datetime.strptime(value, WHEN_FORMAT).replace(tzinfo=CST)
            if moment > (now or dt.datetime.now(CST)) + dt.timedelta(minutes=5):
                return "发生时间不能晚于现在。"
        if spec.kind == "credit_code":
            validate_credit_code(value)
        if spec.kind == "party_id":
            check_party_id(value)
    except DomainError as exc:
        return exc.user_message
    except ValueError:
        return "日期格式应为 2026-03-09。" if spec.kind == "date" else "时间格式应为 2026-03-09 14:30。"
    return ""


def check_party_id(value: str) -> None:
    """当事人 is a unit (统一社会信用代码) or a person (公民身份号码): judged by what the 18 characters look like."""
    normalised = value.strip().upper()
    if normalised[:17].isdigit() and len(normalised) == 18 and normalised[:1] in "123456":
        validate_id_number(normalised)
    else:
        validate_credit_code(normalised)


def to_value(spec: FieldSpec, text: str, now: dt.datetime | None = None) -> Any:
    """The value the service function takes for the field's text (already checked)."""
    value = text.strip()
    if spec.kind == "amount":
        return Decimal(value or "0").quantize(Decimal("0.01"))
    if spec.kind == "date":
        return dt.date.fromisoformat(value)
    if spec.kind == "when":
        return when_value(value, now)
    if spec.kind == "list":
        return tuple(p for p in _LIST_SEPARATORS.split(value) if p)
    if spec.kind == "check":
        return value == "1"
    if spec.kind in ("credit_code", "party_id"):
        return value.upper()
    if spec.convert is not None:
        return spec.convert(value)
    return value


def when_value(text: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """The moment a 发生时间 text names. The field shows minutes; a text naming the current minute means "now",
    with its seconds, so that a record entered later in the same minute never sorts before an earlier one."""
    if not text:
        return None
    moment = dt.datetime.strptime(text, WHEN_FORMAT).replace(tzinfo=CST)
    current = (now or dt.datetime.now(CST)).astimezone(CST)
    return current if moment == current.replace(second=0, microsecond=0) else moment


def payload(fields: tuple[FieldSpec, ...], texts: Mapping[str, str]) -> dict[str, Any]:
    """The keyword arguments for the service function, from the form's texts."""
    return {spec.name: to_value(spec, texts.get(spec.name, "")) for spec in fields}


def now_text(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(CST)).astimezone(CST).strftime(WHEN_FORMAT)


OCCURRED = FieldSpec("occurred_at", "发生时间(&T)", "when", placeholder="2026-03-09 14:30")
