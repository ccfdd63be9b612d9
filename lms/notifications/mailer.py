"""SMTP delivery with the standard library: one connection reused for a batch."""

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit


class MailError(Exception):
    """A message could not be handed to the mail server (the worker retries it)."""


def build_message(msg, sender: str, public_url: str) -> EmailMessage:
    """The MIME message of an outbox row: plain text and HTML parts, List-Unsubscribe if
    optional."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = msg.to_addr
    email["Subject"] = msg.subject
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = make_msgid(idstring=f"outbox{msg.id}",
                                     domain=urlsplit(public_url).hostname or "localhost")
    email["Auto-Submitted"] = "auto-generated"
    if msg.list_unsubscribe:
        email["List-Unsubscribe"] = msg.list_unsubscribe
    email.set_content(msg.body_text)
    email.add_alternative(msg.body_html, subtype="html")
    return email


class SmtpMailer:
    """Sends EmailMessages over one SMTP connection, opened on first use (`with` closes it)."""

    def __init__(self, config: dict):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        host, port, timeout = cfg["MAIL_SERVER"], cfg["MAIL_PORT"], cfg["MAIL_TIMEOUT"]
        context = ssl.create_default_context()
        if cfg["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls(context=context)
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        # SMTP is a dialogue of small writes: without this, delayed ACKs stall each message
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return smtp

    def send(self, email: EmailMessage) -> None:
        """Hand one message to the server; MailError says why not."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            refused = self._smtp.send_message(email)
        except smtplib.SMTPResponseException as exc:
            self._reset(quit_first=exc.smtp_code < 500)
            detail = exc.smtp_error.decode(errors="replace") if isinstance(
                exc.smtp_error, bytes) else str(exc.smtp_error)
            raise MailError(f"{exc.smtp_code} {detail}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset(quit_first=True)
            codes = "; ".join(f"{a}: {c} {m.decode(errors='replace')}"
                              for a, (c, m) in exc.recipients.items())
            raise MailError(f"recipient refused: {codes}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._reset(quit_first=False)
            raise MailError(f"{type(exc).__name__}: {exc}") from None
        if refused:
            raise MailError(f"recipient refused: {refused}")

    def _reset(self, quit_first: bool) -> None:
        """Drop the connection after an error; the next send opens a new one."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if quit_first:
                smtp.rset()
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def close(self) -> None:
        """Say goodbye to the server."""
        self._reset(quit_first=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
