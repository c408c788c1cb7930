"""The installation's secret key, for signing what leaves kiemdiem and comes back (offline forms; later the
dashboard's cookies).

`KIEMDIEM_SECRET_KEY` (Settings.secret_key) when it is set (several machines sharing one database share it);
otherwise a random key kept in `KIEMDIEM_HOME/secret.key`, created on first use readable by its owner only (0600).
Each use gets a key of its own derived from it (`derive(home, "offline-form")`), so a signature made for one purpose
is worth nothing for another. The key itself is never returned as text, printed, logged or put in a message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

ENV = "KIEMDIEM_SECRET_KEY"
FILE_NAME = "secret.key"
MIN_LENGTH = 32
PLACEHOLDERS = ("changethis", "changeme", "secret", "password", "example", "kiemdiem")


class SecretKeyError(RuntimeError):
    """The installation's key cannot be used; the message says why and how to fix it, never the key."""


def derive(home: Path, purpose: str, configured: str | None = None) -> bytes:
    """A key for one purpose, derived from the installation's key: `configured` (Settings.secret_key, from
    KIEMDIEM_SECRET_KEY) when it is set, else the key file under `home`."""
    return hmac.new(_installation_key(home, configured), f"kiemdiem:{purpose}".encode(), hashlib.sha256).digest()


def sign(key: bytes, parts: Sequence[str]) -> str:
    """An HMAC-SHA256 over `parts`, encoded so that no two different lists of parts share a message."""
    message = json.dumps(list(parts), ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verify(key: bytes, parts: Sequence[str], signature: str) -> bool:
    return hmac.compare_digest(sign(key, parts).encode(), signature.encode("utf-8", "replace"))


def _installation_key(home: Path, configured: str | None) -> bytes:
    if configured is not None:
        return _checked_env(configured)
    path = home / FILE_NAME
    if not path.exists():
        _create(path)
    return _read(path)


def _checked_env(value: str) -> bytes:
    text = value.strip()
    if len(text) < MIN_LENGTH or any(word in text.lower() for word in PLACEHOLDERS) or len(set(text)) < 8:
        raise SecretKeyError(
            f"{ENV} quá ngắn hoặc là giá trị mẫu: cần ít nhất {MIN_LENGTH} ký tự ngẫu nhiên "
            f"(ví dụ: python -c 'import secrets; print(secrets.token_hex(32))') / "
            f"{ENV} is too short or a placeholder: use at least {MIN_LENGTH} random characters "
            f"(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return text.encode()


def _create(path: Path) -> None:
    """Write a fresh key under a temporary name, then link it into place: two processes starting at once end up
    with the same key, and no one ever reads a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, (secrets.token_hex(32) + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path) -> bytes:
    mode = path.stat().st_mode
    if os.name == "posix" and mode & 0o077:
        raise SecretKeyError(
            f"tệp khóa bí mật {path} có thể bị người khác đọc (quyền {mode & 0o777:o}): chạy chmod 600 {path} "
            f"/ the secret key file {path} can be read by others (mode {mode & 0o777:o}): run chmod 600 {path}"
        )
    key = path.read_bytes().strip()
    if len(key) < MIN_LENGTH:
        raise SecretKeyError(
            f"tệp khóa bí mật {path} bị hỏng (quá ngắn): xóa tệp để tạo khóa mới (các biểu mẫu đã phát sẽ phải "
            f"tải lại) / the secret key file {path} is damaged (too short): delete it to make a new key (forms "
            "already handed out will have to be downloaded again)"
        )
    return key
