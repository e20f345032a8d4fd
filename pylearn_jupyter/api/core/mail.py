"""Password-reset mail through SMTP (``smtp://``) or Resend's HTTP API (``resend://``).

Sending happens after the answer has gone out; a failure is logged as a sentence that
names neither the recipient nor the token and never changes what the client was told.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from .config import ConfigError

log = logging.getLogger("pylearn.api.mail")

RESEND_ENDPOINT = "https://api.resend.com/emails"
SUBJECT = "Reset your PyLearn password"


@dataclass(frozen=True)
class MailTransport:
    scheme: str
    host: str = ""
    port: int = 0
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    api_key: str = ""


def parse_mail_url(raw: str) -> MailTransport:
    """Parse ``smtp://[user:pass@]host:port[?starttls=1]`` or ``resend://API_KEY``."""
    parts = urlsplit(raw)
    if parts.scheme == "resend":
        api_key = unquote(parts.netloc + parts.path).strip("/")
        if not api_key:
            raise ConfigError(
                "PYLEARN_MAIL_URL=resend://… needs the API key: resend://re_xxxxxxxx."
            )
        return MailTransport(scheme="resend", api_key=api_key)
    if parts.scheme == "smtp":
        try:
            port = parts.port or 25
        except ValueError:
            port = -1
        if not parts.hostname or not 0 < port < 65536:
            raise ConfigError(
                "PYLEARN_MAIL_URL must look like smtp://[user:password@]host:port[?starttls=1]."
            )
        flag = parse_qs(parts.query).get("starttls", ["0"])[-1].lower()
        return MailTransport(
            scheme="smtp",
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=flag in ("1", "true", "yes"),
        )
    raise ConfigError(
        "PYLEARN_MAIL_URL must start with smtp:// or resend:// "
        "(for example smtp://localhost:25 or resend://re_xxxxxxxx)."
    )


def reset_mail_text(public_url: str, token: str) -> str:
    """The mail body: a link carrying the token, and the token alone on its own line."""
    link = f"{public_url}/pylearn/reset-password?token={token}"
    return (
        "Someone (hopefully you) asked to reset the password of your PyLearn account.\n\n"
        f"Open this link within one hour to choose a new password:\n{link}\n\n"
        "Or paste this reset code where PyLearn asks for it:\n"
        f"{token}\n\n"
        "The code works once. If you did not ask for this, ignore this mail: "
        "your password stays as it is.\n"
    )


class Mailer:
    """Sends reset mails with the configured transport (or not at all)."""

    def __init__(self, mail_url: str | None, sender: str, public_url: str) -> None:
        self.transport = parse_mail_url(mail_url) if mail_url else None
        self.sender = sender
        self.public_url = public_url

    @property
    def configured(self) -> bool:
        return self.transport is not None

    def send_reset(self, recipient: str, token: str) -> None:
        """Deliver one reset mail; blocking, so call it off the event loop."""
        if self.transport is None:
            return
        body = reset_mail_text(self.public_url, token)
        try:
            if self.transport.scheme == "smtp":
                self._send_smtp(recipient, body)
            else:
                self._send_resend(recipient, body)
        except Exception as exc:  # noqa: BLE001 - any failure is logged, never raised
            log.warning(
                "A password-reset mail could not be sent through %s (%s); the request was "
                "still answered 202.",
                self.transport.scheme,
                type(exc).__name__,
            )
        else:
            log.info("A password-reset mail was handed to %s.", self.transport.scheme)

    def _send_smtp(self, recipient: str, body: str) -> None:
        assert self.transport is not None
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = SUBJECT
        message.set_content(body)
        with smtplib.SMTP(self.transport.host, self.transport.port, timeout=15) as smtp:
            if self.transport.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.transport.username:
                smtp.login(self.transport.username, self.transport.password or "")
            smtp.send_message(message)

    def _send_resend(self, recipient: str, body: str) -> None:
        assert self.transport is not None
        response = httpx.post(
            RESEND_ENDPOINT,
            headers={"Authorization": f"Bearer {self.transport.api_key}"},
            json={"from": self.sender, "to": [recipient], "subject": SUBJECT, "text": body},
            timeout=15,
        )
        response.raise_for_status()
