"""Funds: set-up, income, transfers, reversals, the ledger, campaigns, and reconciliation to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from lianxin.assistance import services
from lianxin.assistance.models import EntryKind, FundEntry, FundKind, ProgrammeKind
from lianxin.assistance.selectors.funds import (
    LedgerFilters,
    campaign_get_for_user,
    campaign_list,
    campaign_summary,
    fund_get_for_user,
    fund_ledger,
    fund_list,
    fund_totals,
)
from lianxin.assistance.services import AssistanceError
from lianxin.assistance.tests.factories import make_fund, make_programme
from lianxin.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def income(aid, amount, kind="allocation", fund=None, **fields):
    return services.fund_income_record(
        actor=fields.pop("actor", aid.treasurer), fund=fund or aid.fund, kind=kind, amount=amount, **fields
    )


def grant_aid(aid, amount, programme=None):
    """Record and approve an emergency grant of `amount`."""
    application = services.application_record(
        actor=aid.cadre,
        programme=programme or aid.illness,
        member=aid.member,
        reason="突发重病",
        amount=amount,
    )
    return services.application_approve(
        actor=aid.chairman, application=application, version=application.version
    )


def pay(aid, application):
    return services.application_pay(
        actor=aid.treasurer,
        application=application,
        version=application.version,
        reference=f"PZ-{application.pk}",
        idempotency_key=f"key-{application.pk}",
    ).target


# --- set-up ----------------------------------------------------------------------------------------


def test_a_chairman_opens_a_fund_and_a_cadre_may_not(aid, company):
    fund = services.fund_create(
        actor=aid.chairman, unit=company.section, name="车间互助金", kind=FundKind.RELIEF
    )
    assert fund.balance == Decimal("0.00") and fund.unit == company.section
    assert AuditEvent.objects.filter(
        code="assistance.fund.created", target=f"assistance.fund:{fund.pk}"
    ).exists()
    with pytest.raises(PermissionDenied):
        services.fund_create(actor=aid.cadre, unit=company.unit, name="另一个基金")
    with pytest.raises(ValidationError):
        services.fund_create(actor=aid.chairman, unit=company.unit, name=" ")


def test_a_fund_with_approved_unpaid_aid_cannot_be_taken_out_of_use(aid):
    application = grant_aid(aid, "3000")
    with pytest.raises(AssistanceError, match="已批未付的 3,000.00"):
        services.fund_update(actor=aid.chairman, fund=aid.fund, is_active=False)
    pay(aid, application)
    fund = services.fund_update(actor=aid.chairman, fund=aid.fund, is_active=False, name="停用基金")
    assert not fund.is_active and fund.name == "停用基金"
    with pytest.raises(AssistanceError, match="已停用"):
        income(aid, "100")


# --- income, transfers, reversals ------------------------------------------------------------------


def test_a_donation_names_its_donor_or_is_marked_anonymous(aid):
    with pytest.raises(ValidationError) as error:
        income(aid, "500", kind="donation")
    assert "donor" in error.value.message_dict
    named = income(aid, "500", kind="donation", donor="燕钢集团团委")
    anonymous = income(aid, "200.50", kind="donation", donor_anonymous=True)
    assert (named.donor, anonymous.donor_anonymous) == ("燕钢集团团委", True)
    aid.fund.refresh_from_db()
    assert aid.fund.balance == Decimal("100700.50")


def test_income_needs_the_funds_capability_and_a_positive_amount_in_cents(aid):
    with pytest.raises(PermissionDenied):
        income(aid, "100", actor=aid.cadre)
    with pytest.raises(PermissionDenied):
        income(aid, "100", actor=aid.outsider)
    for bad in ("0", "-5", "12.345", "abc"):
        with pytest.raises(ValidationError) as error:
            income(aid, bad)
        assert "amount" in error.value.message_dict
    with pytest.raises(ValidationError):
        income(aid, "100", kind="payment")


def test_a_transfer_moves_money_between_two_funds_of_the_users_scope(aid, company):
    section_fund = make_fund(company.section, aid.chairman, balance="0", name="车间基金")
    out, into = services.fund_transfer_record(
        actor=aid.chairman, source=aid.fund, target=section_fund, amount="2500", note="下拨车间"
    )
    assert (out.amount, into.amount) == (Decimal("-2500.00"), Decimal("2500.00"))
    assert out.counterpart == into
    section_fund.refresh_from_db()
    aid.fund.refresh_from_db()
    assert (aid.fund.balance, section_fund.balance) == (Decimal("97500.00"), Decimal("2500.00"))
    sibling_fund = make_fund(company.sibling, aid.upper_chairman, balance="0", name="轧钢厂基金")
    with pytest.raises(PermissionDenied):
        services.fund_transfer_record(actor=aid.chairman, source=aid.fund, target=sibling_fund, amount="1")


def test_a_mistyped_donation_is_reversed_by_a_counter_entry(aid):
    wrong = income(aid, "5000", kind="donation", donor="某公司")
    reversal = services.fund_entry_reverse(actor=aid.treasurer, entry=wrong, reason="金额录错,应为 500 元")
    assert reversal.amount == Decimal("-5000.00") and reversal.reverses == wrong
    assert FundEntry.objects.filter(pk=wrong.pk).exists()
    aid.fund.refresh_from_db()
    assert aid.fund.balance == Decimal("100000.00")
    with pytest.raises(AssistanceError, match="已经冲正过"):
        services.fund_entry_reverse(actor=aid.treasurer, entry=wrong, reason="再冲一次")


def test_income_already_promised_cannot_be_reversed(aid, company):
    fund = make_fund(company.unit, aid.chairman, balance="0", name="专项基金")
    programme = make_programme(company.unit, fund, kind=ProgrammeKind.EMERGENCY, code="special")
    gift = income(aid, "3000", kind="donation", donor="爱心人士", fund=fund)
    grant_aid(aid, "2000", programme)
    with pytest.raises(AssistanceError, match="可用余额不足"):
        services.fund_entry_reverse(actor=aid.treasurer, entry=gift, reason="退回捐款")


def test_a_payment_is_reversed_on_its_application_not_in_the_ledger(aid):
    application = pay(aid, grant_aid(aid, "1000"))
    entry = FundEntry.objects.get(application=application)
    with pytest.raises(AssistanceError, match="帮扶申请"):
        services.fund_entry_reverse(actor=aid.treasurer, entry=entry, reason="错了")


# --- the ledger ------------------------------------------------------------------------------------


def test_the_ledger_reconciles_to_the_cent_after_a_mixed_sequence(aid, company):
    other = make_fund(company.section, aid.chairman, balance="0", name="车间基金")
    expected = Decimal("100000.00")
    income(aid, "1234.56", kind="donation", donor="张三")
    expected += Decimal("1234.56")
    gift = income(aid, "0.01", kind="donation", donor_anonymous=True)
    expected += Decimal("0.01")
    first = pay(aid, grant_aid(aid, "3333.33"))
    expected -= Decimal("3333.33")
    second = grant_aid(aid, "4444.44")
    services.application_return(actor=aid.chairman, application=second, version=second.version, reason="退回")
    third = pay(aid, grant_aid(aid, "2222.22"))
    expected -= Decimal("2222.22")
    services.application_reverse(actor=aid.treasurer, application=first, version=first.version, reason="重复")
    expected += Decimal("3333.33")
    services.fund_transfer_record(actor=aid.chairman, source=aid.fund, target=other, amount="999.99")
    expected -= Decimal("999.99")
    services.fund_entry_reverse(actor=aid.treasurer, entry=gift, reason="测试款")
    expected -= Decimal("0.01")
    grant_aid(aid, "100.10")  # approved, unpaid: reserved, not spent
    report = services.fund_reconcile(aid.fund)
    assert report["ok"] and report["breaks"] == []
    assert report["balance"] == report["sum"] == expected
    aid.fund.refresh_from_db()
    assert aid.fund.reserved == Decimal("100.10")
    assert third.status == "paid"
    assert services.fund_reconcile(other)["balance"] == Decimal("999.99")


def test_the_ledger_is_newest_first_with_the_running_balance_a_page_at_a_time(aid):
    for n in range(1, 8):
        income(aid, f"{n}.00", kind="donation", donor=f"捐款人{n}")
    page = fund_ledger(fund=aid.fund, page=1, per_page=3)
    rows = list(page)
    assert [row.amount for row in rows] == [Decimal("7.00"), Decimal("6.00"), Decimal("5.00")]
    assert rows[0].balance_after == Decimal("100028.00")
    assert rows[1].balance_after == rows[0].balance_after - rows[0].amount
    assert page.paginator.count == 8 and page.paginator.num_pages == 3
    last = fund_ledger(fund=aid.fund, page=99, per_page=3)
    assert last.number == 3 and [row.kind for row in last][-1] == EntryKind.ALLOCATION


def test_the_ledger_filters_by_kind_date_campaign_and_text(aid, company):
    campaign = services.campaign_create(
        actor=aid.chairman,
        unit=company.unit,
        fund=aid.fund,
        name="金秋助学募捐",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=30),
    )
    income(aid, "300", kind="donation", donor="李四", campaign=campaign)
    income(aid, "400", kind="donation", donor="王五", reference="BANK-778")
    yesterday = timezone.now() - dt.timedelta(days=1)
    income(aid, "500", at=yesterday, note="追加拨款")

    def amounts(**filters):
        return sorted(row.amount for row in fund_ledger(fund=aid.fund, filters=LedgerFilters(**filters)))

    assert amounts(kind="donation") == [Decimal("300.00"), Decimal("400.00")]
    assert amounts(campaign=campaign) == [Decimal("300.00")]
    assert amounts(q="778") == [Decimal("400.00")]
    assert amounts(q="追加") == [Decimal("500.00")]
    assert amounts(date_from=timezone.localdate()) == [
        Decimal("300.00"),
        Decimal("400.00"),
        Decimal("100000.00"),
    ]
    assert amounts(date_to=timezone.localdate() - dt.timedelta(days=1)) == [Decimal("500.00")]


def test_the_ledger_page_costs_a_fixed_number_of_queries(aid, django_assert_max_num_queries):
    for n in range(5):
        income(aid, "10", kind="donation", donor=f"捐款人{n}")
    pay(aid, grant_aid(aid, "100"))
    with django_assert_max_num_queries(2):
        shown = [
            (row.entered_by.full_name, row.application.number if row.application else "", row.campaign)
            for row in fund_ledger(fund=aid.fund)
        ]
    assert len(shown) == 7 and shown[0][0] == "冯出纳" and shown[0][1].startswith("BF-")


def test_totals_sum_the_ledger_by_kind(aid):
    income(aid, "200", kind="donation", donor="赵六")
    pay(aid, grant_aid(aid, "150"))
    totals = fund_totals(fund=aid.fund)
    assert totals["allocation"] == Decimal("100000.00")
    assert totals["donation"] == Decimal("200.00")
    assert totals["payment"] == Decimal("-150.00")


# --- scope -----------------------------------------------------------------------------------------


def test_funds_are_seen_only_in_scope(aid, company):
    sibling_fund = make_fund(company.sibling, aid.upper_chairman, balance="0", name="轧钢厂基金")
    assert list(fund_list(fetched_by=aid.cadre)) == [aid.fund]
    assert list(fund_list(fetched_by=aid.outsider)) == [sibling_fund]
    assert set(fund_list(fetched_by=aid.upper_chairman)) == {aid.fund, sibling_fund}
    assert list(fund_list(fetched_by=aid.worker)) == []
    with pytest.raises(Http404):
        fund_get_for_user(fetched_by=aid.outsider, fund_id=aid.fund.pk)
    assert fund_get_for_user(fetched_by=aid.treasurer, fund_id=aid.fund.pk) == aid.fund


# --- campaigns -------------------------------------------------------------------------------------


def make_campaign(aid, company, **fields):
    values = {
        "actor": aid.chairman,
        "unit": company.unit,
        "fund": aid.fund,
        "name": "爱心一日捐",
        "purpose": "救助大病职工",
        "goal": "10000",
        "starts_on": timezone.localdate(),
        "ends_on": timezone.localdate() + dt.timedelta(days=14),
    }
    values.update(fields)
    return services.campaign_create(**values)


def test_a_campaign_reports_what_it_raised_from_how_many_donors(aid, company):
    campaign = make_campaign(aid, company)
    income(aid, "1000", kind="donation", donor="张三", campaign=campaign)
    income(aid, "500", kind="donation", donor="张三", campaign=campaign)
    income(aid, "800", kind="donation", donor="李四", campaign=campaign)
    income(aid, "100", kind="donation", donor_anonymous=True, campaign=campaign)
    wrong = income(aid, "9999", kind="donation", donor="王五", campaign=campaign)
    income(aid, "700", kind="donation", donor="不在活动里的捐款")
    services.fund_entry_reverse(actor=aid.treasurer, entry=wrong, reason="录错")
    summary = campaign_summary(campaign)
    assert summary["raised"] == Decimal("2400.00")
    assert summary["count"] == 4
    assert summary["donors"] == 3  # 张三, 李四 and one anonymous donor
    assert summary["progress"] == Decimal("24.0")
    listed = campaign_list(fetched_by=aid.cadre).get()
    assert (listed.raised, listed.donation_count) == (Decimal("2400.00"), 4)


def test_a_campaign_collects_into_a_fund_of_its_unit_or_above(aid, company):
    sibling_fund = make_fund(company.sibling, aid.upper_chairman, balance="0", name="轧钢厂基金")
    with pytest.raises(ValidationError) as error:
        make_campaign(aid, company, actor=aid.upper_chairman, fund=sibling_fund)
    assert "fund" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_campaign(aid, company, ends_on=timezone.localdate() - dt.timedelta(days=1))
    assert "ends_on" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        make_campaign(aid, company, actor=aid.cadre)
    campaign = make_campaign(aid, company, unit=company.section, goal=None)
    assert campaign_summary(campaign)["progress"] is None
    assert AuditEvent.objects.filter(code="assistance.campaign.created").count() == 1


def test_a_donation_to_another_funds_campaign_is_refused(aid, company):
    other = make_fund(company.unit, aid.chairman, balance="0", name="第二基金")
    campaign = make_campaign(aid, company, fund=other)
    with pytest.raises(AssistanceError, match="不属于"):
        income(aid, "10", kind="donation", donor="某人", campaign=campaign)


def test_campaigns_are_seen_only_in_scope(aid, company):
    campaign = make_campaign(aid, company)
    assert list(campaign_list(fetched_by=aid.outsider)) == []
    with pytest.raises(Http404):
        campaign_get_for_user(fetched_by=aid.outsider, campaign_id=campaign.pk)
    assert campaign_get_for_user(fetched_by=aid.cadre, campaign_id=campaign.pk) == campaign
