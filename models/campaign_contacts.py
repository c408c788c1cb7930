"""Contacts: Apprise URLs (in a campaign config, in a tree file), checked by Apprise's own parser and never quoted
back, since they carry passwords and tokens (a refused one is shown redacted)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from models.errors import Problem

UrlCheck = Callable[[str], bool]


def apprise_accepts(contact: str) -> bool:
    """Apprise's own parser (it does no network I/O): a known scheme with the parts it needs. A contact may carry
    tags (`secretary=mailto://…`). Apprise logs what it cannot parse, URL and all: not from this thread."""
    import apprise

    import notifications.zalo  # noqa: F401  (registers zalo://)
    from notifications.contacts import split_contact
    from notifications.redact import remember_secrets

    _tags, url = split_contact(contact)
    remember_secrets(url)
    with _apprise_silenced():
        return apprise.Apprise.instantiate(url) is not None


def check_contacts(contacts: list[str], where: str, url_ok: UrlCheck) -> list[Problem]:
    """Each contact an Apprise URL; a refused one is shown redacted (scheme and host at most), never as written."""
    problems = []
    for position, contact in enumerate(contacts):
        if _url_form(contact) and url_ok(contact):
            continue
        problems.append(
            Problem(
                rule="invalid_contact",
                field=f"{where}[{position}]",
                vi=f"không phải URL Apprise hợp lệ (kênh://…, ví dụ mailtos://tên:mật-khẩu@máy-chủ); "
                f"địa chỉ đã che: {_redacted(contact)}",
                en=f"not a valid Apprise URL (scheme://…, e.g. mailtos://user:password@host); "
                f"shown redacted: {_redacted(contact)}",
            )
        )
    return problems


_URL_FORM = re.compile(r"^(?:[A-Za-z0-9_,-]+=)?[A-Za-z][A-Za-z0-9+.-]{0,31}://\S+$")


def _url_form(contact: str) -> bool:
    return contact.isprintable() and _URL_FORM.match(contact) is not None


def _redacted(contact: str) -> str:
    from notifications.contacts import split_contact
    from notifications.redact import redact_url

    _tags, url = split_contact(contact)
    return redact_url(url) if _url_form(url) else "***"


class _Silenced(logging.Filter):
    """Drops the records of threads checking contacts; other threads' records pass."""

    def __init__(self) -> None:
        super().__init__()
        self.here = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(self.here, "on", False)


_SILENCED = _Silenced()


@contextmanager
def _apprise_silenced() -> Iterator[None]:
    logger = logging.getLogger("apprise")
    if _SILENCED not in logger.filters:
        logger.addFilter(_SILENCED)
    _SILENCED.here.on = True
    try:
        yield
    finally:
        _SILENCED.here.on = False
