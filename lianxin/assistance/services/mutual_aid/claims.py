"""Recording a claim with its invoices, and what every later step on a claim shares."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import ASSISTANCE_APPROVE, ASSISTANCE_PAY, ASSISTANCE_RECORD
from lianxin.core.models import RoleAssignment
from lianxin.core.notifications import Message, notify
from lianxin.core.permissions import has_unit_permission
from lianxin.members.models import Member
from lianxin.org.models import Unit

from ...models import (
    CLAIM_TRANSITIONS,
    ZERO,
    Claim,
    ClaimEvent,
    ClaimInvoice,
    ClaimStatus,
    Enrolment,
    MutualAidPlan,
)
from ..applications import member_require_in_union
from ..base import AssistanceConflict, AssistanceError, check_version, next_number, require_permission
from .benefit import claim_benefit_explained
from .plans import _amount

Action = ClaimEvent.Action


def invoice_key(invoice_no: str) -> str:
    """The number an invoice is known by: full-width forms folded, spaces dropped, letters upper-case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", invoice_no or "")).upper()


def _date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationError({field: _("日期格式应为 2026-03-01。")}) from None


def invoices_clean(plan: MutualAidPlan, invoices: list[dict]) -> list[dict]:
    """Each invoice checked: a number, a date inside the plan's period, total > 0, 0 ≤ eligible ≤ total.

    Errors name the invoice by position: `invoices.<n>.<field>`.
    """
    if not invoices:
        raise ValidationError({"invoices": _("请至少填写一张医疗票据。")})
    errors: dict[str, str] = {}
    cleaned, seen = [], {}
    for index, invoice in enumerate(invoices):
        where = f"invoices.{index}"
        number = str(invoice.get("invoice_no") or "").strip()
        try:
            issued_on = _date(invoice.get("issued_on"), f"{where}.issued_on")
            total = _amount(invoice.get("total"), f"{where}.total", zero_ok=False)
            eligible = _amount(invoice.get("eligible"), f"{where}.eligible")
        except ValidationError as exc:
            errors.update({key: messages[0] for key, messages in exc.message_dict.items()})
            continue
        key = invoice_key(number)
        if not key:
            errors[f"{where}.invoice_no"] = _("请填写票据号。")
        elif len(number) > 40:
            errors[f"{where}.invoice_no"] = _("票据号最多 40 个字符。")
        elif key in seen:
            errors[f"{where}.invoice_no"] = _("与第 %(n)s 张票据重复。") % {"n": seen[key] + 1}
        seen.setdefault(key, index)
        if not plan.starts_on <= issued_on <= plan.ends_on:
            errors[f"{where}.issued_on"] = _("开票日期不在保障期(%(start)s 至 %(end)s)内。") % {
                "start": plan.starts_on,
                "end": plan.ends_on,
            }
        if eligible > total:
            errors[f"{where}.eligible"] = _("可报销部分不能超过票据金额。")
        cleaned.append(
            {"invoice_no": number, "issued_on": issued_on, "total": total, "eligible": eligible, "key": key}
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _claimed_elsewhere(keys: list[str], *, exclude: Claim | None = None) -> dict[str, str]:
    """Invoice key -> the number of the counting claim that already holds it."""
    rows = ClaimInvoice.objects.filter(active_key__in=keys)
    if exclude is not None:
        rows = rows.exclude(claim=exclude)
    return dict(rows.values_list("active_key", "claim__number"))


def _duplicate_errors(cleaned: list[dict], taken: dict[str, str]) -> dict[str, str]:
    return {
        f"invoices.{index}.invoice_no": _("票据 %(no)s 已在理赔 %(claim)s 中报销过。")
        % {"no": invoice["invoice_no"], "claim": taken[invoice["key"]]}
        for index, invoice in enumerate(cleaned)
        if invoice["key"] in taken
    }


def approval_unit_for(plan: MutualAidPlan, benefit: Decimal) -> Unit:
    """The plan's unit, or the next level up when the benefit is above the plan's threshold."""
    unit = plan.unit
    if plan.approval_threshold is not None and benefit > plan.approval_threshold:
        parent = Unit.objects.filter(path=unit.path[: -unit.steplen]).first() if unit.depth > 1 else None
        if parent is not None:
            return parent
    return unit


def _people(unit: Unit, code: str, *, exclude=()) -> list:
    """Active holders of `code` on the nearest unit, from `unit` upwards, that has any."""
    paths = [unit.path[:end] for end in range(unit.steplen, len(unit.path) + 1, unit.steplen)]
    rows = (
        RoleAssignment.objects.filter(unit__path__in=paths, unit__is_active=True, user__is_active=True)
        .select_related("user", "role", "unit")
        .order_by("-unit__depth", "user__username")
    )
    excluded = {getattr(user, "pk", None) for user in exclude}
    by_depth: dict[int, dict] = {}
    for row in rows:
        if code in (row.role.capabilities or []) and row.user_id not in excluded:
            by_depth.setdefault(row.unit.depth, {})[row.user_id] = row.user
    return list(by_depth[max(by_depth)].values()) if by_depth else []


def _tell(people, claim: Claim, title: str, body: str = "") -> None:
    notify(
        people,
        Message(
            title=title % {"number": claim.number},
            body=body,
            url=reverse("assistance:claim_detail", args=[claim.pk]),
            target=f"assistance.claim:{claim.pk}",
        ),
    )


def _event(claim: Claim, action: str, actor, old: str, note: str = "") -> ClaimEvent:
    return ClaimEvent.objects.create(
        claim=claim, action=action, from_status=old, to_status=claim.status, actor=actor, note=note
    )


def _claim_clean(plan: MutualAidPlan, *, illness, admitted_on, discharged_on, invoices) -> tuple:
    """The claim's fields checked against the plan; every error at once, each on its field."""
    errors: dict[str, str] = {}
    illness = (illness or "").strip()
    if not illness:
        errors["illness"] = _("请填写病种或事由。")
    admitted_on = _date(admitted_on, "admitted_on")
    if not plan.starts_on <= admitted_on <= plan.ends_on:
        errors["admitted_on"] = _("就诊/入院日期不在保障期(%(start)s 至 %(end)s)内。") % {
            "start": plan.starts_on,
            "end": plan.ends_on,
        }
    if discharged_on:
        discharged_on = _date(discharged_on, "discharged_on")
        if discharged_on < admitted_on:
            errors["discharged_on"] = _("出院日期不能早于入院日期。")
    else:
        discharged_on = None
    try:
        cleaned = invoices_clean(plan, invoices)
    except ValidationError as exc:
        errors.update({key: messages[0] for key, messages in exc.message_dict.items()})
        cleaned = []
    if errors:
        raise ValidationError(errors)
    return illness, admitted_on, discharged_on, cleaned


def claim_record(
    *,
    actor,
    enrolment: Enrolment,
    illness: str,
    admitted_on,
    invoices: list[dict],
    hospital: str = "",
    discharged_on=None,
    note: str = "",
) -> Claim:
    """Record a claim for an enrolled member with its invoices; the benefit follows the plan's rules.

    `invoices`: [{"invoice_no", "issued_on", "total", "eligible"}]. Refused (422) with the field when
    the admission or an invoice lies outside the plan's period, an invoice is already claimed, or
    the benefit would be zero (the message says why).
    """
    require_permission(actor, enrolment.unit, ASSISTANCE_RECORD)
    plan = enrolment.plan
    illness, admitted_on, discharged_on, cleaned = _claim_clean(
        plan, illness=illness, admitted_on=admitted_on, discharged_on=discharged_on, invoices=invoices
    )
    invoice_total = sum((invoice["total"] for invoice in cleaned), ZERO)
    eligible_total = sum((invoice["eligible"] for invoice in cleaned), ZERO)
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        member_require_in_union(
            Member.objects.select_for_update().get(pk=enrolment.member_id),
            pgettext("离会后不能做的事", "申请互助理赔"),
        )
        taken = _claimed_elsewhere([invoice["key"] for invoice in cleaned])
        if taken:
            raise ValidationError(_duplicate_errors(cleaned, taken))
        benefit = claim_benefit_explained(plan=plan, enrolment=enrolment, eligible_total=eligible_total)
        if benefit.amount <= 0:
            raise AssistanceError(benefit.reason)
        today = timezone.localdate()
        claim = Claim.objects.create(
            number=next_number("HZ", today.year),
            plan=plan,
            enrolment=enrolment,
            unit=enrolment.unit,
            illness=illness[:100],
            hospital=(hospital or "").strip()[:100],
            admitted_on=admitted_on,
            discharged_on=discharged_on,
            invoice_total=invoice_total,
            eligible_total=eligible_total,
            benefit=benefit.amount,
            approval_unit=approval_unit_for(plan, benefit.amount),
            recorded_by=actor,
        )
        try:
            with transaction.atomic():
                ClaimInvoice.objects.bulk_create(
                    ClaimInvoice(
                        claim=claim,
                        invoice_no=invoice["invoice_no"],
                        issued_on=invoice["issued_on"],
                        total=invoice["total"],
                        eligible=invoice["eligible"],
                        active_key=invoice["key"],
                    )
                    for invoice in cleaned
                )
        except IntegrityError:  # the same invoice claimed at the same moment elsewhere
            taken = _claimed_elsewhere([invoice["key"] for invoice in cleaned], exclude=claim)
            raise ValidationError(
                _duplicate_errors(cleaned, taken) or {"invoices": _("有票据刚被其他理赔报销。")}
            ) from None
        _event(claim, Action.RECORDED, actor, "", note or benefit.reason)
        audit_log(
            code="assistance.claim.recorded",
            actor=actor,
            target=claim,
            unit=claim.unit,
            plan=plan.pk,
            benefit=str(claim.benefit),
            eligible=str(eligible_total),
        )
        _tell(
            _people(claim.approval_unit, ASSISTANCE_APPROVE, exclude=[actor]),
            claim,
            _("待审批:互助理赔 %(number)s"),
        )
    return claim


def _locked(claim: Claim, version: int | None, to: str) -> Claim:
    """The claim re-read under a row lock, checked for its version and the move to `to`."""
    locked = (
        Claim.objects.select_for_update()
        .select_related("plan", "plan__fund", "plan__unit", "unit", "approval_unit", "enrolment")
        .get(pk=claim.pk)
    )
    check_version(locked, version)
    if to not in CLAIM_TRANSITIONS[ClaimStatus(locked.status)]:
        raise AssistanceConflict(
            _("理赔 %(number)s 当前为“%(status)s”,不能执行这项操作。")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    return locked


def _move(claim: Claim, to: str, fields: list[str]) -> str:
    old = claim.status
    claim.status = to
    claim.version += 1
    claim.save(update_fields=["status", "version", *fields])
    return old


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


def _forbidden() -> PermissionDenied:
    return PermissionDenied(_("你没有在该单位进行这项操作的权限。"))


def may_approve(user, claim: Claim) -> bool:
    return has_unit_permission(user, claim.approval_unit, ASSISTANCE_APPROVE)


def may_pay(user, claim: Claim) -> bool:
    return has_unit_permission(user, claim.plan.fund.unit, ASSISTANCE_PAY)


def may_record(user, claim: Claim) -> bool:
    return has_unit_permission(user, claim.unit, ASSISTANCE_RECORD)


def _release_invoices(claim: Claim) -> None:
    ClaimInvoice.objects.filter(claim=claim).update(active_key=None)
