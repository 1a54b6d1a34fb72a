"""Reads on funds, their ledgers and donation campaigns.

A fund (and a campaign) is in a user's scope when its unit lies where the user holds
assistance.view; out of scope answers 404. The ledger lists entries in the order they were posted
(newest first): entries are written under the fund's row lock, so their ids follow posting order
and each entry's `balance_after` is the running balance at that point.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from lianxin.core.capabilities import ASSISTANCE_VIEW
from lianxin.core.pagination import CappedPaginator
from lianxin.core.permissions import get_object_in_scope, scope_q
from lianxin.core.text import to_simplified

from ..models import ZERO, Campaign, EntryKind, Fund, FundEntry

LEDGER_PAGE = 50


@dataclass
class LedgerFilters:
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    campaign: Campaign | int | None = None
    q: str = ""  # donor, reference or note


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def fund_list(*, fetched_by, kind: str = "", active_only: bool = False) -> QuerySet[Fund]:
    """Funds of the units in the user's assistance.view scope, by unit."""
    qs = Fund.objects.filter(scope_q(fetched_by, ASSISTANCE_VIEW, path_field="unit__path"))
    if kind:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.select_related("unit").order_by("unit__path", "id")


def fund_get_for_user(*, fetched_by, fund_id) -> Fund:
    """One fund in scope, else 404."""
    return get_object_in_scope(fund_list(fetched_by=fetched_by), pk=fund_id)


def ledger_entries(*, fund: Fund, filters: LedgerFilters | None = None) -> QuerySet[FundEntry]:
    """The fund's entries matching `filters`, newest posted first (not paginated: for exports)."""
    f = filters or LedgerFilters()
    qs = FundEntry.objects.filter(fund=fund)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.date_from:
        qs = qs.filter(at__gte=_start_of(f.date_from))
    if f.date_to:
        qs = qs.filter(at__lt=_start_of(f.date_to + dt.timedelta(days=1)))
    if f.campaign:
        qs = qs.filter(campaign=f.campaign)
    text = (f.q or "").strip()
    if text:
        simplified = to_simplified(text)
        qs = qs.filter(
            Q(donor__icontains=simplified)
            | Q(donor__icontains=text)
            | Q(reference__icontains=text)
            | Q(note__icontains=simplified)
            | Q(note__icontains=text)
        )
    return qs.select_related("entered_by", "application", "claim", "campaign", "reverses").order_by("-id")


def fund_ledger(
    *, fund: Fund, filters: LedgerFilters | None = None, page: int = 1, per_page: int = LEDGER_PAGE
) -> Page:
    """The fund's entries, newest (last posted) first, a page at a time; each entry's
    `balance_after` is the running balance after it. An out-of-range page gives the last one."""
    paginator = CappedPaginator(ledger_entries(fund=fund, filters=filters), per_page)
    return paginator.get_page(page)


def fund_totals(*, fund: Fund, date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict:
    """Income, spending and reversals of a fund over a period, by entry kind (one query)."""
    qs = FundEntry.objects.filter(fund=fund)
    if date_from:
        qs = qs.filter(at__gte=_start_of(date_from))
    if date_to:
        qs = qs.filter(at__lt=_start_of(date_to + dt.timedelta(days=1)))
    sums = {kind: ZERO for kind in EntryKind.values}
    for kind, total in qs.values_list("kind").annotate(total=Sum("amount")).order_by():
        sums[kind] = total
    return sums


def _campaign_scoped(user) -> QuerySet[Campaign]:
    return Campaign.objects.filter(scope_q(user, ASSISTANCE_VIEW, path_field="unit__path"))


def campaign_list(*, fetched_by, fund: Fund | None = None) -> QuerySet[Campaign]:
    """Campaigns of the units in scope, newest first, annotated with `raised` (net of reversed
    donations) and `donation_count` (donations not reversed)."""
    qs = _campaign_scoped(fetched_by)
    if fund is not None:
        qs = qs.filter(fund=fund)
    return (
        qs.annotate(
            raised=Coalesce(Sum("entries__amount"), ZERO),
            donation_count=Count(
                "entries",
                filter=Q(entries__kind=EntryKind.DONATION, entries__reversed_by__isnull=True),
            ),
        )
        .select_related("unit", "fund")
        .order_by("-starts_on", "-id")
    )


def campaign_get_for_user(*, fetched_by, campaign_id) -> Campaign:
    """One campaign in scope, else 404."""
    return get_object_in_scope(_campaign_scoped(fetched_by).select_related("unit", "fund"), pk=campaign_id)


def campaign_summary(campaign: Campaign) -> dict:
    """{"raised", "donors", "count", "anonymous", "goal", "progress"} net of reversed donations.

    `donors` counts distinct named donors plus each anonymous donation; `progress` is the percentage
    of the goal raised (None without a goal)."""
    donations = FundEntry.objects.filter(campaign=campaign, kind=EntryKind.DONATION, reversed_by__isnull=True)
    raised = FundEntry.objects.filter(campaign=campaign).aggregate(total=Sum("amount"))["total"] or ZERO
    named = donations.filter(donor_anonymous=False).exclude(donor="").values("donor").distinct().count()
    anonymous = donations.filter(Q(donor_anonymous=True) | Q(donor="")).count()
    count = donations.count()
    progress = None
    if campaign.goal:
        progress = (raised / campaign.goal * 100).quantize(Decimal("0.1"))
    return {
        "raised": raised,
        "donors": named + anonymous,
        "count": count,
        "anonymous": anonymous,
        "goal": campaign.goal,
        "progress": progress,
    }


def campaign_donations(*, campaign: Campaign) -> QuerySet[FundEntry]:
    """The campaign's donations and their reversals, newest first."""
    return (
        FundEntry.objects.filter(campaign=campaign).select_related("entered_by", "reverses").order_by("-id")
    )
