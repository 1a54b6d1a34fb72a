"""Mutual aid: plans, enrolment and claims through the services, as the `aid` cast.

The plan (factories_mutual.make_plan): premium 30, deductible 1,000, rate 60 %, 20,000 per claim,
50,000 per member, above 10,000 the next level up (股份公司) approves; its fund holds 50,000.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.assistance.models import (
    Claim,
    ClaimEvent,
    ClaimInvoice,
    ClaimStatus,
    Enrolment,
    EntryKind,
    FundEntry,
    FundKind,
)
from lianxin.assistance.selectors.mutual_aid import plan_figures, plan_get
from lianxin.assistance.services import mutual_aid as services
from lianxin.assistance.services.base import AssistanceConflict, AssistanceError, InsufficientFunds
from lianxin.assistance.services.funds import fund_reconcile
from lianxin.core.idempotency import IdempotencyKeyReused
from lianxin.core.models import AuditEvent, Notification
from lianxin.core.tests.factories import grant
from lianxin.members.models import MemberStatus
from lianxin.members.tests.factories import make_member

from .factories import make_fund
from .factories_mutual import invoice, make_mutual, make_plan, record_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def mutual(aid, company):
    return make_mutual(aid, company.unit)


def approve(aid, claim, user=None):
    return services.claim_approve(actor=user or aid.chairman, claim=claim, version=claim.version)


def pay(aid, claim, key="pay-1", user=None, reference="PZ-2026-031"):
    return services.claim_pay(
        actor=user or aid.treasurer,
        claim=claim,
        version=claim.version,
        reference=reference,
        idempotency_key=key,
    ).target


# --- the benefit ---------------------------------------------------------------------------------


def test_the_benefit_is_the_rate_over_the_deductible(aid, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "6000.00", "5000.00"))

    assert claim.invoice_total == Decimal("6000.00")
    assert claim.eligible_total == Decimal("5000.00")
    assert claim.benefit == Decimal("2400.00")  # (5,000 − 1,000) × 60 %


def test_the_eligible_parts_of_all_invoices_add_up(aid, mutual):
    plan = mutual.plan
    claim = record_claim(
        aid.cadre, mutual.enrolment, invoice(plan, "3000.00", "2500.00"), invoice(plan, "1200.00", "1000.00")
    )

    assert (claim.invoice_total, claim.eligible_total, claim.benefit) == (
        Decimal("4200.00"),
        Decimal("3500.00"),
        Decimal("1500.00"),
    )


def test_a_claim_within_the_deductible_is_refused_saying_so(aid, mutual):
    with pytest.raises(AssistanceError) as refused:
        record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "900.00", "800.00"))

    assert "起付线" in refused.value.message and "不予赔付" in refused.value.message
    assert not Claim.objects.exists()
    assert not ClaimInvoice.objects.exists()


def test_the_benefit_stops_at_the_cap_per_claim(aid, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "60000.00", "50000.00"))

    assert claim.benefit == Decimal("20000.00")  # 29,400 by the rate


def test_a_members_second_claim_gets_only_what_is_left_of_the_cap_per_member(aid, company):
    mutual = make_mutual(aid, company.unit, cap_per_member=Decimal("25000.00"))
    first = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "50000.00"))
    second = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "11000.00"))

    assert first.benefit == Decimal("20000.00")
    assert second.benefit == Decimal("5000.00")  # 6,000 by the rate, 5,000 left
    with pytest.raises(AssistanceError) as refused:
        record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "3000.00"))
    assert "已达上限" in refused.value.message


def test_a_rejected_claim_gives_its_share_of_the_cap_back(aid, company):
    mutual = make_mutual(aid, company.unit, cap_per_member=Decimal("25000.00"))
    first = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "50000.00"))
    services.claim_reject(actor=aid.upper_chairman, claim=first, version=first.version, reason="票据不实")

    again = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "50000.00"))

    assert again.benefit == Decimal("20000.00")


def test_the_benefit_is_rounded_half_up_to_the_cent(aid, company):
    mutual = make_mutual(aid, company.unit, rate=Decimal("0.500"))
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "1234.53"))

    assert claim.benefit == Decimal("117.27")  # 234.53 × 0.5 = 117.265; banker's rounding says 117.26


def test_an_uneven_rate_is_rounded_to_the_cent(aid, company):
    mutual = make_mutual(aid, company.unit, rate=Decimal("0.333"), deductible=Decimal("0.00"))
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "1000.01"))

    assert claim.benefit == Decimal("333.00")  # 333.00333


def test_the_explained_benefit_tells_which_rule_limited_it(aid, mutual):
    plan = mutual.plan
    assert services.benefit_compute(plan=plan, eligible_total=Decimal("5000.00")).limited_by == ""
    assert (
        services.benefit_compute(plan=plan, eligible_total=Decimal("99999.00")).limited_by == "cap_per_claim"
    )
    capped = services.benefit_compute(plan=plan, eligible_total=Decimal("5000.00"), used=Decimal("49000.00"))
    assert (capped.amount, capped.limited_by) == (Decimal("1000.00"), "cap_per_member")
    assert "剩余额度" in capped.reason


# --- invoices and dates ----------------------------------------------------------------------------


def test_the_same_invoice_cannot_be_claimed_twice(aid, mutual):
    plan = mutual.plan
    record_claim(aid.cadre, mutual.enrolment, invoice(plan, "5000.00", number="0012345678"))

    with pytest.raises(ValidationError) as refused:
        record_claim(
            aid.cadre,
            mutual.enrolment,
            invoice(plan, "2000.00"),
            invoice(plan, "3000.00", number="００１２３４５６７８"),
        )

    assert list(refused.value.message_dict) == ["invoices.1.invoice_no"]
    assert "已在理赔" in refused.value.message_dict["invoices.1.invoice_no"][0]
    assert Claim.objects.count() == 1


def test_an_invoice_is_free_again_once_its_claim_is_rejected(aid, mutual):
    plan = mutual.plan
    first = record_claim(aid.cadre, mutual.enrolment, invoice(plan, "5000.00", number="A-77"))
    services.claim_reject(actor=aid.chairman, claim=first, version=first.version, reason="未附诊断证明")

    second = record_claim(aid.cadre, mutual.enrolment, invoice(plan, "5000.00", number="a-77"))

    assert second.invoices.get().active_key == "A-77"
    assert first.invoices.get().active_key is None


def test_the_same_invoice_twice_on_one_claim_is_refused(aid, mutual):
    plan = mutual.plan
    with pytest.raises(ValidationError) as refused:
        record_claim(
            aid.cadre,
            mutual.enrolment,
            invoice(plan, "5000.00", number="X1"),
            invoice(plan, "10.00", number="x1"),
        )

    assert "与第 1 张票据重复" in refused.value.message_dict["invoices.1.invoice_no"][0]


def test_invoices_and_admission_outside_the_plan_period_are_refused(aid, mutual):
    plan = mutual.plan
    late = invoice(plan, "5000.00")
    late["issued_on"] = plan.ends_on + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        record_claim(aid.cadre, mutual.enrolment, late, admitted_on=plan.starts_on - dt.timedelta(days=3))

    assert set(refused.value.message_dict) == {"admitted_on", "invoices.0.issued_on"}


def test_an_eligible_part_above_the_invoice_total_is_refused(aid, mutual):
    with pytest.raises(ValidationError) as refused:
        record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "1000.00", "1500.00"))

    assert refused.value.message_dict["invoices.0.eligible"] == ["可报销部分不能超过票据金额。"]


# --- who does what ---------------------------------------------------------------------------------


def test_a_claim_goes_from_record_to_payment_with_an_event_and_an_audit_row_at_each_step(aid, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "6000.00", "5000.00"))
    claim = approve(aid, claim)
    mutual.fund.refresh_from_db()
    assert mutual.fund.reserved == Decimal("2400.00")

    claim = pay(aid, claim)

    mutual.fund.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and claim.payment_reference == "PZ-2026-031"
    assert (claim.recorded_by, claim.approved_by, claim.paid_by) == (aid.cadre, aid.chairman, aid.treasurer)
    assert mutual.fund.balance == Decimal("50030.00") - Decimal("2400.00")
    assert mutual.fund.reserved == Decimal("0.00")
    assert list(claim.events.values_list("action", "from_status", "to_status")) == [
        ("recorded", "", "pending"),
        ("approved", "pending", "approved"),
        ("paid", "approved", "paid"),
    ]
    assert list(
        AuditEvent.objects.filter(target=f"assistance.claim:{claim.pk}")
        .order_by("pk")
        .values_list("code", flat=True)
    ) == ["assistance.claim.recorded", "assistance.claim.approved", "assistance.claim.paid"]
    assert fund_reconcile(mutual.fund)["ok"]


def test_the_recorder_cannot_approve_their_own_claim(aid, mutual):
    claim = record_claim(aid.chairman, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    with pytest.raises(AssistanceError) as refused:
        approve(aid, claim, aid.chairman)

    assert "自己登记" in refused.value.message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING


def test_the_approver_cannot_pay_what_they_approved(aid, company, mutual):
    grant(aid.chairman, company.unit, "treasurer")
    claim = approve(aid, record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00")))

    with pytest.raises(AssistanceError) as refused:
        pay(aid, claim, user=aid.chairman)

    assert "审批人" in refused.value.message
    assert not FundEntry.objects.filter(kind=EntryKind.PAYMENT).exists()


def test_a_cadre_may_record_but_neither_approve_nor_pay(aid, mutual):
    claim = record_claim(aid.chairman, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    with pytest.raises(PermissionDenied):
        approve(aid, claim, aid.cadre)
    claim = approve(aid, claim, aid.upper_chairman)
    with pytest.raises(PermissionDenied):
        pay(aid, claim, user=aid.cadre)


def test_a_claim_above_the_threshold_needs_the_next_level_up(aid, company, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "30000.00"))
    assert claim.benefit == Decimal("17400.00")
    assert claim.approval_unit == company.secondary

    with pytest.raises(PermissionDenied) as refused:
        approve(aid, claim)
    assert "须由燕钢股份公司审批" in str(refused.value)

    assert approve(aid, claim, aid.upper_chairman).status == ClaimStatus.APPROVED


def test_the_approvers_are_told_and_then_the_treasurer_and_a_return_tells_the_recorder(aid, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    assert Notification.objects.filter(user=aid.chairman, title__startswith="待审批").count() == 1
    assert not Notification.objects.filter(user=aid.upper_chairman).exists()  # the nearest level is told

    claim = approve(aid, claim)
    assert Notification.objects.filter(user=aid.treasurer, title__startswith="待发放").count() == 1

    services.claim_return(actor=aid.chairman, claim=claim, version=claim.version, reason="缺出院小结")
    told = Notification.objects.get(user=aid.cadre)
    assert told.title.startswith("已退回") and told.body == "缺出院小结"


def test_a_stale_version_is_a_conflict(aid, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    stale = claim.version
    approve(aid, claim)

    with pytest.raises(AssistanceConflict):
        services.claim_reject(actor=aid.chairman, claim=claim, version=stale, reason="重复")


def test_a_step_not_allowed_in_the_status_is_a_conflict(aid, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    with pytest.raises(AssistanceConflict) as refused:
        pay(aid, claim)
    assert "待审核" in refused.value.message


# --- money ---------------------------------------------------------------------------------------


def test_paying_twice_with_one_key_pays_once(aid, mutual):
    claim = approve(aid, record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00")))
    version = claim.version

    first = services.claim_pay(
        actor=aid.treasurer, claim=claim, version=version, reference="PZ-1", idempotency_key="k-1"
    )
    again = services.claim_pay(
        actor=aid.treasurer, claim=claim, version=version, reference="PZ-1", idempotency_key="k-1"
    )

    assert (first.replayed, again.replayed) == (False, True)
    assert again.target.pk == claim.pk and again.target.status == ClaimStatus.PAID
    assert FundEntry.objects.filter(claim=claim, kind=EntryKind.PAYMENT).count() == 1
    mutual.fund.refresh_from_db()
    assert mutual.fund.balance == Decimal("50030.00") - claim.benefit


def test_a_key_reused_for_another_payment_is_refused(aid, mutual):
    claim = approve(aid, record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00")))
    pay(aid, claim, key="k-2", reference="PZ-1")

    with pytest.raises(IdempotencyKeyReused):
        pay(aid, claim, key="k-2", reference="PZ-2")


def test_a_payment_without_a_key_is_refused(aid, mutual):
    claim = approve(aid, record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00")))

    with pytest.raises(ValidationError) as refused:
        pay(aid, claim, key="")
    assert "idempotency_key" in refused.value.message_dict


def test_the_fund_never_goes_below_zero_and_says_how_short_it_is(aid, company):
    mutual = make_mutual(aid, company.unit, balance="1000.00")  # 1,030 with the worker's premium
    first = approve(aid, record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "2500.00")))  # 900
    second = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "2500.00"))  # 900

    with pytest.raises(InsufficientFunds) as refused:
        approve(aid, second)

    assert "可用余额不足" in refused.value.message and "130.00" in refused.value.message
    second.refresh_from_db()
    assert second.status == ClaimStatus.PENDING
    pay(aid, first)
    mutual.fund.refresh_from_db()
    assert (mutual.fund.balance, mutual.fund.reserved) == (Decimal("130.00"), Decimal("0.00"))


def test_returning_an_approved_claim_releases_its_reservation(aid, mutual):
    claim = approve(aid, record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00")))

    claim = services.claim_return(actor=aid.chairman, claim=claim, version=claim.version, reason="金额有误")

    mutual.fund.refresh_from_db()
    assert claim.status == ClaimStatus.RETURNED and claim.approved_by is None
    assert mutual.fund.reserved == Decimal("0.00")
    assert claim.events.last().note == "金额有误"
    assert AuditEvent.objects.filter(
        code="assistance.claim.returned", target=f"assistance.claim:{claim.pk}"
    ).exists()


def test_a_returned_claim_is_resubmitted_with_its_benefit_computed_again(aid, company):
    mutual = make_mutual(aid, company.unit, cap_per_member=Decimal("25000.00"))
    big = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "50000.00"))  # 20,000
    small = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "11000.00"))  # 5,000 left
    small = services.claim_return(actor=aid.chairman, claim=small, version=small.version, reason="补材料")
    services.claim_reject(actor=aid.upper_chairman, claim=big, version=big.version, reason="非住院费用")

    small = services.claim_resubmit(actor=aid.cadre, claim=small, version=small.version, note="已补")

    assert small.status == ClaimStatus.PENDING and small.benefit == Decimal("6000.00")
    assert small.events.last().action == ClaimEvent.Action.RESUBMITTED


def test_a_reversal_puts_the_money_back_and_frees_the_invoices(aid, mutual):
    plan = mutual.plan
    claim = pay(
        aid, approve(aid, record_claim(aid.cadre, mutual.enrolment, invoice(plan, "5000.00", number="R-1")))
    )

    with pytest.raises(ValidationError):
        services.claim_reverse(actor=aid.treasurer, claim=claim, version=claim.version, reason=" ")
    claim = services.claim_reverse(actor=aid.treasurer, claim=claim, version=claim.version, reason="重复发放")

    mutual.fund.refresh_from_db()
    assert claim.status == ClaimStatus.REVERSED
    assert mutual.fund.balance == Decimal("50030.00")
    reversal = FundEntry.objects.get(kind=EntryKind.REVERSAL)
    assert reversal.amount == claim.benefit and reversal.reverses.claim == claim
    assert fund_reconcile(mutual.fund)["ok"]
    assert list(claim.events.values_list("action", flat=True)) == ["recorded", "approved", "paid", "reversed"]
    assert claim.events.last().note == "重复发放"
    assert AuditEvent.objects.filter(
        code="assistance.claim.reversed", target=f"assistance.claim:{claim.pk}"
    ).exists()
    assert record_claim(aid.cadre, mutual.enrolment, invoice(plan, "5000.00", number="R-1")).benefit


# --- enrolment -------------------------------------------------------------------------------------


def test_a_whole_units_active_members_are_enrolled_with_one_premium_entry(aid, company, mutual):
    make_member(company.team, "周师傅")
    make_member(company.team, "吴师傅", status=MemberStatus.LEFT)
    before = FundEntry.objects.filter(fund=mutual.fund, kind=EntryKind.PREMIUM).count()

    enrolled = services.enrolment_add_unit(actor=aid.cadre, plan=mutual.plan, unit=company.team)

    names = sorted(e.member.name for e in enrolled)
    assert names == ["周师傅", "李联络"]  # the worker is already in; the one who left is not
    entries = FundEntry.objects.filter(fund=mutual.fund, kind=EntryKind.PREMIUM)
    assert entries.count() == before + 1
    assert entries.order_by("-pk").first().amount == Decimal("60.00")
    assert {e.premium_entry_id for e in enrolled} == {entries.order_by("-pk").first().pk}


def test_a_member_is_enrolled_once_per_plan(aid, mutual):
    with pytest.raises(AssistanceError) as refused:
        services.enrolment_add(actor=aid.cadre, plan=mutual.plan, members=[aid.member])

    assert "已参加这个计划" in refused.value.message
    assert Enrolment.objects.filter(plan=mutual.plan).count() == 1


def test_nobody_is_enrolled_after_the_plan_closes(aid, mutual):
    services.plan_close(actor=aid.chairman, plan=mutual.plan)

    with pytest.raises(AssistanceError) as refused:
        services.enrolment_add(actor=aid.cadre, plan=mutual.plan, members=[aid.other_member])
    assert "停止参保" in refused.value.message


def test_a_cadre_cannot_enrol_members_outside_their_scope(aid, company, mutual):
    with pytest.raises(PermissionDenied):
        services.enrolment_add(actor=aid.cadre, plan=mutual.plan, members=[aid.outsider_member])


# --- plans -----------------------------------------------------------------------------------------


def test_a_chairman_creates_a_plan_paying_from_a_mutual_aid_fund(aid, company):
    fund = make_fund(company.unit, aid.chairman, kind=FundKind.MUTUAL_AID, name="互助基金")
    plan = services.plan_create(
        actor=aid.chairman,
        unit=company.unit,
        name="2026年住院互助",
        fund=fund,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        premium="30",
        deductible="800",
        rate="0.7",
        cap_per_claim="15000",
    )

    assert (plan.rate, plan.deductible, plan.cap_per_member) == (Decimal("0.700"), Decimal("800.00"), None)
    assert AuditEvent.objects.filter(
        code="assistance.plan.created", target=f"assistance.mutualaidplan:{plan.pk}"
    ).exists()


def test_a_plan_is_refused_a_relief_fund_a_bad_rate_and_a_cadre(aid, company):
    fields = {
        "unit": company.unit,
        "name": "互助",
        "fund": aid.fund,
        "starts_on": dt.date(2026, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
        "premium": "30",
        "rate": "1.5",
    }
    with pytest.raises(ValidationError) as refused:
        services.plan_create(actor=aid.chairman, **fields)
    assert set(refused.value.message_dict) == {"fund"}
    fund = make_fund(company.unit, aid.chairman, kind=FundKind.MUTUAL_AID, name="互助基金")
    with pytest.raises(ValidationError) as refused:
        services.plan_create(actor=aid.chairman, **{**fields, "fund": fund})
    assert set(refused.value.message_dict) == {"rate"}
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=aid.cadre, **{**fields, "fund": fund, "rate": "0.5"})


# --- figures ---------------------------------------------------------------------------------------


def test_the_figures_count_insured_paid_claims_and_amount_per_unit(aid, company, mutual):
    services.enrolment_add_unit(actor=aid.cadre, plan=mutual.plan, unit=company.team2)  # 刘大姐
    other = Enrolment.objects.get(plan=mutual.plan, member=aid.other_member)
    pay(
        aid, approve(aid, record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))), key="a"
    )
    pay(aid, approve(aid, record_claim(aid.cadre, other, invoice(mutual.plan, "3000.00"))), key="b")
    record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "2000.00"))  # pending: not paid

    figures = plan_figures(plan=mutual.plan, fetched_by=aid.cadre)

    assert (figures.insured, figures.claims, figures.paid) == (2, 2, Decimal("3600.00"))
    assert [(row.unit_name, row.insured, row.claims, row.paid) for row in figures.units] == [
        ("一炼钢车间", 2, 2, Decimal("3600.00"))
    ]


def test_an_outsider_does_not_see_the_plan(aid, mutual):
    from django.http import Http404

    with pytest.raises(Http404):
        plan_get(fetched_by=aid.outsider, plan_id=mutual.plan.pk)


def test_a_parent_units_plan_is_seen_from_below_but_counts_only_what_is_in_scope(aid, company, personas):
    fund = make_fund(company.secondary, aid.upper_chairman, kind=FundKind.MUTUAL_AID, name="股份互助基金")
    plan = make_plan(company.secondary, fund)
    services.enrolment_add(actor=aid.upper_chairman, plan=plan, members=[aid.member, aid.outsider_member])

    assert plan_get(fetched_by=aid.cadre, plan_id=plan.pk) == plan
    assert plan_figures(plan=plan, fetched_by=aid.cadre).insured == 1
    assert plan_figures(plan=plan, fetched_by=aid.upper_chairman).insured == 2
    assert [row.unit_name for row in plan_figures(plan=plan, fetched_by=aid.upper_chairman).units] == [
        "炼钢厂",
        "轧钢厂",
    ]
