"""Reads on appeals, each taking the user who asks and applying scope once.

An appeal is in a user's scope when the unit where it arose lies in a subtree where the user holds
`appeals.view`. Handling units are always that unit or one above it (escalation and reopening go
up), so the cadres of the handling unit see it too. Department handlers see only what was referred
to their department (`referral_list`). Workers see their own appeals (`appeal_mine`), or one appeal
by its follow-up code (`appeal_track`).
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce

import jieba.analyse
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from lianxin.core.capabilities import APPEALS_HANDLE, APPEALS_RECORD, APPEALS_SUPERVISE, APPEALS_VIEW
from lianxin.core.permissions import get_object_in_scope, has_unit_permission, scope_paths, scope_q
from lianxin.members.models import Member
from lianxin.org.models import Unit

from . import search, stats
from .models import OPEN_STATES, Appeal, AppealEvent, Category, Flag, Meeting, PublicAnswer, Referral, State
from .search import NewestFirstSearch, apply_search, newest_first
from .services import track_digest

Action = AppealEvent.Action

LIST_RELATED = ("category", "origin_unit", "handling_unit", "assignee")


def appeal_scope_q(user, code: str = APPEALS_VIEW) -> Q:
    """Appeals that arose in the units where the user holds `code`.

    Written as `origin_unit_id IN (units in scope)` rather than a join on the unit's path: with a
    full-text condition PostgreSQL otherwise repeats the text index scan once per unit of the scope.
    """
    paths = scope_paths(user, code)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    return Q(origin_unit_id__in=Unit.objects.filter(scope_q(user, code)).values("pk"))


def _scoped(user, code: str = APPEALS_VIEW) -> QuerySet[Appeal]:
    return Appeal.objects.filter(appeal_scope_q(user, code))


class Bucket:
    """The worklist's tabs."""

    NEW = "new"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    WAITING_DEPARTMENT = "waiting_department"
    WAITING_WORKER = "waiting_worker"
    WAITING_RATING = "waiting_rating"
    REOPENED = "reopened"
    DEPARTMENT_ANSWERED = "department_answered"
    MINE = "mine"
    OPEN = "open"
    ALL = (
        NEW,
        DUE_SOON,
        OVERDUE,
        WAITING_DEPARTMENT,
        DEPARTMENT_ANSWERED,
        WAITING_WORKER,
        WAITING_RATING,
        REOPENED,
        MINE,
        OPEN,
    )


def _bucket_q(bucket: str, *, user, now: dt.datetime) -> Q:
    open_q = Q(state__in=OPEN_STATES)
    open_referral = Exists(Referral.objects.filter(appeal=OuterRef("pk"), answered_at__isnull=True))
    return {
        Bucket.NEW: Q(state=State.SUBMITTED),
        Bucket.DUE_SOON: open_q
        & Q(paused_at__isnull=True, answer_due__gte=now, answer_due__lt=now + dt.timedelta(days=2)),
        Bucket.OVERDUE: open_q
        & (
            Q(overdue=True)
            | Q(paused_at__isnull=True, answer_due__lt=now)
            | Q(state=State.SUBMITTED, paused_at__isnull=True, accept_due__lt=now)
        ),
        Bucket.WAITING_DEPARTMENT: Q(state=State.IN_PROGRESS) & Q(open_referral),
        # The department has answered and nothing else is out: the union's turn to answer the worker.
        Bucket.DEPARTMENT_ANSWERED: Q(state=State.IN_PROGRESS)
        & Q(Exists(Referral.objects.filter(appeal=OuterRef("pk"), answered_at__isnull=False)))
        & ~Q(open_referral),
        Bucket.WAITING_WORKER: open_q & Q(paused_at__isnull=False),
        Bucket.WAITING_RATING: Q(state=State.ANSWERED),
        Bucket.REOPENED: open_q & Q(reopen_count__gt=0),
        Bucket.MINE: open_q & Q(assignee=user),
        Bucket.OPEN: open_q,
    }[bucket]


@dataclass
class AppealFilters:
    state: str = ""
    unit: Unit | None = None
    category: str = ""
    kind: str = ""
    channel: str = ""
    flag: str = ""
    q: str = ""
    overdue: bool | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    bucket: str = ""


