"""Money in and out of funds. Every function here runs inside the caller's transaction.

The fund row is locked (`select_for_update`) before its balance or reservations change, and the
new figures are checked before they are written; the table's constraints are the backstop. Lock
order, to avoid deadlocks: the application or claim first, then funds by ascending id.

- `fund_reserve` when an application or claim is approved: the money is promised and can no
  longer be promised twice (`available` = balance − reserved).
- `fund_release` when an approved application is returned before payment.
- `fund_pay` when the treasurer pays: the balance falls and the reservation is consumed.
- `fund_income` for allocations, donations and premiums; `fund_transfer` between two funds.
- `fund_reverse` undoes one entry with a counter-entry (a wrong payment, a mistyped donation).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log

from ..models import ZERO, EntryKind, Fund, FundEntry
from .base import AssistanceError, InsufficientFunds

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")


def yuan(value) -> Decimal:
    """A positive amount of yuan with two places; `AssistanceError` for anything else."""
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise AssistanceError(_("金额格式不正确。")) from None
    if not amount.is_finite() or amount <= 0:
        raise AssistanceError(_("金额必须大于 0。"))
    if amount > MAX_AMOUNT:
        raise AssistanceError(_("金额过大。"))
    if Decimal(str(value)) != amount:
        raise AssistanceError(_("金额最多保留两位小数(分)。"))
    return amount


def fund_lock(fund_id: int) -> Fund:
    """The fund's row, locked until the transaction ends."""
    return Fund.objects.select_for_update().get(pk=fund_id)


def _shortfall(fund: Fund, amount: Decimal) -> InsufficientFunds:
    return InsufficientFunds(
        _(
            "“%(fund)s”可用余额不足:本次 %(amount)s 元,可用 %(available)s 元(余额 %(balance)s 元,已批未付 %(reserved)s 元)。"
        )
        % {
            "fund": fund.name,
            "amount": f"{amount:,.2f}",
            "available": f"{fund.available:,.2f}",
            "balance": f"{fund.balance:,.2f}",
            "reserved": f"{fund.reserved:,.2f}",
        }
    )


def _inactive(fund: Fund) -> AssistanceError:
    return AssistanceError(_("“%(fund)s”已停用,不能再收支。") % {"fund": fund.name})


def fund_reserve(*, fund: Fund, amount: Decimal) -> Fund:
    """Promise `amount` from the fund (at approval); refuses what the fund cannot cover."""
    assert transaction.get_connection().in_atomic_block
    fund = fund_lock(fund.pk)
    if not fund.is_active:
        raise _inactive(fund)
    if fund.available < amount:
        raise _shortfall(fund, amount)
    fund.reserved += amount
    fund.save(update_fields=["reserved"])
    return fund


def fund_release(*, fund: Fund, amount: Decimal) -> Fund:
    """Give back a promise that will not be paid (an approved application returned)."""
    assert transaction.get_connection().in_atomic_block
    fund = fund_lock(fund.pk)
    fund.reserved = max(ZERO, fund.reserved - amount)
    fund.save(update_fields=["reserved"])
    return fund


def _post(*, fund: Fund, kind: str, amount: Decimal, actor, **fields) -> FundEntry:
    """Write one entry on a locked fund and move its balance; refuses a balance below zero."""
    new_balance = fund.balance + amount
    if new_balance < 0 or new_balance < fund.reserved:
        raise _shortfall(fund, -amount)
    fund.balance = new_balance
    fund.save(update_fields=["balance"])
    return FundEntry.objects.create(
        fund=fund, kind=kind, amount=amount, balance_after=new_balance, entered_by=actor, **fields
    )


def fund_pay(
    *, fund: Fund, amount: Decimal, actor, reference: str = "", note: str = "", **links
) -> FundEntry:
    """Pay out a reserved amount: the reservation is consumed and the balance falls.

    `links` names what is paid (`application=` or `claim=`).
    """
    assert transaction.get_connection().in_atomic_block
    fund = fund_lock(fund.pk)
    if fund.reserved < amount:  # paying what was never approved: a bug, not a user error
        raise AssistanceError(_("这笔支出没有对应的审批预留,不能发放。"))
    fund.reserved -= amount
    # The reservation is written first: written after the balance, the row would briefly hold a
    # balance below the old reservation, which the reserved-within-balance constraint refuses.
    fund.save(update_fields=["reserved"])
    return _post(
        fund=fund,
        kind=EntryKind.PAYMENT,
        amount=-amount,
        actor=actor,
        reference=reference,
        note=note,
        at=timezone.now(),
        **links,
    )


