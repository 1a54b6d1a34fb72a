"""Reads on mutual-aid plans, enrolments and claims, each taking the user who asks.

Scope: enrolments and claims belong to the unit the member was enrolled from; a user sees those
under the units where they hold assistance.view. A plan is seen by those who see any part of it:
users whose scope lies inside the plan's unit (a team cadre sees the group's plan, to enrol and
claim for their members) or above it. Figures count only what the user may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Substr

from lianxin.core.capabilities import (
    ASSISTANCE_APPROVE,
    ASSISTANCE_CONFIGURE,
    ASSISTANCE_PAY,
    ASSISTANCE_VIEW,
)
from lianxin.core.permissions import get_object_in_scope, scope_paths, scope_q
from lianxin.members.models import Member
from lianxin.members.selectors import member_search_q
from lianxin.org.models import Unit

from ..models import ZERO, Claim, ClaimEvent, ClaimStatus, Enrolment, Fund, FundKind, MutualAidPlan

STEP = Unit.steplen


def _ancestors(path: str) -> list[str]:
    return [path[:end] for end in range(STEP, len(path), STEP)]


def plan_scope_q(user) -> Q:
    """Plans of units in the user's assistance.view scope, or above a unit in it."""
    paths = scope_paths(user, ASSISTANCE_VIEW)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(unit__path__startswith=path) | Q(unit__path__in=_ancestors(path))
    return q


def _in_scope(user) -> Q:
    return scope_q(user, ASSISTANCE_VIEW, path_field="unit__path")


def _count(queryset, field_name: str = "pk") -> Subquery:
    return Subquery(
        queryset.order_by().values("plan").annotate(n=Count(field_name)).values("n"),
        output_field=IntegerField(),
    )


def plan_list(*, fetched_by, open_only: bool = False) -> QuerySet[MutualAidPlan]:
    """Plans the user sees, newest period first, each with `insured`, `claims_paid` and
    `amount_paid` counted over what the user sees."""
    plans = MutualAidPlan.objects.filter(plan_scope_q(fetched_by))
    if open_only:
        plans = plans.filter(is_open=True)
    scoped = _in_scope(fetched_by)
    enrolments = Enrolment.objects.filter(scoped, plan=OuterRef("pk"))
    paid = Claim.objects.filter(scoped, plan=OuterRef("pk"), status=ClaimStatus.PAID)
    amount = Subquery(
        paid.order_by().values("plan").annotate(s=Sum("benefit")).values("s"),
        output_field=Claim._meta.get_field("benefit"),
    )
    return (
        plans.select_related("unit", "fund")
        .annotate(
            insured=Coalesce(_count(enrolments), 0),
            claims_paid=Coalesce(_count(paid), 0),
            amount_paid=Coalesce(amount, ZERO, output_field=Claim._meta.get_field("benefit")),
        )
        .order_by("-starts_on", "-id")
    )


def plan_get(*, fetched_by, plan_id) -> MutualAidPlan:
    plans = MutualAidPlan.objects.filter(plan_scope_q(fetched_by)).select_related(
        "unit", "fund", "fund__unit"
    )
    return get_object_in_scope(plans, pk=plan_id)


@dataclass
class UnitFigures:
    unit_id: int
    unit_name: str
    insured: int = 0
    claims: int = 0
    paid: Decimal = ZERO


@dataclass
class PlanFigures:
    """What Nanshan reports of a plan: insured (enrolments), claims paid and the amount paid."""

    insured: int = 0
    claims: int = 0
    paid: Decimal = ZERO
    pending: int = 0
    units: list[UnitFigures] = field(default_factory=list)


