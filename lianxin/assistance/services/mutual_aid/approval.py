"""Resubmitting, approving, returning and rejecting a claim."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import ASSISTANCE_APPROVE, ASSISTANCE_PAY, ASSISTANCE_RECORD
from lianxin.core.permissions import has_unit_permission

from ...models import Claim, ClaimStatus, Enrolment
from ..base import AssistanceError, require_permission
from ..funds import fund_release, fund_reserve
from .benefit import claim_benefit_explained
from .claims import (
    Action,
    _event,
    _forbidden,
    _locked,
    _move,
    _people,
    _reason,
    _release_invoices,
    _tell,
    approval_unit_for,
    may_approve,
    may_pay,
)


def claim_resubmit(*, actor, claim: Claim, version: int | None, note: str = "") -> Claim:
    """Send a returned claim back for approval; its benefit is computed again (caps may have moved)."""
    require_permission(actor, claim.unit, ASSISTANCE_RECORD)
    with transaction.atomic():
        claim = _locked(claim, version, ClaimStatus.PENDING)
        enrolment = Enrolment.objects.select_for_update().get(pk=claim.enrolment_id)
        benefit = claim_benefit_explained(
            plan=claim.plan, enrolment=enrolment, eligible_total=claim.eligible_total, exclude=claim
        )
        if benefit.amount <= 0:
            raise AssistanceError(benefit.reason)
        claim.benefit = benefit.amount
        claim.approval_unit = approval_unit_for(claim.plan, benefit.amount)
        old = _move(claim, ClaimStatus.PENDING, ["benefit", "approval_unit"])
        _event(claim, Action.RESUBMITTED, actor, old, (note or "").strip() or benefit.reason)
        audit_log(
            code="assistance.claim.resubmitted",
            actor=actor,
            target=claim,
            unit=claim.unit,
            benefit=str(claim.benefit),
        )
        _tell(
            _people(claim.approval_unit, ASSISTANCE_APPROVE, exclude=[actor]),
            claim,
            _("待审批:互助理赔 %(number)s"),
        )
    return claim


def claim_approve(*, actor, claim: Claim, version: int | None, note: str = "") -> Claim:
    """Approve the benefit and reserve it from the plan's fund (refused when the fund is short)."""
    if not may_approve(actor, claim):
        if has_unit_permission(actor, claim.plan.unit, ASSISTANCE_APPROVE):
            raise PermissionDenied(
                _("这笔理赔超过审批限额,须由%(unit)s审批。") % {"unit": claim.approval_unit.name}
            )
        raise _forbidden()
    with transaction.atomic():
        claim = _locked(claim, version, ClaimStatus.APPROVED)
        if claim.recorded_by_id == actor.pk:
            raise AssistanceError(_("不能审批自己登记的理赔,请由其他有审批权限的人审批。"))
        fund_reserve(fund=claim.plan.fund, amount=claim.benefit)
        claim.approved_by = actor
        claim.approved_at = timezone.now()
        old = _move(claim, ClaimStatus.APPROVED, ["approved_by", "approved_at"])
        _event(claim, Action.APPROVED, actor, old, (note or "").strip())
        audit_log(
            code="assistance.claim.approved",
            actor=actor,
            target=claim,
            unit=claim.unit,
            benefit=str(claim.benefit),
            fund=claim.plan.fund_id,
        )
        _tell(
            _people(claim.plan.fund.unit, ASSISTANCE_PAY, exclude=[actor, claim.recorded_by]),
            claim,
            _("待发放:互助理赔 %(number)s"),
        )
    return claim


def claim_return(*, actor, claim: Claim, version: int | None, reason: str) -> Claim:
    """Send the claim back to its recorder; an approved claim's reservation is released."""
    if not (may_approve(actor, claim) or (claim.status == ClaimStatus.APPROVED and may_pay(actor, claim))):
        raise _forbidden()
    reason = _reason(reason, _("请写明退回原因。"))
    with transaction.atomic():
        claim = _locked(claim, version, ClaimStatus.RETURNED)
        if claim.status == ClaimStatus.APPROVED:
            fund_release(fund=claim.plan.fund, amount=claim.benefit)
        claim.approved_by = None
        claim.approved_at = None
        old = _move(claim, ClaimStatus.RETURNED, ["approved_by", "approved_at"])
        _event(claim, Action.RETURNED, actor, old, reason)
        audit_log(code="assistance.claim.returned", actor=actor, target=claim, unit=claim.unit, reason=reason)
        _tell([claim.recorded_by], claim, _("已退回:互助理赔 %(number)s"), reason)
    return claim


def claim_reject(*, actor, claim: Claim, version: int | None, reason: str) -> Claim:
    """Refuse the claim for good; its invoices may be claimed again."""
    if not may_approve(actor, claim):
        raise _forbidden()
    reason = _reason(reason, _("请写明不予赔付的原因。"))
    with transaction.atomic():
        claim = _locked(claim, version, ClaimStatus.REJECTED)
        old = _move(claim, ClaimStatus.REJECTED, [])
        _release_invoices(claim)
        _event(claim, Action.REJECTED, actor, old, reason)
        audit_log(code="assistance.claim.rejected", actor=actor, target=claim, unit=claim.unit, reason=reason)
        _tell([claim.recorded_by], claim, _("不予赔付:互助理赔 %(number)s"), reason)
    return claim
