"""Aid under programmes (帮扶申请): record, approve, return, resubmit, void, pay, reverse.

The programme's rules are checked here: who is eligible (an active programme within its dates,
a member inside the programme unit's subtree, an active hardship file of an eligible level where
the programme asks for one), how much (the standard, the school level's amount, or within the
minimum and maximum), the caps per person and per household per calendar year, and once per
period. Caps count the applications in `COUNTING_STATUSES`; the member's row (and the household's
file row) is locked while they are counted, so two concurrent records cannot both slip under a
cap. Once per period is also held by the unique `once_key`, cleared when an application is voided
or reversed.

Money: approval reserves the amount in the programme's fund of that moment and records it as
`Application.fund`; a return after approval releases it there, payment consumes it there
(`fund_pay`), a reversal is a counter-entry on the payment's own entry (`fund_reverse`). A programme
moved to another fund therefore never pays or releases its earlier approvals on the new one. Lock
order: the application row, then the member and the file, then the fund. The recorder never
approves; where the programme says so, the approver never pays. Each step writes an
`ApplicationEvent` and an audit row in its transaction and tells the people who must act next once
it has committed.

A member who has left the union (离会) gets no new aid (`member_require_in_union`, checked under the
member's row lock); what was recorded before stays and goes on through its steps.

Errors: `ValidationError({field: …})` for a missing or malformed field (reason, reference, amount,
school level), `AssistanceError` (422) for a rule, `AssistanceConflict` (409) for a stale version
or a step the status does not allow, `PermissionDenied` (403) for a missing capability.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import (
    ASSISTANCE_APPROVE,
    ASSISTANCE_FUNDS,
    ASSISTANCE_PAY,
    ASSISTANCE_RECORD,
)
from lianxin.core.idempotency import Outcome, fingerprint_of, idempotent
from lianxin.core.models import RoleAssignment
from lianxin.core.notifications import Message, notify
from lianxin.core.permissions import has_unit_permission
from lianxin.core.text import to_simplified
from lianxin.members.models import Member, MemberStatus
from lianxin.org.models import Unit

from ..models import (
    APPLICATION_TRANSITIONS,
    COUNTING_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Campaign,
    EntryKind,
    FileStatus,
    Fund,
    FundEntry,
    FundKind,
    HardshipFile,
    Level,
    Period,
    Programme,
    ProgrammeKind,
    SchoolLevel,
)
from .base import AssistanceConflict, AssistanceError, check_version, next_number, require_permission
from .funds import fund_income, fund_pay, fund_release, fund_reserve, fund_reverse, fund_transfer, yuan

Action = ApplicationEvent.Action
Status = ApplicationStatus

PAY_SCOPE = "assistance.pay"
MAX_REASON = 2000


# --- programme rules -------------------------------------------------------------------------------


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


# --- shared steps ----------------------------------------------------------------------------------


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related(
            "programme", "programme__unit", "programme__fund", "fund", "unit", "approval_unit", "member"
        )
        .get(pk=application.pk)
    )


def _reserving_fund(application: Application) -> Fund:
    """The fund the approval reserved on: where the application is paid or released."""
    if application.fund_id is None:  # approved outside the services (0005 filled the older ones)
        raise AssistanceError(
            _("帮扶申请 %(number)s 没有记录预留资金,无法继续。") % {"number": application.number}
        )
    return application.fund


def _require_step(application: Application, to: str, verb: str) -> None:
    if to not in APPLICATION_TRANSITIONS[application.status]:
        raise AssistanceConflict(
            _("帮扶申请 %(number)s 现在是“%(status)s”,不能%(verb)s。")
            % {"number": application.number, "status": application.get_status_display(), "verb": verb}
        )


def _required_text(value, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > MAX_REASON:
        raise ValidationError({field: _("内容过长,请精简到 %(n)d 字以内。") % {"n": MAX_REASON}})
    return value


def _save(application: Application, *fields: str) -> None:
    application.version += 1
    application.save(update_fields=[*fields, "version"])


def _step(application: Application, action: str, *, actor, old: str, note: str = "", at=None, **detail):
    """The event row and the audit row of one step, in the step's transaction."""
    ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=old,
        to_status=application.status,
        actor=actor,
        at=at or timezone.now(),
        note=note,
    )
    audit_log(
        code=f"assistance.application.{action}",
        actor=actor,
        target=application,
        unit=application.unit,
        number=application.number,
        from_status=old,
        to_status=application.status,
        amount=str(application.amount),
        **detail,
    )


def _url(application: Application) -> str:
    try:
        return reverse("assistance:application_detail", args=[application.pk])
    except NoReverseMatch:  # the pages are mounted by another module
        return ""