def appeal_list(*, fetched_by, filters: AppealFilters | None = None) -> QuerySet[Appeal]:
    """Appeals in the user's scope, newest first, narrowed by `filters`."""
    f = filters or AppealFilters()
    now = timezone.now()
    qs = _scoped(fetched_by)
    if f.bucket:
        # A worklist is what the user handles: the handling unit in their appeals.handle scope.
        qs = qs.filter(scope_q(fetched_by, APPEALS_HANDLE, path_field="handling_unit__path"))
        qs = qs.filter(_bucket_q(f.bucket, user=fetched_by, now=now))
    if f.state:
        qs = qs.filter(state=f.state)
    if f.unit is not None:
        qs = qs.filter(origin_unit__path__startswith=f.unit.path)
    if f.category:
        qs = qs.filter(category__code=f.category)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.flag:
        qs = qs.filter(**{f"flag_{f.flag}": True}) if f.flag in Flag.values else qs.none()
    if f.overdue is not None:
        overdue_q = _bucket_q(Bucket.OVERDUE, user=fetched_by, now=now)
        qs = qs.filter(overdue_q) if f.overdue else qs.exclude(overdue_q)
    if f.date_from:
        qs = qs.filter(received_at__gte=_start_of(f.date_from))
    if f.date_to:
        qs = qs.filter(received_at__lt=_start_of(f.date_to + dt.timedelta(days=1)))
    if f.q:
        qs = apply_search(qs, f.q, within=_search_within(fetched_by, f))
    order = (
        ["answer_due", "id"] if f.bucket and f.bucket != Bucket.WAITING_RATING else ["-received_at", "-id"]
    )
    qs = qs.select_related(*LIST_RELATED).order_by(*order)
    return newest_first(qs) if f.q and tuple(order) == NewestFirstSearch.ORDER else qs


def _search_within(user, f: AppealFilters) -> list[list[str]]:
    """The unit paths the list is already limited to (scope, unit filter), for the text index: with
    them a search and its count read only the matches inside, not the scope's every appeal."""
    groups = []
    paths = scope_paths(user, APPEALS_VIEW)
    if paths:
        groups.append(paths)
    if f.unit is not None:
        groups.append([f.unit.path])
    return groups


