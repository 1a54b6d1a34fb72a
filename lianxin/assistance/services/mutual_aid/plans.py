"""Mutual-aid plans: create, close, and whether a plan still takes enrolments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import ASSISTANCE_CONFIGURE
from lianxin.org.models import Unit

from ...models import ZERO, Fund, FundKind, MutualAidPlan
from ..base import AssistanceError, require_permission
from ..funds import CENT, MAX_AMOUNT


def _amount(value, field: str, *, required: bool = True, zero_ok: bool = True) -> Decimal | None:
    """A yuan amount with at most two places; a `ValidationError` on `field` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError({field: _("必填项。")})
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("金额格式不正确。")}) from None
    if not amount.is_finite():
        raise ValidationError({field: _("金额格式不正确。")})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: _("金额最多保留两位小数(分)。")})
    if amount < 0 or (amount == 0 and not zero_ok):
        raise ValidationError({field: _("金额必须大于 0。") if not zero_ok else _("金额不能为负数。")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("金额过大。")})
    return amount.quantize(CENT)


def _rate(value) -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"rate": _("赔付比例应为 0 到 1 之间的小数,如 0.6。")}) from None
    if not rate.is_finite() or not (0 < rate <= 1) or rate != rate.quantize(Decimal("0.001")):
        raise ValidationError({"rate": _("赔付比例应为 0 到 1 之间的小数(最多三位),如 0.6。")})
    return rate


def _is_within(unit: Unit, top: Unit) -> bool:
    return unit.path.startswith(top.path)


def plan_create(
    *,
    actor,
    unit: Unit,
    name: str,
    fund: Fund,
    starts_on: dt.date,
    ends_on: dt.date,
    premium,
    rate,
    deductible=ZERO,
    cap_per_claim=None,
    cap_per_member=None,
    approval_threshold=None,
) -> MutualAidPlan:
    """A new plan of `unit` for a period, paying from `fund` (a mutual-aid fund of the unit or above)."""
    require_permission(actor, unit, ASSISTANCE_CONFIGURE)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("请填写计划名称。")
    if fund.kind != FundKind.MUTUAL_AID:
        errors["fund"] = _("请选择互助保障基金。")
    elif not fund.is_active:
        errors["fund"] = _("这项资金已停用。")
    elif not _is_within(unit, fund.unit):
        errors["fund"] = _("只能使用本单位或上级单位的互助保障基金。")
    if starts_on and ends_on and ends_on <= starts_on:
        errors["ends_on"] = _("保障期结束日期必须晚于开始日期。")
    if errors:
        raise ValidationError(errors)
    values = {
        "premium": _amount(premium, "premium"),
        "deductible": _amount(deductible, "deductible"),
        "rate": _rate(rate),
        "cap_per_claim": _amount(cap_per_claim, "cap_per_claim", required=False, zero_ok=False),
        "cap_per_member": _amount(cap_per_member, "cap_per_member", required=False, zero_ok=False),
        "approval_threshold": _amount(approval_threshold, "approval_threshold", required=False),
    }
    with transaction.atomic():
        plan = MutualAidPlan.objects.create(
            unit=unit, name=name, fund=fund, starts_on=starts_on, ends_on=ends_on, **values
        )
        audit_log(
            code="assistance.plan.created",
            actor=actor,
            target=plan,
            unit=unit,
            fund=fund.pk,
            **{key: str(value) if value is not None else None for key, value in values.items()},
        )
    return plan


def plan_close(*, actor, plan: MutualAidPlan) -> MutualAidPlan:
    """Stop enrolment in the plan; claims of enrolled members go on."""
    require_permission(actor, plan.unit, ASSISTANCE_CONFIGURE)
    with transaction.atomic():
        plan = MutualAidPlan.objects.select_for_update().get(pk=plan.pk)
        if not plan.is_open:
            raise AssistanceError(_("这个计划已经停止参保。"))
        plan.is_open = False
        plan.save(update_fields=["is_open"])
        audit_log(code="assistance.plan.closed", actor=actor, target=plan, unit=plan.unit)
    return plan


def plan_accepts_enrolment(plan: MutualAidPlan, on: dt.date | None = None) -> bool:
    on = on or timezone.localdate()
    return plan.is_open and on <= plan.ends_on
