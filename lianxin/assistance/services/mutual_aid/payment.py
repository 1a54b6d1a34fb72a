"""Paying an approved claim (once per idempotency key) and reversing a payment."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log
from lianxin.core.idempotency import Outcome, fingerprint_of, idempotent

from ...models import Claim, ClaimStatus, EntryKind, FundEntry
from ..base import AssistanceError
from ..funds import fund_pay, fund_reverse
from .claims import Action, _event, _forbidden, _locked, _move, _reason, _release_invoices, may_pay

PAY_SCOPE = "assistance.claim_pay"


def _pay(*, actor, claim: Claim, version: int | None, reference: str, note: str) -> Claim:
    with transaction.atomic():
        claim = _locked(claim, version, ClaimStatus.PAID)
        if actor.pk in (claim.approved_by_id, claim.recorded_by_id):
            raise AssistanceError(_("发放人不能是这笔理赔的登记人或审批人。"))
        fund_pay(
            fund=claim.plan.fund,
            amount=claim.benefit,
            actor=actor,
            reference=reference,
            note=(_("互助理赔 %(number)s") % {"number": claim.number})[:200],
            claim=claim,
        )
        claim.paid_by = actor
        claim.paid_at = timezone.now()
        claim.paid_on = timezone.localdate()
        claim.payment_reference = reference
        old = _move(claim, ClaimStatus.PAID, ["paid_by", "paid_at", "paid_on", "payment_reference"])
        _event(claim, Action.PAID, actor, old, note)
        audit_log(
            code="assistance.claim.paid",
            actor=actor,
            target=claim,
            unit=claim.unit,
            amount=str(claim.benefit),
            reference=reference,
            fund=claim.plan.fund_id,
        )
    return claim


def claim_pay(
    *,
    actor,
    claim: Claim,
    version: int | None,
    reference: str,
    idempotency_key: str | None,
    note: str = "",
) -> Outcome:
    """Pay the approved benefit from the plan's fund; a retry with the same key never pays twice.

    Without a key the request is refused: a payment is never sent without one.
    """
    if not may_pay(actor, claim):
        raise _forbidden()
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": _("请填写凭证号或银行流水号。")})
    if len(reference) > 60:
        raise ValidationError({"reference": _("凭证号最多 60 个字符。")})
    key = (idempotency_key or "").strip()
    if not key:
        raise ValidationError({"idempotency_key": _("发放请求必须带 Idempotency-Key。")})
    note = (note or "").strip()
    return idempotent(
        user=actor,
        scope=PAY_SCOPE,
        key=key,
        fingerprint=fingerprint_of({"claim": claim.pk, "reference": reference, "note": note}),
        perform=lambda: _pay(actor=actor, claim=claim, version=version, reference=reference, note=note),
        target=lambda paid: paid,
        status_code=200,
    )


def claim_reverse(*, actor, claim: Claim, version: int | None, reason: str) -> Claim:
    """Undo a paid claim by a counter-entry in the plan's fund; its invoices may be claimed again."""
    if not may_pay(actor, claim):
        raise _forbidden()
    reason = _reason(reason, _("冲正必须写明原因。"))
    with transaction.atomic():
        claim = _locked(claim, version, ClaimStatus.REVERSED)
        payment = (
            FundEntry.objects.filter(claim=claim, kind=EntryKind.PAYMENT, reversed_by__isnull=True)
            .order_by("-pk")
            .first()
        )
        if payment is None:
            raise AssistanceError(_("找不到这笔理赔的发放流水。"))
        fund_reverse(entry=payment, actor=actor, reason=reason)
        old = _move(claim, ClaimStatus.REVERSED, [])
        _release_invoices(claim)
        _event(claim, Action.REVERSED, actor, old, reason)
        audit_log(
            code="assistance.claim.reversed",
            actor=actor,
            target=claim,
            unit=claim.unit,
            amount=str(claim.benefit),
            reason=reason,
        )
    return claim