def worklist_counts(*, fetched_by) -> dict[str, int]:
    """How many appeals wait in each worklist tab (one query)."""
    now = timezone.now()
    qs = _scoped(fetched_by).filter(scope_q(fetched_by, APPEALS_HANDLE, path_field="handling_unit__path"))
    qs = qs.filter(Q(state__in=OPEN_STATES) | Q(state=State.ANSWERED))
    return qs.aggregate(
        **{bucket: Count("pk", filter=_bucket_q(bucket, user=fetched_by, now=now)) for bucket in Bucket.ALL}
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def intake_unit_get(*, fetched_by, unit_id: int) -> Unit:
    """A unit the user may raise an appeal for: their own unit or one above it (a worker may name a
    higher one, so as not to be recognised), or a unit where they record appeals. 404 otherwise."""
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None:
        raise Http404
    own = Member.objects.filter(user=fetched_by).select_related("unit").first()
    if own is not None and own.unit.path.startswith(unit.path):
        return unit
    if has_unit_permission(fetched_by, unit, APPEALS_RECORD):
        return unit
    raise Http404


def appeal_get(*, fetched_by, appeal_id) -> Appeal:
    return get_object_in_scope(
        _scoped(fetched_by).select_related(*LIST_RELATED, "member", "escalated_unit", "merged_into"),
        pk=appeal_id,
    )


WORKER_NOTES = frozenset(
    {
        Action.INFO_REQUESTED,
        Action.INFO_PROVIDED,
        Action.EXTENDED,
        Action.ANSWERED,
        Action.RATED,
        Action.REOPENED,
        Action.WITHDRAWN,
        Action.REJECTED,
    }
)
"""Steps whose note is written for the worker; other notes (a cadre's words to a department, a
department's answer to the union, a meeting's deliberation) stay inside the office."""


def appeal_events(*, appeal: Appeal, for_worker: bool = False) -> list[AppealEvent]:
    """The timeline. For the worker: only the steps they may see, and only notes written for them."""
    rows = appeal.events.select_related("actor", "unit")
    if not for_worker:
        return list(rows)
    events = list(rows.filter(visible_to_worker=True))
    for event in events:
        if event.action not in WORKER_NOTES:
            event.note = ""
    return events


def appeal_mine(*, fetched_by) -> QuerySet[Appeal]:
    """The worker's own named appeals (anonymous ones are followed by code only)."""
    if not fetched_by.is_authenticated:
        return Appeal.objects.none()
    return (
        Appeal.objects.filter(Q(submitted_by=fetched_by) | Q(member__user=fetched_by), is_anonymous=False)
        .select_related("category", "handling_unit")
        .order_by("-received_at", "-id")
    )


def appeal_mine_get(*, fetched_by, appeal_id) -> Appeal:
    return get_object_in_scope(appeal_mine(fetched_by=fetched_by), pk=appeal_id)


def appeal_track(*, code: str) -> Appeal:
    """The appeal a follow-up code opens; 404 for any unknown code."""
    if not code or len(code) > 40:
        raise Http404
    try:
        return Appeal.objects.select_related("category", "handling_unit", "merged_into").get(
            track_digest=track_digest(code)
        )
    except Appeal.DoesNotExist:
        raise Http404 from None


def appeal_recorded(*, fetched_by) -> QuerySet[Appeal]:
    """What the user recorded on workers' behalf (a liaison's or operator's own list)."""
    return (
        Appeal.objects.filter(recorded_by=fetched_by)
        .select_related("category", "handling_unit")
        .order_by("-received_at")
    )


def referral_list(*, fetched_by, open_only: bool = False) -> QuerySet[Referral]:
    """Referrals to the departments the user handles for."""
    qs = Referral.objects.filter(department__handlers=fetched_by).select_related(
        "appeal", "appeal__category", "department", "department__unit"
    )
    if open_only:
        qs = qs.filter(answered_at__isnull=True)
    return qs.order_by(F("answered_at").asc(nulls_first=True), "due", "id")


def referral_get(*, fetched_by, referral_id) -> Referral:
    return get_object_in_scope(referral_list(fetched_by=fetched_by), pk=referral_id)


def supervision_list(*, fetched_by) -> QuerySet[Appeal]:
    """Everything overdue or reopened (still open) where the user supervises."""
    now = timezone.now()
    qs = _scoped(fetched_by, APPEALS_SUPERVISE).filter(
        _bucket_q(Bucket.OVERDUE, user=fetched_by, now=now)
        | (Q(state__in=OPEN_STATES) & Q(reopen_count__gt=0))
    )
    return qs.select_related(*LIST_RELATED, "escalated_unit").order_by("answer_due", "id")


def meeting_list(*, fetched_by) -> QuerySet[Meeting]:
    from lianxin.core.capabilities import APPEALS_DELIBERATE

    return (
        Meeting.objects.filter(scope_q(fetched_by, APPEALS_DELIBERATE, path_field="unit__path"))
        .select_related("unit")
        .annotate(item_count=Count("items"))
        .order_by("-held_at", "-id")
    )


def meeting_get(*, fetched_by, meeting_id) -> Meeting:
    return get_object_in_scope(meeting_list(fetched_by=fetched_by), pk=meeting_id)


def category_list() -> list[Category]:
    return list(Category.objects.filter(is_active=True))


def public_answer_list(*, q: str = "", category: str = "") -> QuerySet[PublicAnswer]:
    qs = PublicAnswer.objects.filter(withdrawn_at__isnull=True).select_related("category")
    if category:
        qs = qs.filter(category__code=category)
    if q:
        qs = apply_search(qs, q)
    return qs.order_by("-published_at", "-id")


def public_answers_like(normalized: str, *, limit: int = 3) -> list:
    """Published answers sharing the text's key words (any of them), those sharing most first."""
    conditions = [
        condition
        for word in jieba.analyse.extract_tags(normalized, topK=5)
        if len(word) > 1 and (condition := search.search_q(word)) is not None
    ]
    if not conditions:
        return []
    hits = sum(
        (Case(When(condition, then=Value(1)), default=Value(0)) for condition in conditions),
        start=Value(0),
    )
    needed = 2 if len(conditions) >= 3 else 1
    rows = (
        public_answer_list()
        .filter(reduce(operator.or_, conditions))
        .annotate(hits=ExpressionWrapper(hits, output_field=IntegerField()))
        .filter(hits__gte=needed)
        .order_by("-hits", "-published_at", "-id")
    )
    return list(rows[:limit])


# --- the three rates --------------------------------------------------------------------------------


@dataclass
class Rates:
    received: int
    responded: int
    responded_on_time: int
    response_due: int
    answered: int
    answered_on_time: int
    answer_due: int
    rated: int
    satisfied: int
    basic: int
    dissatisfied: int
    open: int
    overdue_open: int

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part * 100 / whole, 1) if whole else None

    @property
    def response_rate(self) -> float | None:
        """Responded (accepted, merged or rejected) within the limit, among those due a response."""
        return self._rate(self.responded_on_time, self.response_due)

    @property
    def resolution_rate(self) -> float | None:
        """Answered within the limit, among those due an answer."""
        return self._rate(self.answered_on_time, self.answer_due)

    @property
    def satisfaction_rate(self) -> float | None:
        """Satisfied or basically satisfied, among ratings given."""
        return self._rate(self.satisfied + self.basic, self.rated)


