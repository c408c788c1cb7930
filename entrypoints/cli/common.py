"""What every command shares: `--at` and `--format`, the app of this process, the actor, and one way to turn errors
into messages and exit codes (0 done, 2 bad input with nothing changed, 1 any other failure; SPEC §7)."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import getpass
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from models.errors import InputError, Problem

if TYPE_CHECKING:
    import pendulum


class Format(enum.StrEnum):
    table = "table"
    json = "json"


At = Annotated[
    str | None,
    typer.Option(
        "--at", metavar="TIME", help="Run as if now were TIME (ISO 8601 with offset, e.g. 2026-12-10T23:59:59+07:00)."
    ),
]
Fmt = Annotated[Format, typer.Option("--format", help="Output format.")]
CampaignKey = Annotated[str, typer.Option("--campaign", help="Campaign key.")]
UnitCode = Annotated[str, typer.Option("--unit", help="Unit code.")]
MilestoneKey = Annotated[str, typer.Option("--milestone", help="Milestone key.")]

F = TypeVar("F", bound=Callable[..., Any])


def command(fn: F) -> F:
    """Hand the command its instant as `at` (from --at, else the clock: a value, never a global), and turn every
    error into a message and an exit code: 2 bad input, 1 failure."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = kwargs.get("output") == Format.json
        try:
            if "at" in kwargs:  # `--at ""` is an error, not "now"
                from models import clock  # here, not at import: pendulum costs `kiemdiem --help` 20 ms

                kwargs["at"] = clock.now() if kwargs["at"] is None else parse_at(kwargs["at"])
            return fn(*args, **kwargs)
        except InputError as error:
            print_problems(error.problems, as_json)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:  # `kiemdiem units tree | head`: the reader left, nothing is wrong
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
            raise typer.Exit(0) from None
        except Exception as error:  # the last line of defence: a message, never a stack trace
            from notifications.redact import redact

            if _debug():  # for developers only: the trace, still redacted
                import traceback

                typer.echo(redact(traceback.format_exc()), err=True)
            typer.echo(f"Lỗi hệ thống / internal error: {type(error).__name__}: {redact(str(error))}", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _debug() -> bool:
    try:
        return bool(process_app().settings.debug)
    except Exception:  # the settings themselves are what failed
        return False


def parse_at(text: str) -> pendulum.DateTime:
    from models import clock

    try:
        return clock.parse_instant(text)
    except Exception:
        raise InputError(
            [
                Problem(
                    rule="invalid_time",
                    field="--at",
                    vi=f"«{text}» không phải thời điểm ISO 8601 có múi giờ (ví dụ 2026-12-10T23:59:59+07:00)",
                    en=f"'{text}' is not an ISO 8601 time with an offset (e.g. 2026-12-10T23:59:59+07:00)",
                )
            ]
        ) from None


def parse_date(text: str | None, field: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            [
                Problem(
                    rule="invalid_date",
                    field=field,
                    vi=f"«{text}» không phải ngày YYYY-MM-DD",
                    en=f"'{text}' is not a date YYYY-MM-DD",
                )
            ]
        ) from None


def required(field: str, vi: str, en: str) -> InputError:
    return InputError([Problem(rule="required", field=field, vi=vi, en=en)])


# Fields the domain names that this command line takes as options, shown as the option a person typed ("root" is
# left alone: it is also a campaign config field).
OPTION_FIELDS = frozenset(
    {
        "campaign",
        "milestone",
        "unit",
        "state",
        "reason",
        "until",
        "report",
        "out",
        "meeting_date",
        "decider",
        "ratings",
        "deadline",
        "document",
    }
)


def in_cli_words(problem: Problem) -> Problem:
    """A problem with its field named as this command line's option (`until` → `--until`)."""
    if problem.field in OPTION_FIELDS:
        return replace(problem, field="--" + problem.field.replace("_", "-"))
    return problem


def print_problems(problems: list[Problem], as_json: bool) -> None:
    problems = [in_cli_words(p) for p in problems]
    if as_json:
        typer.echo(json.dumps({"errors": [p.as_dict() for p in problems]}, ensure_ascii=False), err=True)
        return
    typer.echo(
        f"Dữ liệu không hợp lệ, không có gì thay đổi / invalid input, nothing changed ({len(problems)}):", err=True
    )
    for problem in problems:
        typer.echo(f"- {problem.render()}", err=True)


def process_app() -> Any:
    """The app of this process (settings, engine, sender), built once."""
    from service.bootstrap import process_app as built

    return built()


def actor() -> Any:
    """The person at this terminal: the organizing board's operator, who may do everything."""
    from service.access import Actor

    try:
        name = f"cli:{getpass.getuser()}"
    except Exception:
        name = "cli"
    return Actor.operator(name)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
