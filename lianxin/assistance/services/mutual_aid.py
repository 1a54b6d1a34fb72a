"""Mutual-aid protection (互助保障): plans, enrolments and claims.

A plan runs for a period and pays from its own fund (a fund of kind `mutual_aid`). Members are
enrolled once per plan; their premiums go into the plan's fund as one PREMIUM entry per batch.
A claim lists a member's medical invoices; its benefit follows the plan's rules:

    benefit = min(cap_per_claim, (eligible − deductible) × rate, what is left of cap_per_member)

rounded to the cent (half up). A claim whose benefit would be zero is refused, saying why.

The claim's steps: recorded (pending) → approved (the plan's fund reserves the benefit) → paid
(the treasurer, with an idempotency key) → reversed (a counter-entry, with a reason). A pending
claim may be returned to its recorder (and resubmitted) or rejected; an approved one may be
returned (the reservation is released). The recorder never approves; the payer is neither the
recorder nor the approver. Each step re-reads the claim under a row lock, checks the move against
`CLAIM_TRANSITIONS`, writes a `ClaimEvent` and an audit row in the same transaction, and tells the
person who must act next (`notify` writes the in-app row now, mail and SMS after commit).

An invoice counts once: while its claim counts (pending, returned, approved, paid) the invoice's
normalised number sits in `ClaimInvoice.active_key`, unique in the table; rejecting or reversing
the claim clears it, so the invoice may be claimed again.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import (
    ASSISTANCE_APPROVE,
    ASSISTANCE_CONFIGURE,
    ASSISTANCE_PAY,
    ASSISTANCE_RECORD,
)
from lianxin.core.idempotency import Outcome, fingerprint_of, idempotent
from lianxin.core.models import RoleAssignment
from lianxin.core.notifications import Message, notify
from lianxin.core.permissions import has_unit_permission
from lianxin.members.models import Member, MemberStatus
from lianxin.org.models import Unit

from ..models import (
    CLAIM_TRANSITIONS,
    ZERO,
    Claim,
    ClaimEvent,
    ClaimInvoice,
    ClaimStatus,
    Enrolment,
    EntryKind,
    Fund,
    FundEntry,
    FundKind,
    MutualAidPlan,
)
from .applications import member_require_in_union
from .base import AssistanceConflict, AssistanceError, check_version, next_number, require_permission
from .funds import CENT, MAX_AMOUNT, fund_income, fund_pay, fund_release, fund_reserve, fund_reverse

PAY_SCOPE = "assistance.claim_pay"
COUNTING = (ClaimStatus.PENDING, ClaimStatus.RETURNED, ClaimStatus.APPROVED, ClaimStatus.PAID)
"""Claims in these statuses count against a member's cap and hold their invoices."""

Action = ClaimEvent.Action


# --- plans -------------------------------------------------------------------------------------------


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


# --- enrolment ---------------------------------------------------------------------------------------


def enrolment_add(*, actor, plan: MutualAidPlan, members: Iterable[Member], on=None) -> list[Enrolment]:
    """Enrol members in the plan; their premiums enter the plan's fund as one PREMIUM entry.

    Each member must be active, in the plan's unit and where the actor records assistance, and not
    enrolled in this plan already; otherwise nothing is enrolled and the error names the member.
    """
    on = on or timezone.localdate()
    members = list(members)
    if not members:
        raise AssistanceError(_("没有可参保的职工。"))
    for member in members:
        require_permission(actor, member.unit, ASSISTANCE_RECORD)
    with transaction.atomic():
        plan = MutualAidPlan.objects.select_for_update().select_related("fund", "unit").get(pk=plan.pk)
        if not plan_accepts_enrolment(plan, on):
            raise AssistanceError(_("“%(plan)s”已停止参保。") % {"plan": plan.name})
        taken = set(
            Enrolment.objects.filter(plan=plan, member__in=members).values_list("member_id", flat=True)
        )
        for member in members:
            if member.pk in taken:
                raise AssistanceError(
                    _("%(name)s(%(no)s)已参加这个计划。") % {"name": member.name, "no": member.member_no}
                )
            member_require_in_union(member, pgettext("离会后不能做的事", "参保"))
            if not _is_within(member.unit, plan.unit):
                raise AssistanceError(
                    _("%(name)s(%(no)s)不在“%(plan)s”的范围内。")
                    % {"name": member.name, "no": member.member_no, "plan": plan.name}
                )
        entry = None
        total = plan.premium * len(members)
        if total > 0:
            entry = fund_income(
                fund=plan.fund,
                kind=EntryKind.PREMIUM,
                amount=total,
                actor=actor,
                note=_("%(plan)s 会费 %(count)s 人") % {"plan": plan.name, "count": len(members)},
            )
        try:
            with transaction.atomic():
                enrolments = Enrolment.objects.bulk_create(
                    Enrolment(
                        plan=plan,
                        member=member,
                        unit=member.unit,
                        premium=plan.premium,
                        enrolled_on=on,
                        enrolled_by=actor,
                        premium_entry=entry,
                    )
                    for member in members
                )
        except IntegrityError:  # enrolled by someone else in between (the plan lock makes this rare)
            raise AssistanceConflict(_("有职工刚被其他人登记参保,请刷新后再操作。")) from None
        audit_log(
            code="assistance.enrolment.added",
            actor=actor,
            target=plan,
            unit=plan.unit,
            count=len(enrolments),
            premium_total=str(total),
            members=[member.pk for member in members],
        )
    return enrolments


def enrolment_add_unit(*, actor, plan: MutualAidPlan, unit: Unit, on=None) -> list[Enrolment]:
    """Enrol every active member of `unit`'s subtree not yet in the plan, as one batch."""
    require_permission(actor, unit, ASSISTANCE_RECORD)
    if not _is_within(unit, plan.unit):
        raise AssistanceError(_("“%(unit)s”不在这个计划的范围内。") % {"unit": unit.name})
    members = (
        Member.objects.filter(unit__path__startswith=unit.path, status=MemberStatus.ACTIVE)
        .exclude(pk__in=Enrolment.objects.filter(plan=plan).values("member_id"))
        .select_related("unit")
        .order_by("unit__path", "member_no")
    )
    members = list(members)
    if not members:
        raise AssistanceError(_("“%(unit)s”的在会职工都已参保。") % {"unit": unit.name})
    return enrolment_add(actor=actor, plan=plan, members=members, on=on)


# --- the benefit -------------------------------------------------------------------------------------


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


# --- claims ------------------------------------------------------------------------------------------


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


def _release_invoices(claim: Claim) -> None:
    ClaimInvoice.objects.filter(claim=claim).update(active_key=None)


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
