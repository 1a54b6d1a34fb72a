"""Reads on pairings (结对帮扶), visits and follow-ups (跟踪问效), each taking the user who asks.

Cadres see the pairings and follow-ups of households in their assistance.view scope (by the
file's or the application's unit). A leader sees their own pairings (`my_pairings`) whatever
their role grants elsewhere.

A pairing is behind when its visits in the last 12 months are fewer than required: the yearly
frequency, or for a pairing younger than a year its share of the days since it started (rounded
down, so a pairing of four visits a year owes its first after about three months).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from lianxin.core.capabilities import ASSISTANCE_RECORD, ASSISTANCE_VIEW
from lianxin.core.models import RoleAssignment
from lianxin.core.permissions import get_object_in_scope, scope_paths, scope_q

from ..models import Application, ApplicationStatus, HardshipFile, Pairing, Visit
from ..services.files import one_year_before

LIST_RELATED = ("file", "file__member", "file__unit", "leader", "unit")
NOT_LEADERS = ("worker",)
"""Roles whose holders are not offered as pairing leaders (a worker is not paired with a household)."""


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def required_visits(pairing: Pairing, on: dt.date) -> int:
    """Visits owed by `on` over the last 12 months (pro rata since the start for a young pairing)."""
    window_from = one_year_before(on)
    if pairing.started_on <= window_from:
        return pairing.visits_per_year
    days = max((on - pairing.started_on).days, 0)
    return pairing.visits_per_year * days // 365


def _with_visits(pairings: QuerySet[Pairing], on: dt.date) -> QuerySet[Pairing]:
    window = Q(visits__visited_on__gt=one_year_before(on), visits__visited_on__lte=on)
    return pairings.annotate(visits_done=Count("visits", filter=window), last_visit=Max("visits__visited_on"))


def with_progress(pairings, on: dt.date | None = None) -> list[Pairing]:
    """The rows read, each with `visits_required` and `is_behind` (rows come from `_with_visits`)."""
    on = _today(on)
    rows = list(pairings)
    for pairing in rows:
        pairing.visits_required = required_visits(pairing, on)
        pairing.is_behind = pairing.ended_on is None and pairing.visits_done < pairing.visits_required
    return rows


def pairing_scope_q(user) -> Q:
    return scope_q(user, ASSISTANCE_VIEW, path_field="unit__path")


def pairing_list(
    *, fetched_by, unit=None, active: bool | None = True, on: dt.date | None = None
) -> QuerySet[Pairing]:
    """Pairings of households in the user's scope, with `visits_done` and `last_visit`."""
    qs = Pairing.objects.filter(pairing_scope_q(fetched_by))
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if active is True:
        qs = qs.filter(ended_on__isnull=True)
    elif active is False:
        qs = qs.filter(ended_on__isnull=False)
    return _with_visits(qs, _today(on)).select_related(*LIST_RELATED).order_by("-started_on", "-id")


def pairings_behind(*, fetched_by, unit=None, on: dt.date | None = None) -> list[Pairing]:
    """Active pairings in scope whose visits fall short of what is required, most behind first."""
    on = _today(on)
    rows = with_progress(pairing_list(fetched_by=fetched_by, unit=unit, active=True, on=on), on)
    behind = [pairing for pairing in rows if pairing.is_behind]
    behind.sort(key=lambda p: (p.visits_done - p.visits_required, p.last_visit or dt.date.min, p.pk))
    return behind


def my_pairings(*, fetched_by, on: dt.date | None = None) -> list[Pairing]:
    """The user's own active pairings, the longest unvisited first."""
    if not fetched_by.is_authenticated:
        return []
    on = _today(on)
    qs = Pairing.objects.filter(leader=fetched_by, ended_on__isnull=True)
    rows = with_progress(_with_visits(qs, on).select_related(*LIST_RELATED), on)
    rows.sort(key=lambda p: (p.last_visit or dt.date.min, p.pk))
    return rows


def pairing_list_visible(
    *, fetched_by, active: bool | None = True, mine: bool = False, on: dt.date | None = None
) -> QuerySet[Pairing]:
    """Pairings the user may open (as `pairing_get`): those in their assistance.view scope and
    their own as the paired leader; only their own with `mine`. With `visits_done`, `last_visit`."""
    if not fetched_by.is_authenticated:
        return Pairing.objects.none()
    own = Q(leader=fetched_by)
    qs = Pairing.objects.filter(own if mine else pairing_scope_q(fetched_by) | own)
    if active is True:
        qs = qs.filter(ended_on__isnull=True)
    elif active is False:
        qs = qs.filter(ended_on__isnull=False)
    return _with_visits(qs, _today(on)).select_related(*LIST_RELATED).order_by("-started_on", "-id")


