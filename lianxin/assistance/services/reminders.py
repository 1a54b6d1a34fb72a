"""Reminders the daily job sends (tasks.py): yearly reviews of hardship files falling due, and paid
aid still waiting for its follow-up visit (跟踪问效).

Each reminder is one in-app notification (email and SMS follow after commit, as `notify` does),
remembered by its `target`, so the job may run any number of times a day and tells no one twice:

- review: `assistance.file:<pk>:review:<due date>`, from 14 days before the due date (or at once
  when it has passed), to the cadres who record assistance on the file's unit, or else on the
  nearest unit above it where someone does. A review sets a new due date, which reminds again.
- follow-up: `assistance.application:<pk>:follow_up`, once the follow-up is due (its date reached)
  and not recorded, to the cadre who recorded the aid.

Names in reminders are masked (王*工): a notification may travel by email or SMS.
Reads are batched (a chunk of files costs the same few queries whatever its size); each reminder
is one insert, since `notify` takes one message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.capabilities import ASSISTANCE_RECORD
from lianxin.core.models import Notification, RoleAssignment
from lianxin.core.notifications import Message, notify
from lianxin.core.text import mask_name
from lianxin.org.models import Unit

from ..models import Application, FileStatus, HardshipFile
from ..selectors.pairing import follow_ups_missing

REVIEW_REMIND_DAYS = 14
"""A review is announced this many days before its date (and at once if it has passed)."""

CHUNK = 500


def review_target(file_id: int, due: dt.date) -> str:
    return f"assistance.file:{file_id}:review:{due.isoformat()}"


def follow_up_target(application_id: int) -> str:
    return f"assistance.application:{application_id}:follow_up"


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the pages are mounted by another module
        return ""


def _chunks(rows: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _already_sent(targets: Iterable[str]) -> set[str]:
    return set(Notification.objects.filter(target__in=list(targets)).values_list("target", flat=True))


def recorders_by_unit(units: Iterable[Unit], capability: str = ASSISTANCE_RECORD) -> dict[int, list]:
    """For each unit, the active users holding `capability` through a role on it, or else on the
    nearest unit above it where someone does (as `services.applications.holders`, for many units
    in one query)."""
    units = {unit.pk: unit for unit in units}
    step = Unit.steplen
    paths = {unit.path[:end] for unit in units.values() for end in range(step, len(unit.path) + 1, step)}
    rows = RoleAssignment.objects.filter(
        unit__path__in=paths, unit__is_active=True, user__is_active=True
    ).select_related("user", "role", "unit")
    by_path: dict[str, dict] = {}
    for row in rows:
        if capability in (row.role.capabilities or []):
            by_path.setdefault(row.unit.path, {})[row.user_id] = row.user
    found: dict[int, list] = {}
    for pk, unit in units.items():
        ancestors = [unit.path[:end] for end in range(len(unit.path), 0, -step)]
        nearest = next((path for path in ancestors if path in by_path), None)
        found[pk] = list(by_path[nearest].values()) if nearest else []
    return found


# --- yearly reviews ----------------------------------------------------------------------------------


def files_review_due(*, on: dt.date, within_days: int = REVIEW_REMIND_DAYS):
    """Active files whose review falls due within `within_days` of `on`, or is overdue (the job's
    read: every unit, no user)."""
    return (
        HardshipFile.objects.filter(
            status=FileStatus.ACTIVE, next_review_on__lte=on + dt.timedelta(days=within_days)
        )
        .select_related("member", "unit")
        .order_by("next_review_on", "pk")
    )


def _review_message(file: HardshipFile, on: dt.date) -> Message:
    values = {
        "name": mask_name(file.member.name),
        "number": file.number,
        "date": file.next_review_on.isoformat(),
    }
    if file.next_review_on < on:
        title = _("困难档案复核已逾期:%(name)s 一户(%(number)s)") % values
        body = _("应于 %(date)s 完成年度复核。请尽快入户核实家庭情况,在档案中登记复核。") % values
    else:
        title = _("困难档案即将到期复核:%(name)s 一户(%(number)s)") % values
        body = _("请在 %(date)s 前完成年度复核:入户核实家庭情况,在档案中登记复核。") % values
    return Message(
        title=title,
        body=body,
        url=_url("assistance:file_detail", file.pk),
        target=review_target(file.pk, file.next_review_on),
    )


def review_reminders_send(*, on: dt.date | None = None) -> int:
    """Remind the recording cadres of each file whose review falls due; returns the files reminded."""
    on = on or timezone.localdate()
    sent = 0
    for chunk in _chunks(list(files_review_due(on=on))):
        with transaction.atomic():
            done = _already_sent(review_target(file.pk, file.next_review_on) for file in chunk)
            fresh = [file for file in chunk if review_target(file.pk, file.next_review_on) not in done]
            recipients = recorders_by_unit(file.unit for file in fresh)
            for file in fresh:
                if notify(recipients[file.unit_id], _review_message(file, on)):
                    sent += 1
    return sent


# --- follow-ups after aid ----------------------------------------------------------------------------


def _follow_up_message(application: Application, on: dt.date) -> Message:
    values = {
        "number": application.number,
        "name": mask_name(application.member.name),
        "programme": application.programme.name,
        "paid": application.paid_on.isoformat() if application.paid_on else "",
        "due": application.follow_up_due.isoformat(),
    }
    if application.follow_up_due < on:
        title = _("帮扶回访已逾期:%(number)s(%(name)s)") % values
    else:
        title = _("帮扶今天到期回访:%(number)s(%(name)s)") % values
    body = _("%(programme)s 于 %(paid)s 发放,回访期限 %(due)s。请入户回访,登记帮扶是否到位和效果。") % values
    return Message(
        title=title,
        body=body,
        url=_url("assistance:follow_up_new", application.pk),
        target=follow_up_target(application.pk),
    )


def follow_up_reminders_send(*, on: dt.date | None = None) -> int:
    """Remind the recorder of each paid aid whose follow-up is due and missing; returns how many."""
    on = on or timezone.localdate()
    sent = 0
    for chunk in _chunks(list(follow_ups_missing(on=on))):
        with transaction.atomic():
            done = _already_sent(follow_up_target(application.pk) for application in chunk)
            for application in chunk:
                if follow_up_target(application.pk) in done:
                    continue
                if notify([application.recorded_by], _follow_up_message(application, on)):
                    sent += 1
    return sent


def reminders_send(*, on: dt.date | None = None) -> dict[str, int]:
    """The daily job: review reminders and follow-up reminders. Safe to run again the same day."""
    on = on or timezone.localdate()
    return {
        "reviews": review_reminders_send(on=on),
        "follow_ups": follow_up_reminders_send(on=on),
    }


__all__ = [
    "REVIEW_REMIND_DAYS",
    "files_review_due",
    "follow_up_reminders_send",
    "follow_up_target",
    "recorders_by_unit",
    "reminders_send",
    "review_reminders_send",
    "review_target",
]