def plan_figures(*, plan: MutualAidPlan, fetched_by) -> PlanFigures:
    """The plan's figures over what the user sees, in total and per unit one level below the plan's
    (members enrolled at the plan's own unit count under it). Three queries."""
    top = plan.unit.path
    depth = len(top) + STEP
    scoped = _in_scope(fetched_by)
    branch = Substr("unit__path", 1, depth)
    enrolled = (
        Enrolment.objects.filter(scoped, plan=plan)
        .annotate(branch=branch)
        .values("branch")
        .annotate(n=Count("pk"))
        .order_by()
    )
    claims = (
        Claim.objects.filter(scoped, plan=plan)
        .annotate(branch=branch)
        .values("branch")
        .annotate(
            paid_n=Count("pk", filter=Q(status=ClaimStatus.PAID)),
            paid_sum=Sum("benefit", filter=Q(status=ClaimStatus.PAID)),
            open_n=Count("pk", filter=Q(status__in=[ClaimStatus.PENDING, ClaimStatus.APPROVED])),
        )
        .order_by()
    )
    rows: dict[str, dict] = {}
    for row in enrolled:
        rows.setdefault(row["branch"], {})["insured"] = row["n"]
    for row in claims:
        slot = rows.setdefault(row["branch"], {})
        slot.update(claims=row["paid_n"], paid=row["paid_sum"] or ZERO, pending=row["open_n"])
    units = (
        {
            path: (pk, name)
            for path, pk, name in Unit.objects.filter(path__in=list(rows)).values_list("path", "pk", "name")
        }
        if rows
        else {}
    )
    figures = PlanFigures()
    for path in sorted(rows):
        slot = rows[path]
        figures.insured += slot.get("insured", 0)
        figures.claims += slot.get("claims", 0)
        figures.paid += slot.get("paid", ZERO)
        figures.pending += slot.get("pending", 0)
        figures.units.append(
            UnitFigures(
                unit_id=units.get(path, (0, ""))[0],
                unit_name=units.get(path, (0, ""))[1],
                insured=slot.get("insured", 0),
                claims=slot.get("claims", 0),
                paid=slot.get("paid", ZERO),
            )
        )
    return figures


def plan_choices(*, fetched_by) -> list[MutualAidPlan]:
    """Plans the user sees, for a form's choices (no figures)."""
    plans = MutualAidPlan.objects.filter(plan_scope_q(fetched_by)).select_related("unit")
    return list(plans.order_by("-starts_on", "-id")[:100])


def mutual_fund_choices(*, fetched_by) -> list[Fund]:
    """Active mutual-aid funds of the units where the user configures assistance, or above them."""
    paths = scope_paths(fetched_by, ASSISTANCE_CONFIGURE)
    funds = Fund.objects.filter(kind=FundKind.MUTUAL_AID, is_active=True)
    if paths is not None:
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(unit__path__startswith=path) | Q(unit__path__in=_ancestors(path))
        funds = funds.filter(q)
    return list(funds.select_related("unit").order_by("unit__path", "id")[:100])


def unit_choices(*, fetched_by, code: str, cap: int = 300) -> list[Unit]:
    """Active units where the user holds `code`, in tree order (form choices)."""
    units = Unit.objects.filter(scope_q(fetched_by, code), is_active=True)
    return list(
        units.only("id", "name", "short_name", "code", "path", "depth", "level").order_by("path")[:cap]
    )


# --- enrolments --------------------------------------------------------------------------------------


def enrolment_list(*, fetched_by, plan: MutualAidPlan, q: str = "") -> QuerySet[Enrolment]:
    enrolments = Enrolment.objects.filter(_in_scope(fetched_by), plan=plan)
    if q:
        enrolments = enrolments.filter(member__in=Member.objects.filter(member_search_q(q)).values("pk"))
    return enrolments.select_related("member", "unit").order_by("unit__path", "member__member_no")


def enrolment_get(*, fetched_by, enrolment_id) -> Enrolment:
    enrolments = Enrolment.objects.filter(_in_scope(fetched_by)).select_related(
        "member", "unit", "plan", "plan__unit", "plan__fund"
    )
    return get_object_in_scope(enrolments, pk=enrolment_id)