def pairing_get(*, fetched_by, pairing_id) -> Pairing:
    """One pairing: in the user's scope, or the user's own; else 404."""
    qs = Pairing.objects.filter(pairing_scope_q(fetched_by) | Q(leader=fetched_by))
    return get_object_in_scope(
        _with_visits(qs, timezone.localdate()).select_related(*LIST_RELATED), pk=pairing_id
    )


def pairing_visits(*, pairing: Pairing) -> list[Visit]:
    return list(pairing.visits.select_related("visitor").order_by("-visited_on", "-id"))


def file_pairings(*, file: HardshipFile) -> list[Pairing]:
    on = timezone.localdate()
    qs = _with_visits(file.pairings.all(), on).select_related("leader").order_by("ended_on", "-started_on")
    return with_progress(qs, on)


def file_visits(*, file: HardshipFile) -> list[Visit]:
    """Every visit to the household: pairing visits and follow-ups after aid, newest first."""
    return list(
        Visit.objects.filter(file=file)
        .select_related("visitor", "application", "application__programme")
        .order_by("-visited_on", "-id")
    )


def leader_candidates(*, fetched_by, file: HardshipFile):
    """Users who may be paired with the household: active holders of a role (other than worker)
    on a unit in the subtree where the cadre records for the file's unit."""
    user_model = get_user_model()
    paths = scope_paths(fetched_by, ASSISTANCE_RECORD)
    roles = RoleAssignment.objects.filter(unit__is_active=True).exclude(role__code__in=NOT_LEADERS)
    if paths is not None:
        tops = [path for path in paths if file.unit.path.startswith(path)]
        if not tops:
            return user_model.objects.none()
        roles = roles.filter(unit__path__startswith=tops[0])
    return (
        user_model.objects.filter(is_active=True, pk__in=roles.values("user_id"))
        .order_by("full_name", "username")
        .distinct()
    )


# --- follow-ups ---------------------------------------------------------------------------------------


def follow_up_list(
    *, fetched_by, unit=None, overdue_only: bool = False, on: dt.date | None = None
) -> QuerySet[Application]:
    """Paid aid waiting for its follow-up visit in the user's scope, the earliest due first."""
    on = _today(on)
    qs = Application.objects.filter(
        scope_q(fetched_by, ASSISTANCE_VIEW, path_field="unit__path"),
        status=ApplicationStatus.PAID,
        follow_up_due__isnull=False,
        followed_up_on__isnull=True,
    )
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if overdue_only:
        qs = qs.filter(follow_up_due__lt=on)
    return qs.select_related("programme", "member", "unit", "file").order_by("follow_up_due", "id")


def follow_up_counts(*, fetched_by, on: dt.date | None = None) -> dict[str, int]:
    on = _today(on)
    qs = follow_up_list(fetched_by=fetched_by, on=on)
    return qs.aggregate(pending=Count("pk"), overdue=Count("pk", filter=Q(follow_up_due__lt=on)))


def follow_up_application_get(*, fetched_by, application_id) -> Application:
    """A paid application in the user's scope (to follow up), else 404."""
    qs = Application.objects.filter(
        scope_q(fetched_by, ASSISTANCE_VIEW, path_field="unit__path"), status=ApplicationStatus.PAID
    ).select_related("programme", "member", "unit", "file")
    return get_object_in_scope(qs, pk=application_id)


def application_follow_ups(*, application: Application) -> list[Visit]:
    return list(application.visits.select_related("visitor").order_by("-visited_on", "-id"))


def follow_ups_missing(*, on: dt.date | None = None) -> QuerySet[Application]:
    """Paid aid, in every unit, whose follow-up is due by `on` and not recorded: the reminder
    job's read (no user; the recorder is told, see services/reminders.py)."""
    return (
        Application.objects.filter(
            status=ApplicationStatus.PAID,
            follow_up_due__isnull=False,
            follow_up_due__lte=_today(on),
            followed_up_on__isnull=True,
        )
        .select_related("programme", "member", "recorded_by")
        .order_by("follow_up_due", "id")
    )
