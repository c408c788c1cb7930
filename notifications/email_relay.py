"""Email through Apprise's own mailto:// plugin, on SMTP connections kept open between messages.

Apprise's email plugin opens a connection (and builds a TLS context, loading the system's certificates, even for a
plain connection) for every message, then quits: most of the time of a morning's email went there. Here the URL is
parsed and the message built by Apprise exactly as before (same plugin, same Markdown to HTML, same headers, same
`prepare_emails`); only the transport differs: one connection per relay (host, port, security, login) and thread,
reused while it answers, and one TLS context per process.

At most once: a message is given to the server once. A kept connection idle for a while is checked (`NOOP`) before
it carries a message, and replaced if it does not answer: nothing was sent on it yet. A connection that fails while
a message is on it is closed and the message reported as failed (as Apprise does), never sent again here.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import threading
import time
from typing import Any

from apprise import NotifyType
from apprise.plugins.email import AppriseEmailException, NotifyEmail, SecureMailMode

# A kept connection idle longer than this is asked NOOP before use (servers drop idle clients after minutes).
CHECK_AFTER_IDLE = 2.0
# ... and one idle longer than this is closed rather than checked.
DROP_AFTER_IDLE = 60.0

_contexts: dict[bool, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def tls_context(verify: bool) -> ssl.SSLContext:
    """One TLS context per process (and per verification choice), as Apprise builds it for each message."""
    with _contexts_lock:
        if verify not in _contexts:
            context = ssl.create_default_context()
            if not verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            _contexts[verify] = context
        return _contexts[verify]


Relay = tuple[str, int, str, str, str, bool]


class ConnectionPool:
    """Open SMTP connections by relay, each used by one thread at a time; at most `keep` idle ones per relay."""

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self._idle: dict[Relay, list[tuple[smtplib.SMTP, float]]] = {}
        self._lock = threading.Lock()

    def checkout(self, relay: Relay) -> tuple[smtplib.SMTP, float] | None:
        """An idle connection to `relay` and how long it has been idle, or None."""
        with self._lock:
            idle = self._idle.get(relay)
            found = idle.pop() if idle else None
        if found is None:
            return None
        connection, since = found
        return connection, time.monotonic() - since

    def checkin(self, relay: Relay, connection: smtplib.SMTP) -> None:
        with self._lock:
            idle = self._idle.setdefault(relay, [])
            if len(idle) < self.keep:
                idle.append((connection, time.monotonic()))
                return
        quit_quietly(connection)

    def close(self) -> None:
        """Quit every idle connection (the end of a delivery)."""
        with self._lock:
            idle = [connection for kept in self._idle.values() for connection, _ in kept]
            self._idle.clear()
        for connection in idle:
            quit_quietly(connection)


def quit_quietly(connection: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError, smtplib.SMTPException, RuntimeError):
        connection.quit()
    with contextlib.suppress(OSError):
        connection.close()


class KeptEmail(NotifyEmail):  # type: ignore[no-untyped-call]  # Apprise is untyped
    """Apprise's email plugin whose `send` takes its connection from a pool instead of opening one."""

    pool: ConnectionPool

    def relay(self) -> Relay:
        return (
            str(self.smtp_host),
            int(self.port or 0),
            str(self.secure_mode),
            str(self.user or ""),
            str(self.password or ""),
            bool(self.verify_certificate),
        )

    def connect(self) -> smtplib.SMTP:
        """What Apprise does for each message: connect, STARTTLS or SSL, log in."""
        context = tls_context(bool(self.verify_certificate))
        port = int(self.port or 0)
        connection: smtplib.SMTP
        if self.secure_mode == SecureMailMode.SSL:
            connection = smtplib.SMTP_SSL(
                self.smtp_host, port, None, timeout=self.socket_connect_timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self.smtp_host, port, None, timeout=self.socket_connect_timeout)
        try:
            if self.secure_mode == SecureMailMode.STARTTLS:
                connection.starttls(context=context)
            if self.user and self.password:
                connection.login(self.user, self.password)
        except BaseException:
            quit_quietly(connection)
            raise
        return connection

    def ready_connection(self) -> smtplib.SMTP:
        """A kept connection that answers, else a new one. Nothing has been sent on it for this message yet."""
        while (kept := self.pool.checkout(self.relay())) is not None:
            connection, idle = kept
            if idle < CHECK_AFTER_IDLE:
                return connection
            if idle < DROP_AFTER_IDLE:
                try:
                    if connection.noop()[0] == 250:
                        return connection
                except (OSError, smtplib.SMTPException):
                    pass
            quit_quietly(connection)
        return self.connect()

    def send(
        self, body: str, title: str = "", notify_type: NotifyType = NotifyType.INFO, attach: Any = None, **kwargs: Any
    ) -> bool:
        if not self.targets:
            self.logger.warning("There are no Email recipients to notify")
            return False
        self.throttle()  # type: ignore[no-untyped-call]
        connection: smtplib.SMTP | None = None
        usable = True
        has_error = False
        try:
            connection = self.ready_connection()
            headers = {"X-Application": self.app_id, **self.headers}
            for message in NotifyEmail.prepare_emails(
                subject=title,
                body=body,
                notify_format=self.notify_format,
                from_addr=self.from_addr,
                to=self.targets,
                cc=self.cc,
                bcc=self.bcc,
                reply_to=self.reply_to,
                smtp_host=self.smtp_host,
                attach=attach,
                headers=headers,
                names=self.names,
                pgp=self.pgp,
                pgp_mode=self.pgp_mode,
                inline=self.inline,
                tzinfo=self.tzinfo,
            ):
                try:
                    connection.sendmail(str(self.from_addr[1]), message.to_addrs, message.body)
                    self.logger.info("Sent Email to %s", message.recipient)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
                    # refused by the server, which still talks to us (smtplib has reset the transaction)
                    self.logger.warning('Sending email to "%s" failed: %s', message.recipient, _reply(error))
                    has_error = True
                except (OSError, smtplib.SMTPException, RuntimeError) as error:
                    self.logger.warning('Sending email to "%s" failed: %s', message.recipient, _reply(error))
                    usable, has_error = False, True
                    break
        except (OSError, smtplib.SMTPException, RuntimeError) as error:
            self.logger.warning('Connection error while submitting email to "%s": %s', self.smtp_host, _reply(error))
            usable, has_error = False, True
        except AppriseEmailException as error:
            self.logger.warning("Email not prepared: %s", error)
            has_error = True
        finally:
            if connection is not None:
                if usable:
                    self.pool.checkin(self.relay(), connection)
                else:
                    quit_quietly(connection)
        self.pgp.prune()  # type: ignore[no-untyped-call]
        return not has_error


def _reply(error: BaseException) -> str:
    """What the server said (or the socket error), without the message or the login."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {_text(reply)}" for code, reply in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def kept(plugin: Any, pool: ConnectionPool) -> Any:
    """The plugin Apprise made for a URL, sending on `pool`'s connections if it is an email plugin."""
    if type(plugin) is NotifyEmail:
        plugin.__class__ = KeptEmail
        plugin.pool = pool  # type: ignore[attr-defined]
    return plugin
