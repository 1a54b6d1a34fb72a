"""The programme's rules for aid: who is eligible, how much, the caps and once per period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from lianxin.members.models import Member, MemberStatus
from lianxin.org.models import Unit

from ...models import (
    COUNTING_STATUSES,
    Application,
    FileStatus,
    HardshipFile,
    Level,
    Period,
    Programme,
    ProgrammeKind,
    SchoolLevel,
)
from ..base import AssistanceError
from ..funds import yuan


def programme_amount(*, programme: Programme, school_level: str = "", amount=None) -> Decimal:
    """The amount a grant under `programme` pays: the standard, the school level's amount, or
    `amount` checked against the programme's minimum and maximum. `AssistanceError` when not allowed.

    Without `amount` the standard applies (for school aid: the amount of `school_level`). A given
    amount must lie within the programme's minimum and maximum; a programme that has a standard
    and no range pays exactly the standard.
    """
    standard = programme.standard_amount
    if programme.kind == ProgrammeKind.SCHOOL_AID and programme.amounts_by_school_level:
        if not school_level:
            raise AssistanceError(_("请选择在读学段。"))
        if school_level not in SchoolLevel.values:
            raise AssistanceError(_("学段不正确。"))
        by_level = programme.amounts_by_school_level.get(school_level)
        if by_level in (None, ""):
            raise AssistanceError(
                _("“%(programme)s”不资助%(level)s学段。")
                % {"programme": programme.name, "level": SchoolLevel(school_level).label}
            )
        standard = yuan(by_level)
    if amount in (None, ""):
        if standard is None:
            raise AssistanceError(_("本项目没有标准金额,请填写金额。"))
        return standard
    amount = yuan(amount)
    low, high = programme.min_amount, programme.max_amount
    if low is None and high is None:
        if standard is not None and amount != standard:
            raise AssistanceError(
                _("“%(programme)s”按标准金额 %(standard)s 元发放。")
                % {"programme": programme.name, "standard": f"{standard:,.2f}"}
            )
        return amount
    if low is not None and amount < low:
        raise AssistanceError(_("金额不能低于本项目的最低标准 %(low)s 元。") % {"low": f"{low:,.2f}"})
    if high is not None and amount > high:
        raise AssistanceError(_("金额不能超过本项目的最高标准 %(high)s 元。") % {"high": f"{high:,.2f}"})
    return amount


def period_key(period: str, day: dt.date) -> str:
    """The programme period a day falls in: 2026, 2026H2, 2026Q3, 2026-08 (always starts with the year)."""
    if period == Period.HALF_YEAR:
        return f"{day.year}H{1 if day.month <= 6 else 2}"
    if period == Period.QUARTER:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    if period == Period.MONTH:
        return f"{day.year}-{day.month:02d}"
    return str(day.year)


def approval_unit_for(programme: Programme, amount: Decimal) -> Unit:
    """Where the grant is approved: the programme's unit, or the one above it past the threshold."""
    threshold = programme.approval_threshold
    if threshold is not None and amount > threshold:
        parent = Unit.objects.get_parent(programme.unit)
        if parent is not None:
            return parent
    return programme.unit


def _household_key(member: Member, file: HardshipFile | None) -> str:
    return f"f{file.pk}" if file is not None else f"m{member.pk}"


def _amount_field(call):
    """Run an amount rule, putting its message on the form's amount field."""
    try:
        return call()
    except AssistanceError as error:
        raise ValidationError({"amount": error.message}) from None


def _check_eligible(*, programme: Programme, member: Member, file: HardshipFile | None, on: dt.date):
    if not programme.is_active:
        raise AssistanceError(_("帮扶项目“%(programme)s”已停用。") % {"programme": programme.name})
    if (programme.starts_on and on < programme.starts_on) or (programme.ends_on and on > programme.ends_on):
        raise AssistanceError(
            _("%(day)s 不在“%(programme)s”的执行期内。")
            % {"day": on.isoformat(), "programme": programme.name}
        )
    if not member.unit.path.startswith(programme.unit.path):
        raise AssistanceError(
            _("%(name)s不在“%(programme)s”的帮扶范围(%(unit)s)内。")
            % {"name": member.name, "programme": programme.name, "unit": programme.unit.name}
        )
    if file is not None and file.member_id != member.pk:
        raise AssistanceError(_("所选困难档案不是这名职工的。"))
    if programme.requires_file:
        if file is None or file.status != FileStatus.ACTIVE:
            raise AssistanceError(
                _("“%(programme)s”只帮扶在档困难职工,%(name)s没有在档的困难档案。")
                % {"programme": programme.name, "name": member.name}
            )
        if programme.eligible_levels and file.level not in programme.eligible_levels:
            raise AssistanceError(
                _("困难类别“%(level)s”不在“%(programme)s”的帮扶范围内。")
                % {"level": Level(file.level).label, "programme": programme.name}
            )


def _check_limits(
    *,
    programme: Programme,
    member: Member,
    household_key: str,
    period: str,
    amount: Decimal,
    exclude_pk: int | None = None,
) -> None:
    """Once per period and the yearly caps; the member (and file) rows are locked by the caller."""
    year = period[:4]
    counting = Application.objects.filter(
        programme=programme, status__in=COUNTING_STATUSES, period_key__startswith=year
    )
    if exclude_pk is not None:
        counting = counting.exclude(pk=exclude_pk)
    if programme.once_per_period:
        earlier = counting.filter(household_key=household_key, period_key=period).first()
        if earlier is not None:
            raise AssistanceError(
                _("这户本周期(%(period)s)已有“%(programme)s”的帮扶(%(number)s),每户每周期限一次。")
                % {"period": period, "programme": programme.name, "number": earlier.number}
            )
    caps = (
        (programme.cap_per_person_year, {"member": member}, _("每人每年")),
        (programme.cap_per_household_year, {"household_key": household_key}, _("每户每年")),
    )
    for cap, lookup, label in caps:
        if cap is None:
            continue
        used = counting.filter(**lookup).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
        if used + amount > cap:
            raise AssistanceError(
                _(
                    "超过“%(programme)s”%(label)s上限 %(cap)s 元:%(year)s 年已有 %(used)s 元,本次 %(amount)s 元,最多还可 %(left)s 元。"
                )
                % {
                    "programme": programme.name,
                    "label": label,
                    "cap": f"{cap:,.2f}",
                    "year": year,
                    "used": f"{used:,.2f}",
                    "amount": f"{amount:,.2f}",
                    "left": f"{max(cap - used, Decimal('0.00')):,.2f}",
                }
            )


def member_require_in_union(member: Member, what: str) -> None:
    """Refuse something new (`what`, a verb phrase under the context "离会后不能做的事": "登记新的帮扶",
    "建立困难档案", …) for a member who has left the union:
    `ValidationError` on the member field. Read the member under its row lock for a firm answer."""
    if member.status == MemberStatus.LEFT:
        raise ValidationError(
            {
                "member": _("%(name)s(%(no)s)已离会,不能%(what)s。")
                % {"name": member.name, "no": member.member_no, "what": what}
            }
        )


def _lock_beneficiary(member: Member, file: HardshipFile | None) -> tuple[Member, HardshipFile | None]:
    """Lock the member's row, then the file's, and read them fresh (the caps count under these locks)."""
    member = Member.objects.select_for_update(of=("self",)).select_related("unit").get(pk=member.pk)
    if file is not None:
        file = HardshipFile.objects.select_for_update().get(pk=file.pk)
    return member, file
