"""The scheduled sweep: overdue marks, reminders before the limit, escalation up the tree, lapsed
ratings, and intakes whose job never ran."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.org.models import Unit

from .. import deadlines, notify, stats
from ..models import (
    OPEN_STATES,
    Appeal,
    AppealEvent,
    AppealSignature,
    State,
)
from .base import Action, _event, _locked, _save
from .intake import appeal_intake_finish
from .steps import REMIND_BEFORE, appeal_lapse

INTAKE_GRACE = dt.timedelta(minutes=5)
"""An intake's job runs within seconds; one not done after this is taken as lost."""
INTAKE_LOOKBACK = dt.timedelta(days=7)
"""How far back (by receipt) the sweep looks for intakes whose job never ran: the job queue keeps
its tasks while the job worker is down, so only tasks lost on the way (the queue unreachable at
commit, a worker killed mid-task) are left, and those are found at the next sweep."""
INTAKE_BATCH = 500


def _overdue_limit(appeal: Appeal, now: dt.datetime) -> dt.datetime | None:
    """The limit an open, running appeal has passed, if any."""
    if appeal.state not in OPEN_STATES or appeal.paused_at:
        return None
    if appeal.state == State.SUBMITTED and appeal.accept_due < now:
        return appeal.accept_due
    if appeal.answer_due < now:
        return appeal.answer_due
    return None