def _open_counts_q(now: dt.datetime) -> dict:
    """The counts that depend on the moment, taken live from the appeals (all among the open ones)."""
    open_q = Q(state__in=OPEN_STATES)
    return {
        "late_unresponded": Count(
            "pk", filter=Q(state=State.SUBMITTED, paused_at__isnull=True, accept_due__lt=now)
        ),
        "late_unanswered": Count(
            "pk", filter=open_q & Q(paused_at__isnull=True, answer_due__lt=now) & ~Q(reopen_count__gt=0)
        ),
        "open": Count("pk", filter=open_q),
        "overdue_open": Count("pk", filter=_bucket_q(Bucket.OVERDUE, user=None, now=now)),
    }


def _received_in(date_from: dt.date, date_to: dt.date) -> Q:
    return Q(received_at__gte=_start_of(date_from), received_at__lt=_start_of(date_to + dt.timedelta(days=1)))


def _rates(counts: dict[str, int], live: dict[str, int]) -> Rates:
    return Rates(
        **counts,
        response_due=counts["responded"] + live["late_unresponded"],
        answer_due=counts["answered"] + live["late_unanswered"],
        open=live["open"],
        overdue_open=live["overdue_open"],
    )


def appeal_rates(
    *, unit: Unit, date_from: dt.date, date_to: dt.date, now: dt.datetime | None = None
) -> Rates:
    """The three rates of a unit's subtree for appeals received in [date_from, date_to], from events.

    Response: an appeal counts once its first response (accepted, merged or rejected) is recorded,
    or once its acceptance limit has passed without one; on time when that first response's event
    says so. Resolution likewise with the first answer and the answer limit (rejected, merged and
    withdrawn appeals are not due an answer). Satisfaction: every rating given counts, so a case
    rated dissatisfied and, after reopening, satisfied counts once each way.

    The event counts come from the daily rollup (`stats.py`), which equals counting the events
    (`appeal_rates_live`); what depends on the moment (late, open, overdue) is counted live from
    the open appeals. Four queries.
    """
    now = now or timezone.now()
    counts = stats.subtree_counts([unit], date_from, date_to)
    if counts is None:
        return appeal_rates_live(unit=unit, date_from=date_from, date_to=date_to, now=now)
    live = (
        Appeal.objects.filter(_received_in(date_from, date_to), origin_unit__path__startswith=unit.path)
        .filter(state__in=OPEN_STATES)
        .aggregate(**_open_counts_q(now))
    )
    return _rates(counts[unit.pk], live)


def appeal_rates_live(
    *, unit: Unit, date_from: dt.date, date_to: dt.date, now: dt.datetime | None = None
) -> Rates:
    """`appeal_rates` counted from the events themselves (seconds for a group's year): what the
    rollup must equal, and the answer while it cannot give one."""
    now = now or timezone.now()
    appeals = Appeal.objects.filter(_received_in(date_from, date_to), origin_unit__path__startswith=unit.path)
    events = AppealEvent.objects.filter(appeal__in=appeals)
    counts = events.aggregate(**{name: Count("pk", filter=q) for name, q in stats.EVENT_COUNTS.items()})
    live = appeals.aggregate(received=Count("pk"), **_open_counts_q(now))
    return _rates({"received": live.pop("received"), **counts}, live)


def appeal_rates_by_child(
    *, fetched_by, unit: Unit, date_from: dt.date, date_to: dt.date
) -> list[tuple[Unit, Rates]]:
    """Rates of each child unit the user may see (for a unit's comparison table), in five queries
    however many children there are."""
    from lianxin.org.selectors import unit_list

    now = timezone.now()
    children = list(unit_list(fetched_by=fetched_by, parent=unit))
    counts = stats.subtree_counts(children, date_from, date_to)
    if counts is None:
        return [
            (child, appeal_rates_live(unit=child, date_from=date_from, date_to=date_to, now=now))
            for child in children
        ]
    live = {child.pk: dict.fromkeys(_open_counts_q(now), 0) for child in children}
    child_of = {child.path: child.pk for child in children}
    width = len(unit.path) + Unit.steplen
    rows = (
        Appeal.objects.filter(_received_in(date_from, date_to), origin_unit__path__startswith=unit.path)
        .filter(state__in=OPEN_STATES)
        .values("origin_unit__path")
        .annotate(**_open_counts_q(now))
        .order_by()
    )
    for row in rows:
        child = child_of.get(row.pop("origin_unit__path")[:width])
        if child is not None:
            for name, value in row.items():
                live[child][name] += value
    return [(child, _rates(counts[child.pk], live[child.pk])) for child in children]
