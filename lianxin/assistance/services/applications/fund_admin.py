"""Funds and donation campaigns: create, rename, take out of use, money in, transfers."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import ASSISTANCE_FUNDS
from lianxin.org.models import Unit

from ...models import Campaign, EntryKind, Fund, FundEntry, FundKind
from ..base import AssistanceError, require_permission
from ..funds import fund_income, fund_reverse, fund_transfer, yuan
from .rules import _amount_field
from .steps import _required_text


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
