"""A decider's ratings file: a YAML or JSON mapping `CODE: rating`, or a CSV with columns `code,rating`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from models.errors import InputError, Problem, fail
from service.documents import read_bounded, read_document

MAX_BYTES = 1024 * 1024


def read_ratings(path: Path) -> dict[str, str]:
    if path.suffix.lower() == ".csv":
        return _from_csv(read_bounded(path, MAX_BYTES).decode("utf-8-sig", errors="replace"))
    data = read_document(path, MAX_BYTES, field="ratings")
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise fail(
            "invalid_ratings",
            "tệp xếp loại phải là bảng MÃ ĐƠN VỊ: mức xếp loại",
            "a ratings file maps UNIT CODE: rating",
            field="ratings",
        )
    return dict(data)


def _from_csv(text: str) -> dict[str, str]:
    rows = list(csv.DictReader(io.StringIO(text)))
    problems = [
        Problem(
            rule="required",
            field=f"ratings.row{number}",
            vi=f"dòng {number}: cần cột code và rating",
            en=f"row {number}: needs the columns code and rating",
        )
        for number, row in enumerate(rows, start=2)
        if not (row.get("code") or "").strip() or not (row.get("rating") or "").strip()
    ]
    if problems or not rows:
        raise InputError(problems or [Problem(rule="required", field="ratings", vi="tệp trống", en="empty file")])
    return {row["code"].strip(): row["rating"].strip() for row in rows}
