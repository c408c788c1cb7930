"""Reading the documents people give kiemdiem (tree files, campaign configs, reports): bounded in size, YAML
without anchors or aliases (what "billion laughs" files are made of) and nested at most MAX_YAML_NESTING deep, JSON
likewise; every refusal an InputError naming the file and the line."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from models.errors import fail

MAX_YAML_NESTING = 8


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or the bilingual error; reads no more than that."""
    if not path.is_file():
        raise fail("file_not_found", f"không tìm thấy tệp {path}", f"file not found: {path}")
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise fail(
            "file_too_large",
            f"tệp {path.name} lớn hơn {limit // 1024 // 1024} MB; hãy chia thành nhiều tệp",
            f"file {path.name} is larger than {limit // 1024 // 1024} MB; split it into several files",
        )
    return data


def load_plain_yaml(text: str, name: str, *, numbers_as_written: bool = True) -> tuple[Any, Any]:
    """YAML data and its node tree, refusing anchors and aliases and nesting past MAX_YAML_NESTING (tree files,
    campaign configs and reports alike). `numbers_as_written`: whole numbers stay text, for the tree's row checks.

    A first pass over the parser's events (streamed, nothing built) finds them; only then is the document built.
    Anchors and aliases (`&a`, `*a`, `<<: *a`) are what "billion laughs" files are made of; a tree file has no use
    for them. Uses libyaml when PyYAML has it.
    """
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        _refuse_references(yaml.parse(text, Loader=loader_class), name)
        loader = (_builder(loader_class) if numbers_as_written else loader_class)(text)
        try:
            node = loader.get_single_node()
            return (loader.construct_document(node) if node is not None else None), node
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise fail(
            "invalid_yaml",
            f"tệp {name} không phải YAML hợp lệ",
            f"file {name} is not valid YAML",
            row=mark.line + 1 if mark else None,
        ) from None
    except ValueError:  # a date that is no date (2026-13-45)
        raise fail(
            "invalid_yaml",
            f"tệp {name} có giá trị không đọc được (ví dụ ngày không có thật)",
            f"file {name} holds a value that cannot be read (e.g. a date that does not exist)",
        ) from None


@functools.cache
def _builder(loader_class: Any) -> Any:
    """The safe loader, except that whole numbers stay as written ("007", or 5,000 nines): the row checks read
    them as they read CSV cells (int() would refuse 5,000 digits with a ValueError, without a line)."""
    builder: Any = type("TreeFileLoader", (loader_class,), {})
    builder.add_constructor("tag:yaml.org,2002:int", lambda loader, node: loader.construct_scalar(node))
    return builder


def _refuse_references(events: Any, name: str) -> None:
    import yaml

    nesting = 0
    for event in events:
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise fail(
                "yaml_alias",
                f"tệp {name} dùng neo/bí danh YAML (&… / *…) ở dòng {line}; tệp của kiemdiem không được dùng chúng",
                f"file {name} uses a YAML anchor or alias (&… / *…) on line {line}; kiemdiem files may not use them",
                row=line,
            )
        if isinstance(event, yaml.CollectionStartEvent):
            nesting += 1
            if nesting > MAX_YAML_NESTING:
                raise fail(
                    "yaml_too_deep",
                    f"tệp {name} lồng nhau quá {MAX_YAML_NESTING} tầng ở dòng {line}",
                    f"file {name} nests deeper than {MAX_YAML_NESTING} levels on line {line}",
                    row=line,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            nesting -= 1


def read_document(path: Path, limit: int, field: str | None = None) -> Any:
    """A YAML or JSON file (by its suffix; UTF-8, with or without a BOM) as data, whole numbers as numbers."""
    if not path.is_file():
        raise fail("file_not_found", f"không tìm thấy tệp {path}", f"file not found: {path}", field=field)
    try:
        text = read_bounded(path, limit).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail(
            "not_utf8", f"tệp {path.name} không phải UTF-8", f"file {path.name} is not UTF-8", field=field
        ) from None
    if path.suffix.lower() != ".json":
        return load_plain_yaml(text, path.name, numbers_as_written=False)[0]
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise fail(
            "invalid_json",
            f"tệp {path.name} không phải JSON hợp lệ",
            f"file {path.name} is not valid JSON",
            field=field,
        ) from None
