"""E-mail over SMTP (aiosmtplib): a multipart/alternative message, plain text + HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
from pydantic import SecretStr

from escalations_notifier.channels.base import REDELIVERY_HEADER, DeliveryError, Message
from escalations_notifier.templates import Templates


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to submit mail."""

    host: str
    port: int
    starttls: bool
    username: str | None
    password: SecretStr | None
    sender: str
    timeout: float
    ca_file: str | None = None


# What a Message-ID's left part keeps of a recipient id: stakeholder ids such as
# ``source:<name>`` carry a colon, which would end the header's value (docs/notifications.md).
_NOT_ATEXT = re.compile(r"[^A-Za-z0-9._-]")


def _retryable(exc: aiosmtplib.SMTPException) -> bool:
    # RFC 5321 §4.2.1: 4yz replies are transient ("try again"), 5yz are permanent. No reply
    # at all (refused connection, dropped session, timeout) is transient too.
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(400 <= r.code < 500 for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return 400 <= exc.code < 500
    return isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPServerDisconnected
                      | aiosmtplib.SMTPTimeoutError)  # fmt: skip


def _describe(exc: aiosmtplib.SMTPException) -> str:
    # Only the class and the reply code: server text can echo the credentials we sent.
    code = getattr(exc, "code", None)
    return f"SMTP {type(exc).__name__}" + (f" {code}" if code else "")


class EmailChannel:
    """Submits each message to one SMTP server."""

    name = "email"

    def __init__(self, config: SmtpConfig, templates: Templates) -> None:
        self._config = config
        self._templates = templates

    def endpoint(self, message: Message) -> str:
        """Return the SMTP server."""
        return f"smtp://{self._config.host}:{self._config.port}"

    def compose(self, message: Message) -> EmailMessage:
        """Return the e-mail for a message."""
        parts = self._templates.render_email(message.template, message.body)
        mail = EmailMessage()
        mail["From"] = self._config.sender
        mail["To"] = message.address
        mail["Subject"] = parts.subject
        mail["Date"] = format_datetime(message.event_time)
        # Stable per delivery, so a resend after a crash threads as the same message.
        local = _NOT_ATEXT.sub("-", message.recipient)
        mail["Message-ID"] = f"<{message.event_id}.{local}@escalations.invalid>"
        mail["X-Escalation-Id"] = message.escalation_id
        mail["X-Escalation-Event-Id"] = message.event_id
        mail["Auto-Submitted"] = "auto-generated"
        if message.redelivery:
            mail[REDELIVERY_HEADER] = "1"
        mail.set_content(parts.text)
        mail.add_alternative(parts.html, subtype="html")
        return mail

    async def send(self, message: Message) -> None:
        """Submit the e-mail; classify SMTP failures by reply code."""
        config = self._config
        password = config.password.get_secret_value() if config.password else None
        try:
            await aiosmtplib.send(
                self.compose(message),
                hostname=config.host,
                port=config.port,
                start_tls=config.starttls,
                username=config.username,
                password=password,
                timeout=config.timeout,
                cert_bundle=config.ca_file,
            )
        except aiosmtplib.SMTPException as exc:
            raise DeliveryError(_describe(exc), retryable=_retryable(exc)) from None
        except OSError as exc:
            raise DeliveryError(f"SMTP unreachable: {type(exc).__name__}", retryable=True) from None