def fund_income(
    *,
    fund: Fund,
    kind: str,
    amount,
    actor,
    donor: str = "",
    donor_anonymous: bool = False,
    campaign=None,
    reference: str = "",
    note: str = "",
    at=None,
) -> FundEntry:
    """Money in: an allocation, a donation (with its donor, maybe for a campaign) or premiums."""
    if kind not in (EntryKind.ALLOCATION, EntryKind.DONATION, EntryKind.PREMIUM):
        raise AssistanceError(_("收入类型不正确。"))
    amount = yuan(amount)
    if kind == EntryKind.DONATION and not (donor.strip() or donor_anonymous):
        raise AssistanceError(_("请填写捐款人或单位,或注明匿名捐款。"))
    if campaign is not None and campaign.fund_id != fund.pk:
        raise AssistanceError(_("募捐活动不属于这项资金。"))
    with transaction.atomic():
        fund = fund_lock(fund.pk)
        if not fund.is_active:
            raise _inactive(fund)
        entry = _post(
            fund=fund,
            kind=kind,
            amount=amount,
            actor=actor,
            donor=donor.strip(),
            donor_anonymous=donor_anonymous,
            campaign=campaign,
            reference=reference,
            note=note,
            at=at or timezone.now(),
        )
        audit_log(
            code=f"assistance.fund.{kind}",
            actor=actor,
            target=entry,
            unit=fund.unit,
            amount=str(amount),
            fund=fund.pk,
        )
    return entry


def fund_transfer(
    *, source: Fund, target: Fund, amount, actor, note: str = ""
) -> tuple[FundEntry, FundEntry]:
    """Move money between two funds: two entries that point at each other."""
    amount = yuan(amount)
    if source.pk == target.pk:
        raise AssistanceError(_("调出和调入不能是同一项资金。"))
    with transaction.atomic():
        locked = {
            fund.pk: fund
            for fund in Fund.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        if not (source.is_active and target.is_active):
            raise _inactive(source if not source.is_active else target)
        now = timezone.now()
        out = _post(fund=source, kind=EntryKind.TRANSFER_OUT, amount=-amount, actor=actor, note=note, at=now)
        into = _post(fund=target, kind=EntryKind.TRANSFER_IN, amount=amount, actor=actor, note=note, at=now)
        out.counterpart = into
        out.save(update_fields=["counterpart"])
        into.counterpart = out
        into.save(update_fields=["counterpart"])
        audit_log(
            code="assistance.fund.transferred",
            actor=actor,
            target=out,
            unit=source.unit,
            amount=str(amount),
            source=source.pk,
            target_fund=target.pk,
        )
    return out, into


def fund_reverse(*, entry: FundEntry, actor, reason: str) -> FundEntry:
    """Undo one entry with a counter-entry of the opposite amount; each entry is reversed at most once.

    Reversing a payment puts the money back; reversing income takes it out, and is refused when the
    money has already been promised or spent (the balance would go below what is reserved).
    """
    reason = (reason or "").strip()
    if not reason:
        raise AssistanceError(_("冲正必须写明原因。"))
    if entry.kind == EntryKind.REVERSAL:
        raise AssistanceError(_("冲正记录不能再冲正。"))
    if entry.kind in (EntryKind.TRANSFER_IN, EntryKind.TRANSFER_OUT):
        raise AssistanceError(_("调拨请反向再调拨一次,不能单边冲正。"))
    with transaction.atomic():
        fund = fund_lock(entry.fund_id)
        if FundEntry.objects.filter(reverses=entry).exists():
            raise AssistanceError(_("这笔流水已经冲正过。"))
        reversal = _post(
            fund=fund,
            kind=EntryKind.REVERSAL,
            amount=-entry.amount,
            actor=actor,
            reverses=entry,
            application=entry.application,
            claim=entry.claim,
            campaign=entry.campaign,
            note=reason[:200],
            at=timezone.now(),
        )
        audit_log(
            code="assistance.fund.reversed",
            actor=actor,
            target=reversal,
            unit=fund.unit,
            reverses=entry.pk,
            amount=str(reversal.amount),
            reason=reason,
        )
    return reversal


def fund_reconcile(fund: Fund) -> dict:
    """Whether the fund's balance equals the sum of its entries and each entry's running balance.

    Entries are posted under the fund's lock, so their ids are in posting order. Returns
    {"balance", "sum", "ok", "breaks"}; `breaks` lists entry ids whose `balance_after` does not
    follow from the one before (there should be none).
    """
    running = ZERO
    breaks = []
    for pk, amount, after in (
        FundEntry.objects.filter(fund=fund).order_by("pk").values_list("pk", "amount", "balance_after")
    ):
        running += amount
        if running != after:
            breaks.append(pk)
    fund.refresh_from_db(fields=["balance", "reserved"])
    return {
        "balance": fund.balance,
        "sum": running,
        "ok": running == fund.balance and not breaks,
        "breaks": breaks,
    }
