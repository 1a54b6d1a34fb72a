"""Reads on aid applications and programmes, each taking the user who asks.

An application is in a user's scope when the beneficiary's unit (`Application.unit`) lies where the
user holds assistance.view; out of scope answers 404. The approval queue is what the user may
approve (assistance.approve on the approval unit) and did not record; the payment queue is what
the user may pay (assistance.pay on the programme's unit), less what the user approved where the
programme wants another payer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from lianxin.core.capabilities import ASSISTANCE_APPROVE, ASSISTANCE_PAY, ASSISTANCE_RECORD, ASSISTANCE_VIEW
from lianxin.core.permissions import get_object_in_scope, scope_paths, scope_q
from lianxin.members.models import Member
from lianxin.members.selectors import member_search_q
from lianxin.org.models import Unit

from ..models import Application, ApplicationEvent, ApplicationStatus, Programme

LIST_RELATED = ("programme", "unit", "member", "approval_unit", "recorded_by", "approved_by", "paid_by")
_NUMBER = re.compile(r"^(BF|bf)?[-0-9]+$")


@dataclass
class ApplicationFilters:
    status: str = ""
    programme: Programme | int | None = None
    unit: Unit | None = None  # its subtree
    member: Member | int | None = None
    date_from: dt.date | None = None  # recorded on or after
    date_to: dt.date | None = None  # recorded on or before
    q: str = ""  # the member's name (pinyin too) or the application number


def _scoped(user, code: str = ASSISTANCE_VIEW) -> QuerySet[Application]:
    return Application.objects.filter(scope_q(user, code, path_field="unit__path"))


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def _search_q(text: str) -> Q:
    text = (text or "").strip()
    if not text:
        return Q()
    if _NUMBER.match(text):
        return Q(number__icontains=text)
    return Q(member__in=Member.objects.filter(member_search_q(text)).values("pk"))


def application_list(*, fetched_by, filters: ApplicationFilters | None = None) -> QuerySet[Application]:
    """Applications in the user's assistance.view scope (by the beneficiary's unit), newest first."""
    f = filters or ApplicationFilters()
    qs = _scoped(fetched_by)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.programme:
        qs = qs.filter(programme=f.programme)
    if f.unit is not None:
        qs = qs.filter(unit__path__startswith=f.unit.path)
    if f.member:
        qs = qs.filter(member=f.member)
    if f.date_from:
        qs = qs.filter(recorded_at__gte=_start_of(f.date_from))
    if f.date_to:
        qs = qs.filter(recorded_at__lt=_start_of(f.date_to + dt.timedelta(days=1)))
    if f.q:
        qs = qs.filter(_search_q(f.q))
    return qs.select_related(*LIST_RELATED).order_by("-recorded_at", "-id")


def application_get_for_user(*, fetched_by, application_id) -> Application:
    """One application in scope, else 404."""
    return get_object_in_scope(
        _scoped(fetched_by).select_related(
            *LIST_RELATED, "fund", "programme__fund", "programme__unit", "file", "appeal"
        ),
        pk=application_id,
    )


def application_events(*, application: Application) -> list[ApplicationEvent]:
    """The application's steps, oldest first, with their actors."""
    return list(application.events.select_related("actor"))


def approval_queue(*, fetched_by) -> QuerySet[Application]:
    """Pending applications the user may approve (assistance.approve on the approval unit) and did
    not record, oldest first."""
    return (
        Application.objects.filter(scope_q(fetched_by, ASSISTANCE_APPROVE, path_field="approval_unit__path"))
        .filter(status=ApplicationStatus.PENDING)
        .exclude(recorded_by=fetched_by)
        .select_related(*LIST_RELATED)
        .order_by("recorded_at", "id")
    )


def payment_queue(*, fetched_by) -> QuerySet[Application]:
    """Approved applications the user may pay (assistance.pay on the programme's unit), oldest
    first; without those the user approved where the programme says the payer must differ."""
    return (
        Application.objects.filter(scope_q(fetched_by, ASSISTANCE_PAY, path_field="programme__unit__path"))
        .filter(status=ApplicationStatus.APPROVED)
        .exclude(Q(approved_by=fetched_by) & Q(programme__payer_must_differ=True))
        .select_related(*LIST_RELATED, "programme__fund")
        .order_by("approved_at", "id")
    )


def _ancestor_paths(path: str) -> list[str]:
    return [path[:end] for end in range(Unit.steplen, len(path) + 1, Unit.steplen)]


def programme_list(
    *, fetched_by, member=None, active_only: bool = True, on: dt.date | None = None
) -> QuerySet[Programme]:
    """Programmes a user can record under: those of the units in the user's assistance.record (or
    view) scope and of the units above them; with `member`, only those covering the member's unit
    (its unit and the units above). `active_only` also keeps to programmes running on `on` (today)."""
    paths = scope_paths(fetched_by, ASSISTANCE_RECORD) or []
    view_paths = scope_paths(fetched_by, ASSISTANCE_VIEW)
    qs = Programme.objects.all()
    if member is not None:
        qs = qs.filter(unit__path__in=_ancestor_paths(member.unit.path))
    if view_paths is not None:  # not a superuser
        roots = set(paths) | set(view_paths)
        if not roots:
            return qs.none()
        above = {ancestor for root in roots for ancestor in _ancestor_paths(root)}
        inside = Q()
        for root in roots:
            inside |= Q(unit__path__startswith=root)
        qs = qs.filter(inside | Q(unit__path__in=above))
    if active_only:
        day = on or timezone.localdate()
        qs = qs.filter(is_active=True).filter(
            Q(starts_on__isnull=True) | Q(starts_on__lte=day), Q(ends_on__isnull=True) | Q(ends_on__gte=day)
        )
    return qs.select_related("unit", "fund").order_by("unit__path", "kind", "id")


def programme_get_for_user(*, fetched_by, programme_id) -> Programme:
    """One programme the user can see or record under, else 404."""
    return get_object_in_scope(programme_list(fetched_by=fetched_by, active_only=False), pk=programme_id)