def holders(unit: Unit, capability: str, *, exclude=()) -> list:
    """Users holding `capability` through a role on `unit`, or else on the nearest unit above it
    where someone holds it: the people who act on the unit's aid."""
    paths = [unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    rows = RoleAssignment.objects.filter(unit__path__in=paths, user__is_active=True).select_related(
        "user", "role", "unit"
    )
    by_depth: dict[int, dict] = {}
    for row in rows:
        if capability in (row.role.capabilities or []) and row.user_id not in exclude:
            by_depth.setdefault(len(row.unit.path), {})[row.user_id] = row.user
    return list(by_depth[max(by_depth)].values()) if by_depth else []


def _tell(users: list, title: str, application: Application, body: str = "") -> None:
    """Notify `users` once the step has committed (nothing is said about a step rolled back)."""
    if not users:
        return
    message = Message(
        title=title, body=body, url=_url(application), target=f"assistance.application:{application.pk}"
    )
    transaction.on_commit(lambda: notify(users, message))


def _describe(application: Application) -> dict:
    return {
        "number": application.number,
        "programme": application.programme.name,
        "amount": f"{application.amount:,.2f}",
    }


def _tell_approvers(application: Application) -> None:
    _tell(
        holders(application.approval_unit, ASSISTANCE_APPROVE, exclude={application.recorded_by_id}),
        _("待审批:帮扶申请 %(number)s(%(programme)s,%(amount)s 元)") % _describe(application),
        application,
    )


# --- recording -------------------------------------------------------------------------------------


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


# --- approval --------------------------------------------------------------------------------------


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


# --- payment ---------------------------------------------------------------------------------------


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


# --- from an appeal --------------------------------------------------------------------------------

SUGGESTIONS = (
    (ProgrammeKind.SERIOUS_ILLNESS, ("病", "住院", "手术", "医疗", "医药", "治疗", "癌", "化疗", "透析")),
    (ProgrammeKind.SCHOOL_AID, ("学费", "上学", "入学", "助学", "读书", "大学", "高中", "录取")),
    (ProgrammeKind.EMERGENCY, ("灾", "火灾", "洪水", "事故", "意外", "突发", "急需")),
)
"""Words in an appeal that suggest a programme kind; the first kind whose words appear wins."""


def application_initial_from_appeal(*, appeal, fetched_by) -> dict:
    """Initial values for a new application from a hardship appeal (404 if out of scope):
    {"appeal", "member", "file", "reason", "programme"} (member/file/programme may be None).

    An anonymous appeal names no member. The programme is suggested from the appeal's words among
    the active programmes covering the member's unit (or the appeal's unit)."""
    from lianxin.appeals.selectors import appeal_get

    appeal = appeal_get(fetched_by=fetched_by, appeal_id=appeal.pk)
    member = None
    if not appeal.is_anonymous:
        member = appeal.member
        if member is None and appeal.submitted_by_id:
            member = Member.objects.filter(user_id=appeal.submitted_by_id).select_related("unit").first()
    file = HardshipFile.objects.filter(member=member, status=FileStatus.ACTIVE).first() if member else None
    unit = member.unit if member else appeal.origin_unit
    paths = [unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    today = timezone.localdate()
    programmes = list(
        Programme.objects.filter(unit__path__in=paths, is_active=True)
        .select_related("unit")
        .order_by("-unit__depth", "id")
    )
    programmes = [
        p
        for p in programmes
        if (p.starts_on is None or p.starts_on <= today) and (p.ends_on is None or p.ends_on >= today)
    ]
    text = to_simplified(f"{appeal.title}\n{appeal.text}")
    suggested = None
    for kind, words in SUGGESTIONS:
        if any(word in text for word in words):
            suggested = next((p for p in programmes if p.kind == kind), None)
            if suggested is not None:
                break
    return {
        "appeal": appeal,
        "member": member,
        "file": file,
        "reason": f"{appeal.title}\n{appeal.text}".strip(),
        "programme": suggested,
    }


# --- funds and campaigns ---------------------------------------------------------------------------


def fund_create(*, actor, unit: Unit, name: str, kind: str = FundKind.RELIEF) -> Fund:
    """A new fund of a unit, empty. Needs assistance.funds on the unit."""
    name = _required_text(name, "name", _("请填写资金名称。"))[:100]
    if kind not in FundKind.values:
        raise ValidationError({"kind": _("资金类型不正确。")})
    require_permission(actor, unit, ASSISTANCE_FUNDS)
    with transaction.atomic():
        fund = Fund.objects.create(unit=unit, name=name, kind=kind)
        audit_log(code="assistance.fund.created", actor=actor, target=fund, unit=unit, name=name, kind=kind)
    return fund


def fund_update(*, actor, fund: Fund, name: str | None = None, is_active: bool | None = None) -> Fund:
    """Rename a fund or take it out of (or back into) use. Needs assistance.funds on its unit.

    A fund with approved, unpaid amounts cannot be taken out of use: pay or return them first."""
    if name is not None:
        name = _required_text(name, "name", _("请填写资金名称。"))[:100]
    with transaction.atomic():
        fund = Fund.objects.select_for_update().select_related("unit").get(pk=fund.pk)
        require_permission(actor, fund.unit, ASSISTANCE_FUNDS)
        changed = {}
        if name is not None and name != fund.name:
            changed["name"] = [fund.name, name]
            fund.name = name
        if is_active is not None and is_active != fund.is_active:
            if not is_active and fund.reserved > 0:
                raise AssistanceError(
                    _("“%(fund)s”还有已批未付的 %(reserved)s 元,请先发放或退回,再停用。")
                    % {"fund": fund.name, "reserved": f"{fund.reserved:,.2f}"}
                )
            changed["is_active"] = [fund.is_active, is_active]
            fund.is_active = is_active
        if changed:
            fund.save(update_fields=[field for field in ("name", "is_active") if field in changed])
            audit_log(
                code="assistance.fund.updated", actor=actor, target=fund, unit=fund.unit, changed=changed
            )
    return fund


def fund_income_record(
    *,
    actor,
    fund: Fund,
    kind: str,
    amount,
    donor: str = "",
    donor_anonymous: bool = False,
    campaign: Campaign | None = None,
    reference: str = "",
    note: str = "",
    at: dt.datetime | None = None,
) -> FundEntry:
    """An allocation or donation into a fund (kind "allocation" | "donation"), by a user holding
    assistance.funds on the fund's unit. A donation names its donor or is marked anonymous."""
    if kind not in (EntryKind.ALLOCATION, EntryKind.DONATION):
        raise ValidationError({"kind": _("请选择拨款或捐款。")})
    require_permission(actor, fund.unit, ASSISTANCE_FUNDS)
    value = _amount_field(lambda: yuan(amount))
    if kind == EntryKind.DONATION and not ((donor or "").strip() or donor_anonymous):
        raise ValidationError({"donor": _("请填写捐款人或单位,或注明匿名捐款。")})
    if at is not None and at > timezone.now():
        raise ValidationError({"at": _("日期不能晚于今天。")})
    return fund_income(
        fund=fund,
        kind=kind,
        amount=value,
        actor=actor,
        donor=(donor or "").strip()[:100],
        donor_anonymous=donor_anonymous,
        campaign=campaign,
        reference=(reference or "").strip()[:60],
        note=(note or "").strip()[:200],
        at=at,
    )


def fund_transfer_record(
    *, actor, source: Fund, target: Fund, amount, note: str = ""
) -> tuple[FundEntry, FundEntry]:
    """Move money between funds; needs assistance.funds on both funds' units."""
    require_permission(actor, source.unit, ASSISTANCE_FUNDS)
    require_permission(actor, target.unit, ASSISTANCE_FUNDS)
    value = _amount_field(lambda: yuan(amount))
    return fund_transfer(
        source=source, target=target, amount=value, actor=actor, note=(note or "").strip()[:200]
    )


def fund_entry_reverse(*, actor, entry: FundEntry, reason: str) -> FundEntry:
    """Reverse a wrong allocation or donation with a counter-entry; both entries stay.

    Payments are reversed on their application (`application_reverse`) or claim, premiums on the
    mutual-aid plan. Refused when the money is already promised or spent."""
    reason = _required_text(reason, "reason", _("请写明冲正原因。"))
    entry = FundEntry.objects.select_related("fund", "fund__unit").get(pk=entry.pk)
    require_permission(actor, entry.fund.unit, ASSISTANCE_FUNDS)
    if entry.kind not in (EntryKind.ALLOCATION, EntryKind.DONATION):
        raise AssistanceError(_("这里只能冲正拨款和捐款;发放请在帮扶申请或理赔上冲正。"))
    return fund_reverse(entry=entry, actor=actor, reason=reason)


def campaign_create(
    *,
    actor,
    unit: Unit,
    fund: Fund,
    name: str,
    purpose: str = "",
    goal=None,
    starts_on: dt.date,
    ends_on: dt.date,
) -> Campaign:
    """A donation campaign collecting into `fund`. Needs assistance.funds on `unit` and on the
    fund's unit; the fund must belong to `unit` or one of its ancestors and be in use."""
    name = _required_text(name, "name", _("请填写活动名称。"))[:100]
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
    value = None if goal in (None, "") else _amount_field(lambda: yuan(goal))
    require_permission(actor, unit, ASSISTANCE_FUNDS)
    require_permission(actor, fund.unit, ASSISTANCE_FUNDS)
    if not unit.path.startswith(fund.unit.path):
        raise ValidationError({"fund": _("只能存入本单位或上级单位的资金。")})
    if not fund.is_active:
        raise ValidationError({"fund": _("“%(fund)s”已停用。") % {"fund": fund.name}})
    with transaction.atomic():
        campaign = Campaign.objects.create(
            unit=unit,
            fund=fund,
            name=name,
            purpose=(purpose or "").strip(),
            goal=value,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=actor,
        )
        audit_log(
            code="assistance.campaign.created",
            actor=actor,
            target=campaign,
            unit=unit,
            fund=fund.pk,
            goal=str(value) if value is not None else "",
        )
    return campaign