def enrolment_find(*, fetched_by, plan: MutualAidPlan, text: str) -> list[Enrolment]:
    """Enrolments in the plan whose member matches `text` (number, name, pinyin), at most six."""
    text = (text or "").strip()
    if not text:
        return []
    exact = list(enrolment_list(fetched_by=fetched_by, plan=plan).filter(member__member_no=text)[:1])
    return exact or list(enrolment_list(fetched_by=fetched_by, plan=plan, q=text)[:6])


# --- claims ------------------------------------------------------------------------------------------


@dataclass
class ClaimFilters:
    status: str = ""
    plan: MutualAidPlan | int | None = None
    q: str = ""  # the claim's number or the member's name / number


def claim_list(*, fetched_by, filters: ClaimFilters | None = None) -> QuerySet[Claim]:
    """Claims in the user's scope, newest first, with what a list shows (no further queries)."""
    filters = filters or ClaimFilters()
    claims = Claim.objects.filter(_in_scope(fetched_by))
    if filters.status:
        claims = claims.filter(status=filters.status)
    if filters.plan:
        claims = claims.filter(plan=filters.plan)
    text = (filters.q or "").strip()
    if text:
        members = Member.objects.filter(member_search_q(text)).values("pk")
        claims = claims.filter(Q(number__iexact=text) | Q(enrolment__member__in=members))
    return claims.select_related("plan", "unit", "enrolment__member").order_by("-recorded_at", "-id")


def claim_counts(*, fetched_by, plan=None) -> dict[str, int]:
    """Claims in scope by status (the list's tabs), with "" for all."""
    claims = Claim.objects.filter(_in_scope(fetched_by))
    if plan:
        claims = claims.filter(plan=plan)
    counts = dict(claims.order_by().values_list("status").annotate(n=Count("pk")))
    counts[""] = sum(counts.values())
    return counts


def claim_get(*, fetched_by, claim_id) -> Claim:
    claims = Claim.objects.filter(_in_scope(fetched_by)).select_related(
        "plan",
        "plan__unit",
        "plan__fund",
        "plan__fund__unit",
        "unit",
        "approval_unit",
        "enrolment",
        "enrolment__member",
        "recorded_by",
        "approved_by",
        "paid_by",
    )
    return get_object_in_scope(claims, pk=claim_id)


def claim_invoices(*, claim: Claim) -> list:
    return list(claim.invoices.order_by("issued_on", "id"))


def claim_events(*, claim: Claim) -> list[ClaimEvent]:
    return list(ClaimEvent.objects.filter(claim=claim).select_related("actor").order_by("at", "id"))


def claim_approval_queue(*, fetched_by) -> QuerySet[Claim]:
    """Pending claims the user may approve and did not record, oldest first."""
    claims = claim_list(fetched_by=fetched_by, filters=ClaimFilters(status=ClaimStatus.PENDING))
    claims = claims.filter(scope_q(fetched_by, ASSISTANCE_APPROVE, path_field="approval_unit__path"))
    return claims.exclude(recorded_by=fetched_by).order_by("recorded_at", "id")


def claim_payment_queue(*, fetched_by) -> QuerySet[Claim]:
    """Approved claims the user may pay (neither recorded nor approved by them), oldest first."""
    claims = claim_list(fetched_by=fetched_by, filters=ClaimFilters(status=ClaimStatus.APPROVED))
    claims = claims.filter(scope_q(fetched_by, ASSISTANCE_PAY, path_field="plan__fund__unit__path"))
    return (
        claims.exclude(recorded_by=fetched_by).exclude(approved_by=fetched_by).order_by("approved_at", "id")
    )


__all__ = [
    "ClaimFilters",
    "PlanFigures",
    "UnitFigures",
    "claim_approval_queue",
    "claim_counts",
    "claim_events",
    "claim_get",
    "claim_invoices",
    "claim_list",
    "claim_payment_queue",
    "enrolment_find",
    "enrolment_get",
    "enrolment_list",
    "mutual_fund_choices",
    "plan_choices",
    "unit_choices",
    "plan_figures",
    "plan_get",
    "plan_list",
    "plan_scope_q",
]