@transaction.atomic
def appeal_mark_overdue(*, appeal: Appeal, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    appeal = _locked(appeal)
    limit = _overdue_limit(appeal, now)
    if appeal.overdue or limit is None:
        return False
    appeal.overdue = True
    _save(appeal, "overdue")
    which = "accept" if limit == appeal.accept_due and appeal.state == State.SUBMITTED else "answer"
    _event(
        appeal,
        Action.OVERDUE,
        from_state=appeal.state,
        visible=False,
        data={"limit": which, "due": limit.isoformat()},
    )
    notify.appeal_overdue(appeal)
    return True


def _grace() -> int:
    return max(settings.LIANXIN_APPEAL_ESCALATION_GRACE_DAYS, 1)


def escalation_due(limit: dt.datetime, level: int) -> dt.datetime:
    """When an appeal past `limit`, escalated `level` times so far, goes one level further up: at
    the end of the grace period's last working day (grace = LIANXIN_APPEAL_ESCALATION_GRACE_DAYS
    working days, counted again for each further level)."""
    return deadlines.end_of_day(deadlines.add_working_days(timezone.localdate(limit), _grace() * (level + 1)))


def _escalation_pending(appeal: Appeal, now: dt.datetime) -> Unit | None:
    """The unit an overdue appeal is now due to be escalated to, if any (never above the top)."""
    limit = _overdue_limit(appeal, now)
    if limit is None or now <= escalation_due(limit, appeal.escalation_level):
        return None
    current = appeal.escalated_unit or appeal.handling_unit
    if current.depth <= 1:
        return None
    return Unit.objects.get(path=current.path[: -Unit.steplen])


@transaction.atomic
def appeal_escalate(*, appeal: Appeal, now: dt.datetime | None = None) -> bool:
    """One level up once every `LIANXIN_APPEAL_ESCALATION_GRACE_DAYS` working days past the limit;
    the parent unit's cadres and supervisors are told."""
    now = now or timezone.now()
    appeal = _locked(appeal)
    parent = _escalation_pending(appeal, now)
    if parent is None:
        return False
    limit = _overdue_limit(appeal, now)
    appeal.escalation_level += 1
    appeal.escalated_unit = parent
    _save(appeal, "escalation_level", "escalated_unit")
    _event(
        appeal,
        Action.ESCALATED,
        from_state=appeal.state,
        visible=False,
        note=parent.name,
        data={
            "unit": parent.pk,
            "level": appeal.escalation_level,
            "working_days_late": deadlines.working_days_late(limit, now),
        },
    )
    notify.appeal_escalated(appeal, parent)
    return True


def _reminder_pending(appeal: Appeal, now: dt.datetime) -> bool:
    return (
        appeal.state in (State.ACCEPTED, State.DELIBERATING, State.IN_PROGRESS)
        and appeal.paused_at is None
        and now < appeal.answer_due <= now + REMIND_BEFORE
    )


@transaction.atomic
def appeal_remind_due(*, appeal: Appeal, now: dt.datetime | None = None) -> bool:
    """Remind the handlers, once per limit, that the answer is due within a day."""
    now = now or timezone.now()
    appeal = _locked(appeal)
    due = appeal.answer_due.isoformat()
    if (
        not _reminder_pending(appeal, now)
        or appeal.events.filter(action=Action.REMINDED, actor__isnull=True, data__due=due).exists()
    ):
        return False
    _event(appeal, Action.REMINDED, from_state=appeal.state, visible=False, data={"auto": True, "due": due})
    notify.appeal_to_handlers(
        appeal,
        _("诉求即将到期(%(due)s)")
        % {"due": timezone.localtime(appeal.answer_due).strftime("%Y-%m-%d %H:%M")},
    )
    return True


def unfinished_intakes(now: dt.datetime):
    """Appeals received in the last week, committed more than a few minutes ago, whose intake job
    has not run (no duplicate signature yet): oldest first."""
    return (
        Appeal.objects.filter(received_at__gte=now - INTAKE_LOOKBACK, created_at__lte=now - INTAKE_GRACE)
        .exclude(Exists(AppealSignature.objects.filter(appeal_id=OuterRef("pk"))))
        .order_by("pk")
    )


def appeals_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Finish lost intakes, mark overdue, escalate, remind of limits due within a day, close lapsed
    ratings.

    Safe to run at any time, on any node, twice: each step re-checks under a row lock and writes
    its event once. Rows are looked at unlocked first, so only those with something to do are locked.
    """
    now = now or timezone.now()
    counts = {"intakes": 0, "overdue": 0, "escalated": 0, "reminded": 0, "lapsed": 0}
    for appeal_id in unfinished_intakes(now).values_list("pk", flat=True)[:INTAKE_BATCH]:
        counts["intakes"] += appeal_intake_finish(appeal_id=appeal_id)
    running = Appeal.objects.filter(state__in=OPEN_STATES, paused_at__isnull=True).select_related(
        "handling_unit", "escalated_unit"
    )
    late_q = Q(state=State.SUBMITTED, accept_due__lt=now) | Q(answer_due__lt=now)
    for appeal in running.filter(late_q).order_by("pk").iterator(chunk_size=500):
        if not appeal.overdue:
            counts["overdue"] += appeal_mark_overdue(appeal=appeal, now=now)
        if _escalation_pending(appeal, now) is not None:
            while appeal_escalate(appeal=appeal, now=now):
                counts["escalated"] += 1
    soon = running.filter(answer_due__gt=now, answer_due__lte=now + REMIND_BEFORE).exclude(
        state=State.SUBMITTED
    )
    already = set(
        AppealEvent.objects.filter(action=Action.REMINDED, actor__isnull=True, appeal__in=soon).values_list(
            "appeal_id", "data__due"
        )
    )
    for appeal in soon.order_by("pk").iterator(chunk_size=500):
        if (appeal.pk, appeal.answer_due.isoformat()) not in already:
            counts["reminded"] += appeal_remind_due(appeal=appeal, now=now)
    window = dt.timedelta(days=settings.LIANXIN_APPEAL_RATING_DAYS)
    for appeal in (
        Appeal.objects.filter(state=State.ANSWERED, answered_at__lt=now - window)
        .only("pk")
        .order_by("pk")
        .iterator(chunk_size=500)
    ):
        counts["lapsed"] += appeal_lapse(appeal=appeal, now=now) is not None
    stats.refresh()  # the rates' daily rollup: recompute the days the events since the last sweep touched
    return counts
