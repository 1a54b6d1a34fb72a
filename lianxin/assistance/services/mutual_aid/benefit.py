"""A claim's benefit from the plan's rules, step by step."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from ...models import ZERO, Claim, ClaimStatus, Enrolment, MutualAidPlan
from ..funds import CENT

COUNTING = (ClaimStatus.PENDING, ClaimStatus.RETURNED, ClaimStatus.APPROVED, ClaimStatus.PAID)
"""Claims in these statuses count against a member's cap and hold their invoices."""


@dataclass(frozen=True)
class Benefit:
    """How a claim's benefit follows from the plan's rules, step by step (shown on the claim form)."""

    eligible: Decimal
    deductible: Decimal
    over_deductible: Decimal
    rate: Decimal
    by_rate: Decimal
    cap_per_claim: Decimal | None
    remaining: Decimal | None
    amount: Decimal
    limited_by: str
    """"" (the rate applies), "cap_per_claim", "cap_per_member", "deductible"."""

    @property
    def reason(self) -> str:
        """Why the benefit is what it is, in a sentence (the plain word when it is zero)."""
        if self.limited_by == "deductible":
            return _("可报销金额 %(eligible)s 元未超过起付线 %(deductible)s 元,按计划规则不予赔付。") % {
                "eligible": f"{self.eligible:,.2f}",
                "deductible": f"{self.deductible:,.2f}",
            }
        if self.limited_by == "cap_per_member" and self.amount == 0:
            return _("这名职工在本保障期内的赔付已达上限,按计划规则不予赔付。")
        if self.limited_by == "cap_per_member":
            return _("按比例应赔 %(by_rate)s 元,本保障期内剩余额度 %(remaining)s 元,按剩余额度赔付。") % {
                "by_rate": f"{self.by_rate:,.2f}",
                "remaining": f"{self.remaining:,.2f}",
            }
        if self.limited_by == "cap_per_claim":
            return _("按比例应赔 %(by_rate)s 元,超过单次上限 %(cap)s 元,按单次上限赔付。") % {
                "by_rate": f"{self.by_rate:,.2f}",
                "cap": f"{self.cap_per_claim:,.2f}",
            }
        return _("(可报销 %(eligible)s − 起付线 %(deductible)s)× %(rate)s%% = %(amount)s 元。") % {
            "eligible": f"{self.eligible:,.2f}",
            "deductible": f"{self.deductible:,.2f}",
            "rate": f"{(self.rate * 100).normalize():f}",
            "amount": f"{self.amount:,.2f}",
        }


def benefit_compute(*, plan: MutualAidPlan, eligible_total: Decimal, used: Decimal = ZERO) -> Benefit:
    """The benefit for `eligible_total` when the member has already `used` this much of the plan."""
    eligible = Decimal(eligible_total)
    over = max(ZERO, eligible - plan.deductible)
    by_rate = (over * plan.rate).quantize(CENT, rounding=ROUND_HALF_UP)
    remaining = None
    if plan.cap_per_member is not None:
        remaining = max(ZERO, plan.cap_per_member - used)
    amount, limited_by = by_rate, ""
    if over == 0:
        limited_by = "deductible"
    if plan.cap_per_claim is not None and plan.cap_per_claim < amount:
        amount, limited_by = plan.cap_per_claim, "cap_per_claim"
    if remaining is not None and remaining < amount:
        amount, limited_by = remaining, "cap_per_member"
    return Benefit(
        eligible=eligible,
        deductible=plan.deductible,
        over_deductible=over,
        rate=plan.rate,
        by_rate=by_rate,
        cap_per_claim=plan.cap_per_claim,
        remaining=remaining,
        amount=amount.quantize(CENT, rounding=ROUND_HALF_UP),
        limited_by=limited_by,
    )


def enrolment_used(enrolment: Enrolment, *, exclude: Claim | None = None) -> Decimal:
    """What the member's counting claims in the plan already take of the per-member cap."""
    claims = Claim.objects.filter(enrolment=enrolment, status__in=COUNTING)
    if exclude is not None:
        claims = claims.exclude(pk=exclude.pk)
    return claims.aggregate(total=Sum("benefit"))["total"] or ZERO


def claim_benefit_explained(
    *, plan: MutualAidPlan, enrolment: Enrolment, eligible_total, exclude: Claim | None = None
) -> Benefit:
    return benefit_compute(
        plan=plan, eligible_total=eligible_total, used=enrolment_used(enrolment, exclude=exclude)
    )


def claim_benefit(*, plan: MutualAidPlan, enrolment: Enrolment, eligible_total, exclude=None) -> Decimal:
    """min(cap_per_claim, (eligible − deductible) × rate, remaining cap_per_member), to the cent."""
    return claim_benefit_explained(
        plan=plan, enrolment=enrolment, eligible_total=eligible_total, exclude=exclude
    ).amount
