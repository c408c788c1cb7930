"""Pydantic's validation errors, retold for people: the field's path, the rule, Vietnamese and English.

What a person typed is quoted back only when it is short, plain and cannot be a secret: never the value of a
contact field (Apprise URLs carry passwords and tokens), never anything that looks like a URL or an address."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from models.errors import InputError, Problem

M = TypeVar("M", bound=BaseModel)

# Fields whose values are never quoted in a message, at any depth.
SECRET_FIELDS = frozenset({"contacts", "admin_contacts"})
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

_VI = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được phép",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_parsing": "phải là số",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "time_parsing": "phải là giờ dạng HH:MM",
    "time_type": "phải là giờ dạng HH:MM",
    "time_not_text": 'giờ viết trong dấu nháy, ví dụ "21:00" (YAML đọc 21:00 không có nháy thành một số)',
    "time_with_offset": "giờ địa phương, không kèm múi giờ (múi giờ của đợt)",
    "string_type": "phải là chuỗi ký tự",
    "string_too_short": "không được để trống",
    "string_too_long": "quá dài",
    "string_pattern_mismatch": "chỉ gồm chữ không dấu, số, gạch ngang, gạch dưới, dấu chấm",
    "list_type": "phải là một danh sách",
    "tuple_type": "phải là một danh sách",
    "too_short": "quá ít phần tử",
    "too_long": "quá nhiều phần tử",
    "greater_than_equal": "quá nhỏ",
    "less_than_equal": "quá lớn",
    "greater_than": "quá nhỏ",
    "literal_error": "không phải giá trị được phép",
    "value_error": "giá trị không hợp lệ",
    "dict_type": "phải là một bảng khóa: giá trị",
    "model_type": "phải là một bảng khóa: giá trị",
}


def field_path(loc: tuple[int | str, ...]) -> str:
    """`("milestones", 2, "deadline")` → `milestones[2].deadline`; a key that is not a plain name is shown as `…`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = part if _PLAIN_NAME.match(part) else "…"
            path += f".{name}" if path else name
    return path


def shown(loc: tuple[int | str, ...], given: Any) -> str:
    """What a person gave, quoted for a message, or "" when it is long, nested or may hold a secret."""
    if any(part in SECRET_FIELDS for part in loc):
        return ""
    if isinstance(given, int) and given.bit_length() > 80:
        return ""  # 25 digits or more: too long to quote (and repr() refuses past 4,300 digits)
    if isinstance(given, bool | int | float | dt.date | dt.time):
        text = repr(given) if isinstance(given, bool | int | float) else given.isoformat()
        return text if len(text) <= 24 else ""
    if isinstance(given, str) and len(given) <= 64 and given.isprintable():
        return "" if "://" in given or "@" in given else repr(given)
    return ""


def problems_from_validation_error(
    error: ValidationError, row: int | None = None, model: type[BaseModel] | None = None
) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False, include_input=True):
        kind, loc = item["type"], tuple(item["loc"])
        if kind == "extra_forbidden":
            problems.append(_unknown_field(loc, model, row))
            continue
        if kind == "invalid_key":
            problems.append(_key_not_text(loc, item.get("input"), row))
            continue
        quoted = "" if kind == "missing" else shown(loc, item.get("input"))
        suffix = f" (nhận/got: {quoted})" if quoted else ""
        problems.append(
            Problem(
                rule=kind,
                row=row,
                field=field_path(loc) or None,
                vi=f"{_VI.get(kind, 'giá trị không hợp lệ')}{suffix}",
                en=f"{item['msg']}{suffix}",
            )
        )
    return problems


def validated(model: type[M], raw: Any) -> M:
    """`raw` as a `model`, or one InputError that retells every pydantic error for people."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise InputError(problems_from_validation_error(error, model=model)) from None


def _unknown_field(loc: tuple[int | str, ...], model: type[BaseModel] | None, row: int | None) -> Problem:
    """An unknown key (a misspelling, most often), with the nearest valid name where one is close."""
    key = loc[-1] if loc else ""
    name = key if isinstance(key, str) and _PLAIN_NAME.match(key) else None
    valid = _field_names(model, loc[:-1]) if model is not None else []
    near = difflib.get_close_matches(name, valid, n=1, cutoff=0.6) if name else []
    where = field_path(loc[:-1])
    where_vi, where_en = (where, where) if where else ("cấp ngoài cùng", "the top level")
    vi = f"trường «{name}» không có trong {where_vi}" if name else f"một trường không có trong {where_vi}"
    en = f"unknown field '{name}' in {where_en}" if name else f"an unknown field in {where_en}"
    if near:
        vi, en = f"{vi}; có phải là «{near[0]}»?", f"{en}; did you mean `{near[0]}`?"
    elif valid:
        vi, en = f"{vi} (các trường: {', '.join(valid)})", f"{en} (fields: {', '.join(valid)})"
    return Problem(rule="unknown_field", row=row, field=field_path(loc) or None, vi=vi, en=en)


def _key_not_text(loc: tuple[int | str, ...], key: Any, row: int | None) -> Problem:
    """A key YAML did not read as text: a number, a date, or yes/no/on/off (which YAML reads as true/false)."""
    named = shown((), key) or "…"
    return Problem(
        rule="invalid_key",
        row=row,
        field=field_path(loc[:-1]) or None,
        vi=f"khóa {named} không phải chuỗi ký tự (YAML đọc số, ngày, yes/no/on/off khác chuỗi): hãy đặt khóa trong "
        "dấu nháy",
        en=f"key {named} is not text (YAML reads numbers, dates, yes/no/on/off otherwise): put the key in quotes",
    )


def _field_names(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found by following `loc` from `model` (lists by index, dicts by key)."""
    current: Any = model
    for part in loc:
        current = _inside(current, part)
        if current is None:
            return []
    return list(current.model_fields) if _is_model(current) else []


def _inside(annotation: Any, part: int | str) -> Any:
    annotation = _unwrapped(annotation)
    if _is_model(annotation):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field is not None else None
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (list, tuple, set, frozenset) and args:
        if origin is tuple and isinstance(part, int) and len(args) > part and args[-1] is not Ellipsis:
            return args[part]
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _unwrapped(annotation: Any) -> Any:
    """`Annotated[X, …]` → X; `X | None` → X."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
