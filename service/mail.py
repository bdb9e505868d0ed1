"""E-mail: the ambassadors' daily digest, sent with the standard library's smtplib.

Texts come from the French and English catalogues through the standard library's gettext (the
worker has no Flask app): the same msgids as the pages.
"""

from __future__ import annotations

import gettext
import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path

from config.settings import Settings
from regions import digests
from regions.db import SessionFactory, UnitOfWork

log = logging.getLogger("relais.mail")
TRANSLATIONS = Path(__file__).parent / "translations"


@lru_cache(maxsize=4)
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation("messages", TRANSLATIONS, languages=[language], fallback=True)


def send(settings: Settings, message: EmailMessage) -> None:
    """Send one message through the configured SMTP server."""
    if not settings.smtp_host:
        raise RuntimeError("RELAIS_SMTP_HOST is not set: no e-mail can be sent")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


def digest_message(settings: Settings, digest: digests.Digest, page_url: str) -> EmailMessage:
    """The digest e-mail, in the ambassador's language."""
    _ = _catalogue(digest.language if digest.language in ("fr", "en") else "fr").gettext
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = digest.email
    message["Subject"] = _("New kits to share") + f" ({len(digest.kits)})"
    lines = [_("Hello %(name)s,") % {"name": digest.display_name}, "",
             _("New kits are waiting for you:"), ""]
    lines += [f"• {title}" for title, _ends in digest.kits]
    lines += ["", _("Choose a text and share it: %(url)s") % {"url": page_url}, "",
              _("You receive at most one e-mail a day; stop them on your page.")]
    message.set_content("\n".join(lines))
    return message


def send_due_digests(session_factory: SessionFactory, settings: Settings, *,
                     now: datetime) -> int:
    """Send every due digest; one that fails is tried again next round. Returns how many."""
    base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    with UnitOfWork(session_factory) as uow:
        due = digests.due_digests(uow.session, now=now)
    sent = 0
    for digest in due:
        try:
            send(settings, digest_message(settings, digest, f"{base}/ambassador"))
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("digest to user %s not sent: %s", digest.user_id, type(exc).__name__)
            continue
        with UnitOfWork(session_factory) as uow:
            digests.mark_sent(uow, digest.user_id, now=now)
            uow.commit()
        sent += 1
    return sent
