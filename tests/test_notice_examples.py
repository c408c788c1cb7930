"""The reviewed example messages in notifications/examples are what the templates produce now: a change to a
template must come with the regenerated examples (`python -m notifications.examples`), so a reviewer reads it."""

from __future__ import annotations

from models import clock
from models.enums import NoticeKind
from notifications.examples import COMMAND, FOLDER, render_examples, stale_files


def test_the_example_files_are_current() -> None:
    stale = stale_files(render_examples())
    assert not stale, (
        f"the example messages in {FOLDER} differ from what the templates produce now: {', '.join(stale)}; "
        f"run `{COMMAND}` and review the changes"
    )


def test_every_notice_kind_has_an_example_a_digest_and_the_sms() -> None:
    names = set(render_examples())
    assert {f"{kind.value}.md" for kind in NoticeKind} | {"digest.md", "sms.md"} <= names


def test_the_examples_do_not_depend_on_the_clock() -> None:
    before = render_examples()
    clock.set_now(clock.parse_instant("2031-02-03T04:05:06+07:00"))  # conftest puts the system clock back
    assert render_examples() == before  # fixed data and dates, no "today"
