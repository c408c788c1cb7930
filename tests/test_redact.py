"""Secrets in Apprise and database URLs are hidden before anything is shown or logged."""

from __future__ import annotations

import pytest

from notifications.redact import redact, redact_url


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("mailtos://bantochuc:MatKhau123@smtp.example.vn?to=a@b.vn", "MatKhau123"),
        ("tgram://123456789:AAHsecretTokenValue/987654", "AAHsecretTokenValue"),
        ("json://user:pw9876@hooks.example.vn/path/abc", "pw9876"),
        ("postgresql+psycopg://kd:Hunter2@db:5432/kiemdiem", "Hunter2"),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "TIiajkdnlazkcOXrIdevi7FQ"),
    ],
)
def test_redact_url_hides_credentials_and_tokens(url: str, secret: str) -> None:
    shown = redact_url(url)
    assert secret not in shown
    assert shown.split("://")[0] == url.split("://")[0]


def test_redact_in_free_text() -> None:
    text = "failed to send to mailtos://u:S3cret@smtp.example.vn?to=x and https://api.example.vn/?token=abc123"
    shown = redact(text)
    assert "S3cret" not in shown and "abc123" not in shown
    assert "smtp.example.vn" in shown and "api.example.vn" in shown
