"""Typed fields from JSON (the CLI's ``--fields FILE.json``): nested dataclasses, dates, tuples, optionals."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from typing import Any

from app.documents.errors import InvalidFields


def fields_from_json(cls: type[Any], data: object, path: str = "") -> Any:
    """Build an instance of the dataclass ``cls`` from parsed JSON, naming the first bad field on error."""
    return _convert(cls, data, path or cls.__name__)


def _convert(tp: Any, value: object, path: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise InvalidFields(f"{path} 应为对象")
        hints = typing.get_type_hints(tp)
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(tp):
            if f.name in value:
                kwargs[f.name] = _convert(hints[f.name], value[f.name], f"{path}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise InvalidFields(f"缺少字段 {path}.{f.name}")
        unknown = set(value) - {f.name for f in dataclasses.fields(tp)}
        if unknown:
            raise InvalidFields(f"{path} 含未知字段 {', '.join(sorted(unknown))}")
        return tp(**kwargs)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list):
            raise InvalidFields(f"{path} 应为数组")
        return tuple(_convert(args[0], v, f"{path}[{i}]") for i, v in enumerate(value))
    if origin in (types.UnionType, typing.Union):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        return None if value is None else _convert(members[0], value, path)
    if tp is date:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise InvalidFields(f"{path} 应为日期（YYYY-MM-DD）") from None
    if tp is bool:
        if not isinstance(value, bool):
            raise InvalidFields(f"{path} 应为 true 或 false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidFields(f"{path} 应为整数")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise InvalidFields(f"{path} 应为文字")
        return value
    raise InvalidFields(f"{path} 的类型不受支持")


def fields_to_json(instance: object) -> object:
    """The JSON form of a fields dataclass (dates as ISO strings), the inverse of ``fields_from_json``."""
    if dataclasses.is_dataclass(instance) and not isinstance(instance, type):
        return {f.name: fields_to_json(getattr(instance, f.name)) for f in dataclasses.fields(instance)}
    if isinstance(instance, tuple):
        return [fields_to_json(v) for v in instance]
    if isinstance(instance, date):
        return instance.isoformat()
    return instance
