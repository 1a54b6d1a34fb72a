"""Reads on hardship files, each taking the user who asks.

A file is in a user's scope when its unit lies where the user holds assistance.view. A leader
paired with the household (an active pairing) also sees that one file, and its documents, whatever
their role grants: the pages log each such view as they log every other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from lianxin.core.capabilities import ASSISTANCE_RECORD, ASSISTANCE_VIEW
from lianxin.core.permissions import get_object_in_scope, scope_q
from lianxin.members.models import Member
from lianxin.members.selectors import member_search_q

from ..models import (
    Application,
    FileEvent,
    FileStatus,
    HardshipDocument,
    HardshipFile,
    HouseholdPerson,
    Pairing,
)

REVIEW_SOON_DAYS = 30
"""A review is "due" from 30 days before its date; after the date it is overdue."""

LIST_RELATED = ("unit", "member")


class ReviewDue:
    DUE = "due"  # within the next 30 days
    OVERDUE = "overdue"  # the date has passed
    ANY = "any"  # either
    ALL = (DUE, OVERDUE, ANY)


@dataclass
class FileFilters:
    level: str = ""
    status: str = ""
    unit: object | None = None  # an org Unit: its subtree
    review_due: str = ""
    q: str = ""  # file number, or the member's name / number / pinyin


def file_scope_q(user, code: str = ASSISTANCE_VIEW) -> Q:
    return scope_q(user, code, path_field="unit__path")


def _paired_q(user) -> Q:
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(pk__in=Pairing.objects.filter(leader=user, ended_on__isnull=True).values("file_id"))


def _review_q(review_due: str, on: dt.date) -> Q:
    soon = on + dt.timedelta(days=REVIEW_SOON_DAYS)
    active = Q(status=FileStatus.ACTIVE)
    return {
        ReviewDue.DUE: active & Q(next_review_on__gte=on, next_review_on__lte=soon),
        ReviewDue.OVERDUE: active & Q(next_review_on__lt=on),
        ReviewDue.ANY: active & Q(next_review_on__lte=soon),
    }[review_due]


def file_list(
    *, fetched_by, filters: FileFilters | None = None, on: dt.date | None = None
) -> QuerySet[HardshipFile]:
    """Files in the user's assistance.view scope, narrowed by `filters`; the newest first, or the
    earliest review first when listing due reviews."""
    f = filters or FileFilters()
    on = on or timezone.localdate()
    qs = HardshipFile.objects.filter(file_scope_q(fetched_by))
    if f.level:
        qs = qs.filter(level=f.level)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.unit is not None:
        qs = qs.filter(unit__path__startswith=f.unit.path)
    if f.review_due in ReviewDue.ALL:
        qs = qs.filter(_review_q(f.review_due, on))
    if f.q:
        text = f.q.strip()
        qs = qs.filter(Q(number__iexact=text) | Q(member__in=Member.objects.filter(member_search_q(text))))
    order = ["next_review_on", "id"] if f.review_due else ["-opened_on", "-id"]
    return qs.select_related(*LIST_RELATED).order_by(*order)


def review_counts(*, fetched_by, unit=None, on: dt.date | None = None) -> dict[str, int]:
    """Active files in scope whose review is due soon, and overdue (one query)."""
    on = on or timezone.localdate()
    qs = HardshipFile.objects.filter(file_scope_q(fetched_by), status=FileStatus.ACTIVE)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs.aggregate(
        due=Count("pk", filter=_review_q(ReviewDue.DUE, on)),
        overdue=Count("pk", filter=_review_q(ReviewDue.OVERDUE, on)),
    )


def file_get(*, fetched_by, file_id) -> HardshipFile:
    """One file in scope, or one the user is paired with; else 404."""
    qs = HardshipFile.objects.filter(file_scope_q(fetched_by) | _paired_q(fetched_by))
    return get_object_in_scope(qs.select_related(*LIST_RELATED, "opened_by", "appeal"), pk=file_id)


def file_seen_through_pairing(*, fetched_by, file: HardshipFile) -> bool:
    """Whether the user sees the file only because they are paired with it (for the access log)."""
    in_scope = HardshipFile.objects.filter(file_scope_q(fetched_by), pk=file.pk).exists()
    return not in_scope


def file_persons(*, file: HardshipFile) -> list[HouseholdPerson]:
    return list(file.persons.order_by("id"))


def file_documents(*, file: HardshipFile) -> list[HardshipDocument]:
    return list(file.documents.select_related("uploaded_by").order_by("uploaded_at", "id"))


def file_events(*, file: HardshipFile) -> list[FileEvent]:
    """The file's history, newest first."""
    return list(file.events.select_related("actor").order_by("-at", "-id"))


def file_applications(*, fetched_by, file: HardshipFile) -> list[Application]:
    """The household's aid history: every application for the file, newest first.

    Whoever may see the file (`file_get`) sees the aid it received; call it with a file from there.
    """
    file_get(fetched_by=fetched_by, file_id=file.pk)
    return list(
        Application.objects.filter(file=file)
        .select_related("programme", "member")
        .order_by("-recorded_at", "-id")
    )


def document_get(*, fetched_by, token: str) -> HardshipDocument:
    """A document of a file the user may see (`file_get`); else 404."""
    if not token or len(token) > 32:
        raise Http404
    document = HardshipDocument.objects.filter(token=token).select_related("file").first()
    if document is None:
        raise Http404
    file_get(fetched_by=fetched_by, file_id=document.file_id)
    return document


def file_member_candidates(*, fetched_by, q: str) -> list[Member]:
    """Members a cadre may open a file for (assistance.record on their unit), found by `q`."""
    text = (q or "").strip()
    if not text:
        return []
    members = Member.objects.filter(scope_q(fetched_by, ASSISTANCE_RECORD, path_field="unit__path"))
    return list(members.filter(member_search_q(text)).select_related("unit").order_by("member_no")[:6])


def member_for_file(*, fetched_by, member_id) -> Member:
    """A member the user may open a file for; else 404."""
    members = Member.objects.filter(scope_q(fetched_by, ASSISTANCE_RECORD, path_field="unit__path"))
    return get_object_in_scope(members.select_related("unit"), pk=member_id)


def member_active_file(*, member: Member) -> HardshipFile | None:
    return HardshipFile.objects.filter(member=member, status=FileStatus.ACTIVE).first()
