"""Input errors that people read: each problem names where it is, the rule it breaks, in Vietnamese and English."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (row, field), which rule, and what to tell people."""

    rule: str
    vi: str
    en: str
    row: int | None = None
    field: str | None = None

    def where_vi(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"dòng {self.row}")
        if self.field:
            parts.append(f"cột/trường {self.field}")
        return ", ".join(parts)

    def where_en(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def render(self) -> str:
        """Two lines, Vietnamese first: `dòng 3, cột/trường parent [unknown_parent]: ...`."""
        vi_where, en_where = self.where_vi(), self.where_en()
        vi = f"{vi_where} [{self.rule}]: {self.vi}" if vi_where else f"[{self.rule}] {self.vi}"
        en = f"{en_where} [{self.rule}]: {self.en}" if en_where else f"[{self.rule}] {self.en}"
        return f"{vi}\n  {en}"

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "rule": self.rule, "vi": self.vi, "en": self.en}


@dataclass
class InputError(Exception):
    """Bad input from a person or a file. Raised before anything is written; carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.render() for p in self.problems)


def fail(rule: str, vi: str, en: str, *, row: int | None = None, field: str | None = None) -> InputError:
    """An InputError with one problem, for the many places that find exactly one."""
    return InputError([Problem(rule=rule, vi=vi, en=en, row=row, field=field)])


MAX_PROBLEMS_LISTED = 50


def capped(problems: list[Problem], limit: int = MAX_PROBLEMS_LISTED) -> list[Problem]:
    """The first `limit` problems and one line saying how many more there are: a bad file of a million rows
    gives a message people can read, not a million lines."""
    if len(problems) <= limit:
        return problems
    more = len(problems) - limit
    return [
        *problems[:limit],
        Problem(
            rule="more_problems",
            vi=f"… và {more:,} lỗi khác; chỉ liệt kê {limit} lỗi đầu tiên".replace(",", "."),
            en=f"… and {more:,} more problems; only the first {limit} are listed",
        ),
    ]
