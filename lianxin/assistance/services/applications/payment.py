"""Paying an approved application (once per idempotency key) and reversing a payment."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.capabilities import ASSISTANCE_PAY
from lianxin.core.idempotency import Outcome, fingerprint_of, idempotent

from ...models import Application, EntryKind, FundEntry
from ..base import AssistanceError, check_version, require_permission
from ..funds import fund_pay, fund_reverse
from .steps import Action, Status, _locked, _require_step, _required_text, _reserving_fund, _save, _step

PAY_SCOPE = "assistance.pay"


def application_pay(
    *,
    actor,
    application: Application,
    version: int,
    reference: str,
    idempotency_key: str | None,
    note: str = "",
    paid_on: dt.date | None = None,
) -> Outcome:
    """Record the payment (approved → paid), once per idempotency key (scope "assistance.pay").

    Needs assistance.pay on the programme's unit; not the approver when the programme says so.
    The reservation is consumed by a payment entry in the fund it was made on (`Application.fund`,
    even when the programme has since moved to another fund); the follow-up falls
    due `programme.follow_up_days` after `paid_on` (none when 0). `Outcome.target` is the
    application (fresh on a replay, `Outcome.replayed` True); the same key with other values is
    refused (`IdempotencyKeyReused`)."""
    reference = _required_text(reference, "reference", _("请填写凭证号或银行流水号。"))[:60]
    note = (note or "").strip()
    today = timezone.localdate()
    if paid_on is not None and paid_on > today:
        raise ValidationError({"paid_on": _("发放日期不能晚于今天。")})
    body = {
        "application": application.pk,
        "reference": reference,
        "note": note,
        "paid_on": paid_on.isoformat() if paid_on else "",
    }

    def perform() -> Application:
        return _pay(
            actor=actor,
            application=application,
            version=version,
            reference=reference,
            note=note,
            paid_on=paid_on or today,
        )

    return idempotent(
        user=actor,
        scope=PAY_SCOPE,
        key=idempotency_key,
        fingerprint=fingerprint_of(body),
        perform=perform,
        target=lambda paid: paid,
        status_code=200,
    )


def _pay(*, actor, application: Application, version: int, reference: str, note: str, paid_on: dt.date):
    with transaction.atomic():
        application = _locked(application)
        programme = application.programme
        require_permission(actor, programme.unit, ASSISTANCE_PAY)
        check_version(application, version)
        _require_step(application, Status.PAID, _("发放"))
        if programme.payer_must_differ and application.approved_by_id == actor.pk:
            raise AssistanceError(
                _("“%(programme)s”要求发放人不能是审批人。") % {"programme": programme.name}
            )
        fund_pay(
            fund=_reserving_fund(application),
            amount=application.amount,
            actor=actor,
            reference=reference,
            note=(note or f"{application.number} {programme.name}")[:200],
            application=application,
        )
        old = application.status
        application.status = Status.PAID
        application.paid_by = actor
        application.paid_at = timezone.now()
        application.paid_on = paid_on
        application.payment_reference = reference
        days = programme.follow_up_days
        application.follow_up_due = paid_on + dt.timedelta(days=days) if days else None
        _save(application, "status", "paid_by", "paid_at", "paid_on", "payment_reference", "follow_up_due")
        _step(application, Action.PAID, actor=actor, old=old, note=note, reference=reference)
    return application


def application_reverse(*, actor, application: Application, version: int, reason: str) -> Application:
    """Undo a payment (paid → reversed) with a counter-entry in the fund and a reason.

    The counter-entry goes to the fund the payment came from (`Application.fund`), whatever fund
    the programme uses now.
    Needs assistance.pay on the programme's unit. Both ledger entries stay; the money is back in
    the fund; the application no longer counts against caps or the period, and needs no follow-up."""
    reason = _required_text(reason, "reason", _("请写明冲正原因。"))
    with transaction.atomic():
        application = _locked(application)
        require_permission(actor, application.programme.unit, ASSISTANCE_PAY)
        check_version(application, version)
        _require_step(application, Status.REVERSED, _("冲正"))
        payment = (
            FundEntry.objects.filter(
                application=application, kind=EntryKind.PAYMENT, reversed_by__isnull=True
            )
            .order_by("-pk")
            .first()
        )
        if payment is None:  # paid without a payment entry: the ledger was not written by the services
            raise AssistanceError(_("找不到这笔发放的资金流水,无法冲正。"))
        fund_reverse(entry=payment, actor=actor, reason=reason)
        old = application.status
        application.status = Status.REVERSED
        application.once_key = None
        application.follow_up_due = None
        _save(application, "status", "once_key", "follow_up_due")
        _step(application, Action.REVERSED, actor=actor, old=old, note=reason, payment=payment.pk)
    return application
