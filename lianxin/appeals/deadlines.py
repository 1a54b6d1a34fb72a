"""Time limits of appeals, read from `DeadlineRule` rows and counted on the Chinese calendar.

A limit of n working days ends at the close (23:59:59, Asia/Shanghai) of the n-th working day after
the appeal was received; an hours limit (urgent flags) counts clock hours on any day. While the
union waits on the worker for more information the clock stops: on resumption every running limit
moves on by the working days (or, for an hours limit, the time) spent waiting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from lianxin.core.workdays import add_working_days, working_days_between

from . import reference
from .models import URGENT_FLAGS, DeadlineRule

DEFAULT_RULE = DeadlineRule(accept_working_days=1, answer_working_days=5, extended_working_days=15)


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)), timezone.get_current_timezone())


def rule_for(
    *, category_id: int | None, kind: str, flags: list[str], rules: Iterable[DeadlineRule] | None = None
) -> DeadlineRule:
    """The most specific rule: an urgent flag's, then category+kind, category, kind, the default.

    `rules` defaults to the process's copy of the `DeadlineRule` rows (`reference.current()`)."""
    if rules is None:
        rules = reference.current().rules
    by_key = {(rule.category_id, rule.kind, rule.flag): rule for rule in rules}
    for flag in URGENT_FLAGS:
        if flag in flags and (None, "", flag) in by_key:
            return by_key[(None, "", flag)]
    for key in ((category_id, kind, ""), (category_id, "", ""), (None, kind, ""), (None, "", "")):
        if key in by_key:
            return by_key[key]
    return DEFAULT_RULE


def accept_due(received_at: dt.datetime, rule: DeadlineRule, *, years: dict | None = None) -> dt.datetime:
    """`years`: a dict shared by the limits counted together, so the calendar is read once."""
    if rule.accept_hours:
        return received_at + dt.timedelta(hours=rule.accept_hours)
    return end_of_day(
        add_working_days(timezone.localdate(received_at), rule.accept_working_days, years=years)
    )


def answer_due(
    received_at: dt.datetime, rule: DeadlineRule, *, extended: bool = False, years: dict | None = None
) -> dt.datetime:
    days = rule.extended_working_days if extended else rule.answer_working_days
    return end_of_day(add_working_days(timezone.localdate(received_at), days, years=years))


def limits(
    received_at: dt.datetime, rule: DeadlineRule, *, years: dict | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """(accept_due, answer_due) of an appeal received at `received_at`, the calendar read once
    (or not at all when `years` holds it: `reference.current().calendar`)."""
    years = {} if years is None else years
    return accept_due(received_at, rule, years=years), answer_due(received_at, rule, years=years)


def moved_for_pause(
    due: dt.datetime, *, paused_at: dt.datetime, resumed_at: dt.datetime, hours: bool
) -> dt.datetime:
    """A limit moved on by the time spent waiting on the worker."""
    if hours:
        return due + (resumed_at - paused_at)
    waited = working_days_between(paused_at, resumed_at)
    if waited <= 0:
        return due
    return end_of_day(add_working_days(timezone.localdate(due), waited))


def working_days_late(due: dt.datetime, now: dt.datetime) -> int:
    """Whole working days elapsed since a limit passed (0 on the day it passed)."""
    if now <= due:
        return 0
    return working_days_between(due, now)
