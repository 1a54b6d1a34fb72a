"""Setting up an aid programme (帮扶项目) with its rules: amounts, caps, period, approval threshold.

Written for `POST /api/v1/assistance/programmes`; the rules themselves are applied when aid is
recorded (`services.applications`). Needs assistance.configure on the programme's unit; the fund
it pays from belongs to that unit or one above it and is in use.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import ASSISTANCE_CONFIGURE
from lianxin.org.models import Unit

from ..models import Fund, Level, Period, Programme, ProgrammeKind, SchoolLevel
from .base import AssistanceError, require_permission
from .funds import yuan

AMOUNT_FIELDS = (
    "standard_amount",
    "min_amount",
    "max_amount",
    "cap_per_person_year",
    "cap_per_household_year",
    "approval_threshold",
)


def _amounts(rules: dict, errors: dict) -> dict:
    """The rules' amounts as yuan (None when not given); a bad one is an error on its field."""
    cleaned = {}
    for field in AMOUNT_FIELDS:
        value = rules.get(field)
        try:
            cleaned[field] = None if value in (None, "") else yuan(value)
        except AssistanceError as error:
            errors[field] = error.message
    by_level = {}
    for level, value in (rules.get("amounts_by_school_level") or {}).items():
        level = str(getattr(level, "value", level))
        if level not in SchoolLevel.values or not level:
            errors["amounts_by_school_level"] = _("学段不正确。")
            continue
        try:
            by_level[level] = str(yuan(value))
        except AssistanceError as error:
            errors["amounts_by_school_level"] = error.message
    cleaned["amounts_by_school_level"] = by_level
    return cleaned


def _check(kind: str, amounts: dict, period: str, levels: list, starts_on, ends_on, errors: dict) -> None:
    low, high, standard = amounts.get("min_amount"), amounts.get("max_amount"), amounts.get("standard_amount")
    if kind not in ProgrammeKind.values:
        errors["kind"] = _("项目类型不正确。")
    if period not in Period.values:
        errors["period"] = _("周期不正确。")
    if any(level not in Level.values for level in levels):
        errors["eligible_levels"] = _("困难类别不正确。")
    if low is not None and high is not None and low > high:
        errors["max_amount"] = _("最高金额不能低于最低金额。")
    if standard is not None and (
        (low is not None and standard < low) or (high is not None and standard > high)
    ):
        errors["standard_amount"] = _("标准金额应在最低和最高金额之间。")
    no_amount = standard is None and low is None and high is None
    if no_amount and not (kind == ProgrammeKind.SCHOOL_AID and amounts.get("amounts_by_school_level")):
        errors["standard_amount"] = _("请填写标准金额,或金额范围(助学可按学段)。")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期。")


def programme_create(
    *,
    actor,
    unit: Unit,
    fund: Fund,
    code: str,
    name: str,
    kind: str,
    period: str = Period.YEAR,
    eligible_levels: list | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    **rules,
) -> Programme:
    """A new programme of `unit` paying from `fund`. `rules`: description, requires_file,
    once_per_period, payer_must_differ, follow_up_days and the amounts (standard_amount,
    amounts_by_school_level, min_amount, max_amount, cap_per_person_year, cap_per_household_year,
    approval_threshold). Bad input: `ValidationError` on the field."""
    require_permission(actor, unit, ASSISTANCE_CONFIGURE)
    errors: dict[str, str] = {}
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        errors["code"] = _("请填写项目代码。")
    if not name:
        errors["name"] = _("请填写项目名称。")
    if not unit.path.startswith(fund.unit.path) or not fund.is_active:
        errors["fund"] = _("只能从本单位或上级单位在用的资金中支出。")
    levels = [str(getattr(level, "value", level)) for level in (eligible_levels or [])]
    amounts = _amounts(rules, errors)
    _check(str(kind), amounts, str(period), levels, starts_on, ends_on, errors)
    if code and Programme.objects.filter(unit=unit, code=code).exists():
        errors["code"] = _("本单位已有代码为 %(code)s 的项目。") % {"code": code}
    if errors:
        raise ValidationError(errors)
    follow_up_days = int(rules.get("follow_up_days", 30))
    with transaction.atomic():
        programme = Programme.objects.create(
            unit=unit,
            fund=fund,
            code=code,
            name=name[:100],
            kind=str(kind),
            period=str(period),
            eligible_levels=levels,
            starts_on=starts_on,
            ends_on=ends_on,
            description=(rules.get("description") or "").strip(),
            requires_file=bool(rules.get("requires_file", True)),
            once_per_period=bool(rules.get("once_per_period", True)),
            payer_must_differ=bool(rules.get("payer_must_differ", True)),
            follow_up_days=max(0, follow_up_days),
            **amounts,
        )
        audit_log(
            code="assistance.programme.created",
            actor=actor,
            target=programme,
            unit=unit,
            name=programme.name,
            kind=programme.kind,
            fund=fund.pk,
            **{field: str(value) for field, value in amounts.items() if isinstance(value, Decimal)},
        )
    return programme
