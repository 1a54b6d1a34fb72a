"""Notifications: in-app rows, email through Django's mail backends, SMS through a sender interface.

`notify` is called inside the transaction of the change it announces. The in-app row commits with
the change; email and SMS go out from `transaction.on_commit`, never before, so a rolled-back change
tells no one anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

from .models import Notification

logger = logging.getLogger("lianxin.notifications")


class SmsSender:
    """Sends one text message. Deployments plug in their gateway with LIANXIN_SMS_SENDER."""

    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsSender(SmsSender):
    """Writes messages to the log (the demo and development)."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class MemorySmsSender(SmsSender):
    """Keeps messages in a list (tests read it)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def sms_sender() -> SmsSender:
    return import_string(settings.LIANXIN_SMS_SENDER)()


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    url: str = ""
    target: str = ""
    sms: bool = False


def notify(users, message: Message) -> list[Notification]:
    """Tell each user (in-app now; email and SMS after commit). Users without a login are skipped."""
    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    rows = Notification.objects.bulk_create(
        Notification(
            user=user, title=message.title, body=message.body, url=message.url, target=message.target
        )
        for user in recipients.values()
    )
    emails = [user.email for user in recipients.values() if user.email]
    phones = [user.phone for user in recipients.values() if message.sms and user.phone]
    if emails or phones:
        transaction.on_commit(lambda: _deliver(message, emails, phones))
    return rows


def _deliver(message: Message, emails: list[str], phones: list[str]) -> None:
    link = f"{settings.LIANXIN_SITE_URL}{message.url}" if message.url else ""
    body = "\n\n".join(part for part in (message.body, link) if part)
    for email in emails:
        try:
            send_mail(message.title, body, None, [email])
        except Exception:  # a mail server down must not undo the change it announces
            logger.exception("mail to %s failed", email)
    if phones:
        sender = sms_sender()
        for phone in phones:
            try:
                sender.send(phone, f"【连心桥】{message.title}")
            except Exception:
                logger.exception("SMS to %s failed", phone)


def notification_mark_read(*, user, ids: list[int] | None = None) -> int:
    from django.utils import timezone

    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())
