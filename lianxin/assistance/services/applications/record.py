"""Recording aid (pending approval) and sending a returned application again."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lianxin.core.capabilities import ASSISTANCE_RECORD

from ...models import Application, FileStatus, HardshipFile, Programme
from ..base import AssistanceError, check_version, next_number, require_permission
from .rules import (
    _amount_field,
    _check_eligible,
    _check_limits,
    _household_key,
    _lock_beneficiary,
    approval_unit_for,
    member_require_in_union,
    period_key,
    programme_amount,
)
from .steps import Action, Status, _locked, _require_step, _required_text, _save, _step, _tell_approvers


def _aid_day(on: dt.date | None) -> tuple[dt.date, dt.datetime]:
    today = timezone.localdate()
    if on is None or on == today:
        return today, timezone.now()
    if on > today:
        raise ValidationError({"on": _("日期不能晚于今天。")})
    return on, timezone.make_aware(dt.datetime.combine(on, dt.time(9, 0)))


def application_record(
    *,
    actor,
    programme: Programme,
    member,
    reason: str,
    amount=None,
    school_level: str = "",
    goods: str = "",
    file: HardshipFile | None = None,
    appeal=None,
    on: dt.date | None = None,
) -> Application:
    """Record one grant of aid (pending approval). Needs assistance.record on the member's unit.

    Checks eligibility, the amount, the caps per person and household per year and once-per-period.
    `on` is the date of the aid (default today). Without `file`, the member's active hardship file
    (if any) is the household. Tells the approvers (待审批) after commit."""
    reason = _required_text(reason, "reason", _("请写明帮扶事由。"))
    day, recorded_at = _aid_day(on)
    require_permission(actor, member.unit, ASSISTANCE_RECORD)
    programme = Programme.objects.select_related("unit", "fund").get(pk=programme.pk)
    value = _amount_field(
        lambda: programme_amount(programme=programme, school_level=school_level, amount=amount)
    )
    with transaction.atomic():
        if file is None:
            file = HardshipFile.objects.filter(member=member, status=FileStatus.ACTIVE).first()
        member, file = _lock_beneficiary(member, file)
        member_require_in_union(member, pgettext("离会后不能做的事", "登记新的帮扶"))
        _check_eligible(programme=programme, member=member, file=file, on=day)
        household = _household_key(member, file)
        period = period_key(programme.period, day)
        _check_limits(
            programme=programme, member=member, household_key=household, period=period, amount=value
        )
        application = Application(
            number=next_number("BF", day.year),
            programme=programme,
            unit=member.unit,
            member=member,
            file=file,
            household_key=household,
            period_key=period,
            once_key=f"{programme.pk}:{household}:{period}" if programme.once_per_period else None,
            amount=value,
            goods=(goods or "").strip(),
            school_level=school_level or "",
            reason=reason,
            status=Status.PENDING,
            approval_unit=approval_unit_for(programme, value),
            appeal=appeal,
            recorded_by=actor,
            recorded_at=recorded_at,
        )
        try:
            with transaction.atomic():
                application.save(force_insert=True)
        except IntegrityError:
            # Another record for the household and period won the race past the check above.
            raise AssistanceError(
                _("这户本周期(%(period)s)已有“%(programme)s”的帮扶,每户每周期限一次。")
                % {"period": period, "programme": programme.name}
            ) from None
        _step(application, Action.RECORDED, actor=actor, old="", at=recorded_at)
        _tell_approvers(application)
    return application


def application_resubmit(
    *, actor, application: Application, version: int, amount=None, reason: str | None = None, note: str = ""
) -> Application:
    """A returned application sent again (returned → pending), maybe with a new amount or reason.

    Needs assistance.record on the beneficiary's unit. The programme's rules are checked again
    (for the aid's original date); a new amount may move the approval to the unit above."""
    if reason is not None:
        reason = _required_text(reason, "reason", _("请写明帮扶事由。"))
    with transaction.atomic():
        application = _locked(application)
        require_permission(actor, application.unit, ASSISTANCE_RECORD)
        check_version(application, version)
        _require_step(application, Status.PENDING, _("重新提交"))
        programme = application.programme
        value = application.amount
        if amount not in (None, ""):
            value = _amount_field(
                lambda: programme_amount(
                    programme=programme, school_level=application.school_level, amount=amount
                )
            )
        member, file = _lock_beneficiary(application.member, application.file)
        day = timezone.localtime(application.recorded_at).date()
        _check_eligible(programme=programme, member=member, file=file, on=day)
        _check_limits(
            programme=programme,
            member=member,
            household_key=application.household_key,
            period=application.period_key,
            amount=value,
            exclude_pk=application.pk,
        )
        old = application.status
        application.status = Status.PENDING
        application.amount = value
        application.approval_unit = approval_unit_for(programme, value)
        if reason is not None:
            application.reason = reason
        _save(application, "status", "amount", "approval_unit", "reason")
        _step(application, Action.RESUBMITTED, actor=actor, old=old, note=(note or "").strip())
        _tell_approvers(application)
    return application
