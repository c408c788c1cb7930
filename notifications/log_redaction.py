"""Every log record of the process (ours, Apprise's, SQLAlchemy's) has its URLs redacted when it is created, so
no handler anywhere can write a password or token from an Apprise or database URL."""

from __future__ import annotations

import logging
from typing import Any

from notifications.redact import redact

_installed: list[bool] = []


def install() -> None:
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem to report, not ours
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed.append(True)
