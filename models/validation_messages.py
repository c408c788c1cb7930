"""Pydantic's validation errors, retold for people: the field's path, the rule, Vietnamese and English."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from models.errors import InputError, Problem

M = TypeVar("M", bound=BaseModel)

_VI = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được phép",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "float_parsing": "phải là số",
    "bool_parsing": "phải là true hoặc false",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "time_parsing": "phải là giờ dạng HH:MM",
    "time_type": "phải là giờ dạng HH:MM",
    "string_type": "phải là chuỗi ký tự",
    "string_too_short": "không được để trống",
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
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def problems_from_validation_error(error: ValidationError, row: int | None = None) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        kind = item["type"]
        given = item.get("input")
        shown = "" if kind == "missing" or isinstance(given, dict | list) else f" (nhận/got: {given!r})"
        problems.append(
            Problem(
                rule=kind,
                row=row,
                field=field_path(tuple(item["loc"])) or None,
                vi=f"{_VI.get(kind, 'giá trị không hợp lệ')}{shown}",
                en=f"{item['msg']}{shown}",
            )
        )
    return problems


def validated(model: type[M], raw: Any) -> M:
    """`raw` as a `model`, or one InputError that retells every pydantic error for people."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise InputError(problems_from_validation_error(error)) from None
