"""Approving, returning and voiding an application."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.capabilities import ASSISTANCE_APPROVE, ASSISTANCE_PAY, ASSISTANCE_RECORD
from lianxin.core.permissions import has_unit_permission

from ...models import Application
from ..base import AssistanceError, check_version, require_permission
from ..funds import fund_release, fund_reserve
from .steps import (
    Action,
    Status,
    _describe,
    _locked,
    _require_step,
    _required_text,
    _reserving_fund,
    _save,
    _step,
    _tell,
    holders,
)


def application_approve(*, actor, application: Application, version: int, note: str = "") -> Application:
    """Approve (pending → approved): reserves the amount in the programme's fund and records that
    fund on the application (it pays from there). Needs assistance.approve on
    `application.approval_unit`; never the recorder. `InsufficientFunds` when the fund cannot cover
    it. Tells the treasurers (待发放) after commit."""
    with transaction.atomic():
        application = _locked(application)
        require_permission(actor, application.approval_unit, ASSISTANCE_APPROVE)
        check_version(application, version)
        _require_step(application, Status.APPROVED, _("批准"))
        if application.recorded_by_id == actor.pk:
            raise AssistanceError(_("登记人不能审批自己登记的帮扶申请,请由其他有审批权的人审批。"))
        programme = application.programme
        fund = fund_reserve(fund=programme.fund, amount=application.amount)
        old = application.status
        application.status = Status.APPROVED
        application.approved_by = actor
        application.approved_at = timezone.now()
        application.fund = fund
        _save(application, "status", "approved_by", "approved_at", "fund")
        _step(application, Action.APPROVED, actor=actor, old=old, note=(note or "").strip(), fund=fund.pk)
        exclude = {actor.pk} if programme.payer_must_differ else set()
        _tell(
            holders(programme.unit, ASSISTANCE_PAY, exclude=exclude),
            _("待发放:帮扶申请 %(number)s(%(programme)s,%(amount)s 元)") % _describe(application),
            application,
        )
    return application


def application_return(*, actor, application: Application, version: int, reason: str) -> Application:
    """Send back to the recorder (pending/approved → returned) with a reason; an approved one
    releases its reservation. Needs assistance.approve on the approval unit (for an approved one,
    assistance.pay on the programme's unit also does: the treasurer who finds a mistake).
    Tells the recorder (已退回) after commit."""
    reason = _required_text(reason, "reason", _("请写明退回原因。"))
    with transaction.atomic():
        application = _locked(application)
        programme = application.programme
        may = has_unit_permission(actor, application.approval_unit, ASSISTANCE_APPROVE) or (
            application.status == Status.APPROVED
            and has_unit_permission(actor, programme.unit, ASSISTANCE_PAY)
        )
        if not may:
            raise PermissionDenied(_("你没有在该单位进行这项操作的权限。"))
        check_version(application, version)
        _require_step(application, Status.RETURNED, _("退回"))
        old = application.status
        released = None
        if old == Status.APPROVED:
            released = fund_release(fund=_reserving_fund(application), amount=application.amount)
        application.status = Status.RETURNED
        application.approved_by = None
        application.approved_at = None
        application.fund = None
        _save(application, "status", "approved_by", "approved_at", "fund")
        _step(
            application,
            Action.RETURNED,
            actor=actor,
            old=old,
            note=reason,
            released_from=released.pk if released is not None else None,
        )
        _tell(
            [application.recorded_by],
            _("已退回:帮扶申请 %(number)s(%(programme)s,%(amount)s 元)") % _describe(application),
            application,
            body=reason,
        )
    return application


def application_void(*, actor, application: Application, version: int, reason: str) -> Application:
    """Void a pending or returned application with a reason; it stops counting against caps and
    frees the household's place in the period. Needs assistance.record on the beneficiary's unit."""
    reason = _required_text(reason, "reason", _("请写明作废原因。"))
    with transaction.atomic():
        application = _locked(application)
        require_permission(actor, application.unit, ASSISTANCE_RECORD)
        check_version(application, version)
        _require_step(application, Status.VOIDED, _("作废"))
        old = application.status
        application.status = Status.VOIDED
        application.once_key = None
        _save(application, "status", "once_key")
        _step(application, Action.VOIDED, actor=actor, old=old, note=reason)
    return application
