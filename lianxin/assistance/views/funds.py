"""Fund pages: the funds with their balance, what is promised and what is free; a fund's ledger
(newest first, the running balance on each line, filters by kind and date); money in (allocations,
donations with their donor or marked anonymous, for a campaign or not) and transfers; donation
campaigns with what they raised against their goal.

A fund or campaign outside the user's assistance.view scope answers 404; recording money needs
assistance.funds on the fund's unit (403 otherwise). The ledger page reads one page of entries and
a capped count, whatever the ledger's length.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from lianxin.core.capabilities import ASSISTANCE_FUNDS, ASSISTANCE_VIEW
from lianxin.core.pagination import CappedPaginator
from lianxin.core.permissions import has_capability, has_unit_permission
from lianxin.members.selectors import member_units

from .. import services
from ..forms_money import CampaignForm, IncomeForm, LedgerFilterForm, TransferForm
from ..models import EntryKind, Fund
from ..selectors import funds as selectors
from ..services import AssistanceError
from .applications import _fragment_wanted, _paging, money_nav

PAGE_SIZE = 50


def _require_view(user) -> None:
    if not has_capability(user, ASSISTANCE_VIEW):
        raise PermissionDenied(_("您没有查看帮扶资金的权限。"))


def _require_funds(user, fund: Fund) -> None:
    if not has_unit_permission(user, fund.unit, ASSISTANCE_FUNDS):
        raise PermissionDenied(_("您没有管理这项资金的权限。"))


def _page(request: HttpRequest, queryset, size: int = PAGE_SIZE):
    page = CappedPaginator(queryset, size).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return page


def _percent(part: Decimal, whole: Decimal | None) -> Decimal | None:
    if not whole:
        return None
    return (part / whole * 100).quantize(Decimal("0.1"))


# --- funds -----------------------------------------------------------------------------------------


@login_required
@require_GET
def fund_list(request: HttpRequest) -> HttpResponse:
    """Every fund in scope: balance, approved and unpaid (reserved), and what is free to approve."""
    user = request.user
    _require_view(user)
    page = _page(request, selectors.fund_list(fetched_by=user))
    for fund in page.object_list:
        fund.can_manage = has_unit_permission(user, fund.unit, ASSISTANCE_FUNDS)
    context = {**_paging(page), **money_nav(user)}
    return render(request, "assistance/funds_list.html", context)


def _entry_rows(entries) -> list:
    """Ledger lines ready to show: the donor hidden when the donation is anonymous; each kind's
    label translated once per page, not once per line."""
    labels = {kind: str(label) for kind, label in EntryKind.choices}
    anonymous = _("匿名")
    for entry in entries:
        entry.kind_label = labels.get(entry.kind, entry.kind)
        entry.is_income = entry.amount > 0
        if entry.kind == EntryKind.DONATION or entry.donor or entry.donor_anonymous:
            entry.donor_shown = anonymous if entry.donor_anonymous else entry.donor
        else:
            entry.donor_shown = ""
    return entries


@login_required
@require_GET
@vary_on_headers("HX-Request")
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The fund's ledger, newest first, 50 lines a page; with HX-Request only the table."""
    user = request.user
    fund = selectors.fund_get_for_user(fetched_by=user, fund_id=pk)
    form = LedgerFilterForm(request.GET)
    page = selectors.fund_ledger(fund=fund, filters=form.filters(), page=request.GET.get("page") or 1)
    page.object_list = _entry_rows(list(page.object_list))
    context = {
        "fund": fund,
        "form": form,
        "can_manage": has_unit_permission(user, fund.unit, ASSISTANCE_FUNDS) and fund.is_active,
        **_paging(page),
        **money_nav(user),
    }
    if _fragment_wanted(request):
        return render(request, "assistance/partials/_funds_ledger.html", context)
    return render(request, "assistance/funds_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def fund_income(request: HttpRequest, pk: int) -> HttpResponse:
    """Money in: an allocation, or a donation with its donor (or anonymous), maybe for a campaign."""
    user = request.user
    fund = selectors.fund_get_for_user(fetched_by=user, fund_id=pk)
    _require_funds(user, fund)
    campaigns = list(selectors.campaign_list(fetched_by=user, fund=fund))
    posted = request.POST if request.method == "POST" else None
    initial = {}
    if request.GET.get("campaign"):
        initial["campaign"] = request.GET["campaign"]
    form = IncomeForm(posted, initial=initial, campaigns=campaigns)
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        received_on = data["received_on"]
        at = None
        if received_on and received_on != timezone.localdate():
            at = timezone.make_aware(dt.datetime.combine(received_on, dt.time(9, 0)))
        try:
            entry = services.fund_income_record(
                actor=user,
                fund=fund,
                kind=data["kind"],
                amount=data["amount"],
                donor=data["donor"],
                donor_anonymous=data["donor_anonymous"],
                campaign=data["campaign"],
                reference=data["reference"],
                note=data["note"],
                at=at,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except AssistanceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("已入账 %(amount)s 元,余额 %(balance)s 元。")
                % {"amount": f"{entry.amount:,.2f}", "balance": f"{entry.balance_after:,.2f}"},
            )
            return redirect("assistance:fund_detail", pk=fund.pk)
    context = {"fund": fund, "form": form, **money_nav(user)}
    return render(request, "assistance/funds_income.html", context, status=422 if posted else 200)


@login_required
@require_http_methods(["GET", "POST"])
def fund_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Move money from this fund to another the user manages."""
    user = request.user
    fund = selectors.fund_get_for_user(fetched_by=user, fund_id=pk)
    _require_funds(user, fund)
    targets = [
        other
        for other in selectors.fund_list(fetched_by=user, active_only=True)
        if other.pk != fund.pk and has_unit_permission(user, other.unit, ASSISTANCE_FUNDS)
    ]
    posted = request.POST if request.method == "POST" else None
    form = TransferForm(posted, targets=targets)
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            out, _into = services.fund_transfer_record(
                actor=user, source=fund, target=data["target"], amount=data["amount"], note=data["note"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except AssistanceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("已调出 %(amount)s 元到“%(target)s”,余额 %(balance)s 元。")
                % {
                    "amount": f"{-out.amount:,.2f}",
                    "target": data["target"].name,
                    "balance": f"{out.balance_after:,.2f}",
                },
            )
            return redirect("assistance:fund_detail", pk=fund.pk)
    context = {"fund": fund, "form": form, "has_targets": bool(targets), **money_nav(user)}
    return render(request, "assistance/funds_transfer.html", context, status=422 if posted else 200)


# --- campaigns -------------------------------------------------------------------------------------


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Donation campaigns in scope: raised against the goal, how many donations."""
    user = request.user
    _require_view(user)
    page = _page(request, selectors.campaign_list(fetched_by=user))
    for campaign in page.object_list:
        campaign.progress = _percent(campaign.raised, campaign.goal)
    context = {
        **_paging(page),
        **money_nav(user),
        "can_create": has_capability(user, ASSISTANCE_FUNDS),
    }
    return render(request, "assistance/campaign_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = member_units(fetched_by=user, code=ASSISTANCE_FUNDS)
    if not units:
        raise PermissionDenied(_("您没有管理募捐活动的权限。"))
    funds = [
        fund
        for fund in selectors.fund_list(fetched_by=user, active_only=True)
        if has_unit_permission(user, fund.unit, ASSISTANCE_FUNDS)
    ]
    posted = request.POST if request.method == "POST" else None
    initial = {"starts_on": timezone.localdate()}
    if len(units) == 1:
        initial["unit"] = str(units[0].pk)
    if len(funds) == 1:
        initial["fund"] = str(funds[0].pk)
    form = CampaignForm(posted, initial=initial, funds=funds, units=units)
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=user,
                unit=data["unit"],
                fund=data["fund"],
                name=data["name"],
                purpose=data["purpose"],
                goal=data["goal"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except AssistanceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已建立募捐活动“%(name)s”。") % {"name": campaign.name})
            return redirect("assistance:campaign_detail", pk=campaign.pk)
    context = {"form": form, **money_nav(user)}
    return render(request, "assistance/campaign_new.html", context, status=422 if posted else 200)


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What a campaign raised against its goal, its donors (anonymous ones unnamed), its donations."""
    user = request.user
    campaign = selectors.campaign_get_for_user(fetched_by=user, campaign_id=pk)
    summary = selectors.campaign_summary(campaign)
    page = _page(request, selectors.campaign_donations(campaign=campaign))
    page.object_list = _entry_rows(page.object_list)
    context = {
        "campaign": campaign,
        "summary": summary,
        "can_donate": has_unit_permission(user, campaign.fund.unit, ASSISTANCE_FUNDS)
        and campaign.fund.is_active,
        **_paging(page),
        **money_nav(user),
    }
    return render(request, "assistance/campaign_detail.html", context)


urlpatterns: list = [
    path("funds/", fund_list, name="funds"),
    path("funds/<int:pk>/", fund_detail, name="fund_detail"),
    path("funds/<int:pk>/income/", fund_income, name="fund_income"),
    path("funds/<int:pk>/transfer/", fund_transfer, name="fund_transfer"),
    path("campaigns/", campaign_list, name="campaigns"),
    path("campaigns/new/", campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign_detail"),
]
