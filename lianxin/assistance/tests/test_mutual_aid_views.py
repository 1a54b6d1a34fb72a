"""The mutual-aid pages, as the `aid` cast: who may, who may not, who gets 404, with and without htmx."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from lianxin.assistance.models import Claim, ClaimStatus, Enrolment, EntryKind, FundEntry, MutualAidPlan
from lianxin.assistance.services import mutual_aid as services
from lianxin.core.models import AccessLog
from lianxin.members.tests.factories import make_member

from .factories_mutual import invoice, make_mutual, make_mutual_fund, record_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def mutual(aid, company):
    return make_mutual(aid, company.unit)


def claim_post(mutual, member_no, *rows, **fields):
    """The claim form as a browser posts it."""
    plan = mutual.plan
    data = {
        "plan": str(plan.pk),
        "member": member_no,
        "illness": "阑尾炎手术",
        "hospital": "市第一人民医院",
        "admitted_on": str(plan.starts_on + dt.timedelta(days=9)),
        "discharged_on": "",
        "note": "",
        "invoices-TOTAL_FORMS": str(max(len(rows), 1) + 1),
        "invoices-INITIAL_FORMS": "0",
        "invoices-MIN_NUM_FORMS": "1",
        "invoices-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"invoices-{index}-{key}"] = str(value)
    data.update(fields)
    return data


def row(plan, total, eligible=None, number="0090001"):
    return {
        "invoice_no": number,
        "issued_on": plan.starts_on + dt.timedelta(days=10),
        "total": total,
        "eligible": eligible if eligible is not None else total,
    }


# --- plans -------------------------------------------------------------------------------------------


def test_the_plans_page_shows_each_plan_with_its_figures(aid, login, mutual, django_assert_max_num_queries):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "6000.00", "5000.00"))
    claim = services.claim_approve(actor=aid.chairman, claim=claim, version=claim.version)
    services.claim_pay(
        actor=aid.treasurer, claim=claim, version=claim.version, reference="PZ-9", idempotency_key="p"
    )
    client = login(aid.cadre)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("assistance:mutual_aid"))

    assert response.status_code == 200
    html = response.content.decode()
    assert mutual.plan.name in html
    assert "赔付 60%" in html and "起付线 1000.00 元" in html
    cells = response.context["plans"][0]
    assert (cells.insured, cells.claims_paid, cells.amount_paid) == (1, 1, Decimal("2400.00"))
    assert "新建计划" not in html  # the cadre does not configure


def test_a_worker_may_not_open_the_plans_page(aid, login, mutual):
    assert login(aid.worker).get(reverse("assistance:mutual_aid")).status_code == 403


def test_an_outsider_does_not_see_the_plan_in_the_list_and_gets_404_for_it(aid, login, mutual):
    client = login(aid.outsider)

    assert mutual.plan.name not in client.get(reverse("assistance:mutual_aid")).content.decode()
    assert client.get(reverse("assistance:plan_detail", args=[mutual.plan.pk])).status_code == 404


def test_the_plan_page_shows_figures_and_masks_the_enrolled(
    aid, company, login, mutual, django_assert_max_num_queries
):
    for name in ("周师傅", "吴师傅", "郑师傅", "冯师傅"):
        make_member(company.team2, name)
    services.enrolment_add_unit(actor=aid.cadre, plan=mutual.plan, unit=company.team2)
    client = login(aid.cadre)

    with django_assert_max_num_queries(20):  # as many for six enrolled as for one
        response = client.get(reverse("assistance:plan_detail", args=[mutual.plan.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "王*工" in html and "王小工" not in html
    assert response.context["figures"].insured == 6
    assert 'id="enrol-member"' in html and 'id="enrol-unit"' in html


def test_the_enrolled_list_is_searched_as_a_fragment_with_htmx(aid, login, mutual, htmx):
    services.enrolment_add(actor=aid.cadre, plan=mutual.plan, members=[aid.other_member])
    response = login(aid.cadre).get(
        reverse("assistance:plan_detail", args=[mutual.plan.pk]), {"q": "刘"}, **htmx
    )

    html = response.content.decode()
    assert "<html" not in html
    assert "刘*姐" in html and "王*工" not in html


def test_a_cadre_enrols_a_member_by_number(aid, login, mutual):
    response = login(aid.cadre).post(
        reverse("assistance:plan_enrol", args=[mutual.plan.pk]), {"member": aid.other_member.member_no}
    )

    assert response.status_code == 302
    assert Enrolment.objects.filter(plan=mutual.plan, member=aid.other_member).exists()


def test_enrolling_a_member_twice_says_so_on_the_page(aid, login, mutual):
    response = login(aid.cadre).post(
        reverse("assistance:plan_enrol", args=[mutual.plan.pk]), {"member": aid.member.member_no}
    )

    assert response.status_code == 422
    assert "已参加这个计划" in response.content.decode()


def test_a_whole_team_is_enrolled_with_one_premium_entry(aid, company, login, mutual):
    before = FundEntry.objects.filter(kind=EntryKind.PREMIUM).count()

    response = login(aid.cadre).post(
        reverse("assistance:plan_enrol", args=[mutual.plan.pk]), {"unit": company.team.pk}, follow=True
    )

    assert "已登记参保 1 人" in response.content.decode()  # 李联络; the worker was already in
    assert FundEntry.objects.filter(kind=EntryKind.PREMIUM).count() == before + 1


def test_an_outsider_cannot_enrol_into_a_plan_they_cannot_see(aid, login, mutual):
    response = login(aid.outsider).post(
        reverse("assistance:plan_enrol", args=[mutual.plan.pk]), {"member": aid.outsider_member.member_no}
    )

    assert response.status_code == 404


def test_a_chairman_creates_a_plan_with_the_rate_in_percent(aid, company, login):
    fund = make_mutual_fund(company.unit, aid.chairman)
    response = login(aid.chairman).post(
        reverse("assistance:plan_new"),
        {
            "name": "2026年度住院互助",
            "unit": company.unit.pk,
            "fund": fund.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "premium": "30",
            "deductible": "1000",
            "rate_percent": "62.5",
            "cap_per_claim": "20000",
        },
    )

    plan = MutualAidPlan.objects.get(name="2026年度住院互助")
    assert response.status_code == 302 and response.url == reverse("assistance:plan_detail", args=[plan.pk])
    assert plan.rate == Decimal("0.625") and plan.cap_per_member is None


def test_a_plan_with_its_end_before_its_start_shows_the_error_on_the_field(aid, company, login):
    fund = make_mutual_fund(company.unit, aid.chairman)
    response = login(aid.chairman).post(
        reverse("assistance:plan_new"),
        {
            "name": "错误的计划",
            "unit": company.unit.pk,
            "fund": fund.pk,
            "starts_on": "2026-12-31",
            "ends_on": "2026-01-01",
            "premium": "30",
            "deductible": "0",
            "rate_percent": "60",
        },
    )

    assert response.status_code == 422
    assert response.context["form"].errors["ends_on"] == ["保障期结束日期必须晚于开始日期。"]


def test_a_cadre_may_not_create_plans(aid, login):
    assert login(aid.cadre).get(reverse("assistance:plan_new")).status_code == 403


def test_a_closed_plan_offers_no_enrolment(aid, login, mutual):
    client = login(aid.chairman)
    client.post(reverse("assistance:plan_close", args=[mutual.plan.pk]))

    html = client.get(reverse("assistance:plan_detail", args=[mutual.plan.pk])).content.decode()
    assert 'id="plan-closed"' in html and 'id="enrol-member"' not in html


# --- claims list -------------------------------------------------------------------------------------


def test_the_claims_list_has_status_tabs_and_masks_names(aid, login, mutual, django_assert_max_num_queries):
    for total in ("5000.00", "4000.00", "2500.00"):
        record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, total))
    returned = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "3000.00"))
    services.claim_return(actor=aid.chairman, claim=returned, version=returned.version, reason="补材料")
    client = login(aid.cadre)

    with django_assert_max_num_queries(16):  # as many for three rows as for one
        response = client.get(reverse("assistance:claims"))

    html = response.content.decode()
    tabs = {code: count for code, _label, count in response.context["tabs"]}
    assert tabs["pending"] == 3 and tabs["returned"] == 1 and tabs[""] == 4
    assert [claim.status for claim in response.context["page"].object_list] == ["pending"] * 3
    assert "王*工" in html and "王小工" not in html


def test_a_status_tab_is_served_as_a_fragment_with_htmx(aid, login, mutual, htmx):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "3000.00"))
    services.claim_return(actor=aid.chairman, claim=claim, version=claim.version, reason="补材料")

    response = login(aid.cadre).get(reverse("assistance:claims"), {"status": "returned"}, **htmx)

    html = response.content.decode()
    assert "<html" not in html and 'id="claim-tabs"' in html
    assert claim.number in html


def test_an_outsider_sees_no_claims_of_another_factory(aid, login, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "3000.00"))

    response = login(aid.outsider).get(reverse("assistance:claims"), {"status": ""})

    assert claim.number not in response.content.decode()


# --- recording a claim -------------------------------------------------------------------------------


def test_the_claim_form_opens_filled_in_from_an_enrolment(aid, login, mutual):
    response = login(aid.cadre).get(reverse("assistance:claim_new"), {"enrolment": mutual.enrolment.pk})

    form = response.context["form"]
    assert form.initial == {"plan": str(mutual.plan.pk), "member": aid.member.member_no}
    assert len(response.context["formset"].forms) == 3


def test_a_cadre_records_a_claim_and_sees_its_benefit(aid, login, mutual):
    data = claim_post(mutual, aid.member.member_no, row(mutual.plan, "6000.00", "5000.00"))

    response = login(aid.cadre).post(reverse("assistance:claim_new"), data, follow=True)

    claim = Claim.objects.get()
    assert claim.benefit == Decimal("2400.00") and claim.recorded_by == aid.cadre
    assert "已登记理赔" in response.content.decode() and "2,400.00" in response.content.decode()


def test_the_benefit_is_previewed_with_htmx_as_the_form_is_filled(aid, login, mutual, htmx):
    data = claim_post(mutual, aid.member.member_no, row(mutual.plan, "60000.00", "50000.00"), preview="1")

    response = login(aid.cadre).post(reverse("assistance:claim_new"), data, **htmx)

    html = response.content.decode()
    assert "<html" not in html
    assert "20000.00 元" in html and "单次上限" in html
    assert not Claim.objects.exists()


def test_the_benefit_is_previewed_without_htmx_on_the_whole_page(aid, login, mutual):
    data = claim_post(mutual, aid.member.member_no, row(mutual.plan, "6000.00", "5000.00"), preview="1")

    response = login(aid.cadre).post(reverse("assistance:claim_new"), data)

    assert response.status_code == 200
    assert "<html" in response.content.decode() and "2400.00 元" in response.content.decode()
    assert not Claim.objects.exists()


def test_a_benefit_of_zero_is_said_plainly_and_nothing_is_recorded(aid, login, mutual):
    data = claim_post(mutual, aid.member.member_no, row(mutual.plan, "900.00"))

    response = login(aid.cadre).post(reverse("assistance:claim_new"), data)

    assert response.status_code == 422
    assert "未超过起付线" in response.content.decode()
    assert not Claim.objects.exists()


def test_an_invoice_already_claimed_is_marked_on_its_row(aid, login, mutual):
    record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00", number="FP-1"))
    data = claim_post(
        mutual,
        aid.member.member_no,
        row(mutual.plan, "200.00", number="N-2"),
        row(mutual.plan, "5000.00", number="fp-1"),
    )

    response = login(aid.cadre).post(reverse("assistance:claim_new"), data)

    assert response.status_code == 422
    rows = response.context["formset"].forms
    assert rows[0].errors == {}
    assert "已在理赔" in rows[1].errors["invoice_no"][0]
    assert Claim.objects.count() == 1


def test_another_invoice_row_can_be_added(aid, login, mutual):
    data = claim_post(mutual, aid.member.member_no, row(mutual.plan, "200.00"), add_row="1")

    response = login(aid.cadre).post(reverse("assistance:claim_new"), data)

    assert len(response.context["formset"].forms) == 3
    assert not Claim.objects.exists()


def test_a_member_not_in_the_plan_is_refused_on_the_field(aid, login, mutual):
    data = claim_post(mutual, aid.other_member.member_no, row(mutual.plan, "5000.00"))

    response = login(aid.cadre).post(reverse("assistance:claim_new"), data)

    assert response.status_code == 422
    assert "没有参加这个计划" in response.context["form"].errors["member"][0]


def test_a_treasurer_may_not_record_claims(aid, login, mutual):
    assert login(aid.treasurer).get(reverse("assistance:claim_new")).status_code == 403


# --- one claim and its steps -------------------------------------------------------------------------


def test_opening_a_claim_is_logged_and_shows_the_member_in_full(aid, login, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    response = login(aid.chairman).get(reverse("assistance:claim_detail", args=[claim.pk]))

    assert response.status_code == 200
    assert "王小工" in response.content.decode()
    assert AccessLog.objects.filter(user=aid.chairman, subject=f"assistance.claim:{claim.pk}").count() == 1
    assert [step["name"] for step in response.context["steps"]] == ["approve", "return", "reject"]


def test_an_outsider_gets_404_for_a_claim_and_its_steps(aid, login, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    client = login(aid.outsider)

    assert client.get(reverse("assistance:claim_detail", args=[claim.pk])).status_code == 404
    response = client.post(reverse("assistance:claim_action", args=[claim.pk, "approve"]), {"version": 1})
    assert response.status_code == 404


def test_the_recorder_is_not_offered_approval_and_a_cadre_may_not_approve(aid, login, mutual):
    claim = record_claim(aid.chairman, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    page = login(aid.chairman).get(reverse("assistance:claim_detail", args=[claim.pk]))
    assert "approve" not in [step["name"] for step in page.context["steps"]]
    response = login(aid.cadre).post(
        reverse("assistance:claim_action", args=[claim.pk, "approve"]), {"version": 1}
    )
    assert response.status_code == 403


def test_the_chairman_approves_with_htmx_and_is_sent_back_to_the_claim(aid, login, mutual, htmx):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    response = login(aid.chairman).post(
        reverse("assistance:claim_action", args=[claim.pk, "approve"]), {"version": claim.version}, **htmx
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("assistance:claim_detail", args=[claim.pk])
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED


def test_a_stale_form_answers_409_with_the_message_for_htmx(aid, login, mutual, htmx):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    services.claim_approve(actor=aid.upper_chairman, claim=claim, version=claim.version)

    response = login(aid.chairman).post(
        reverse("assistance:claim_action", args=[claim.pk, "reject"]), {"version": 1, "note": "重复"}, **htmx
    )

    assert response.status_code == 409
    assert response["HX-Retarget"] == "#claim-alerts"
    assert "刷新" in response.content.decode()


def test_a_return_without_a_reason_shows_the_error_on_the_field(aid, login, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    response = login(aid.chairman).post(
        reverse("assistance:claim_action", args=[claim.pk, "return"]), {"version": claim.version, "note": ""}
    )

    assert response.status_code == 422
    assert "note" in response.context["steps"][1]["form"].errors


def test_the_pay_form_carries_a_one_time_key_and_a_resent_form_pays_once(aid, login, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    claim = services.claim_approve(actor=aid.chairman, claim=claim, version=claim.version)
    client = login(aid.treasurer)
    page = client.get(reverse("assistance:claim_detail", args=[claim.pk]))
    [pay] = [step for step in page.context["steps"] if step["name"] == "pay"]
    key = pay["form"].initial["key"]
    assert key and f'value="{key}"' in page.content.decode()

    form = {"version": claim.version, "reference": "YH-20260311-01", "key": key, "note": ""}
    first = client.post(reverse("assistance:claim_action", args=[claim.pk, "pay"]), form)
    again = client.post(reverse("assistance:claim_action", args=[claim.pk, "pay"]), form)

    assert first.status_code == again.status_code == 302
    assert FundEntry.objects.filter(claim=claim, kind=EntryKind.PAYMENT).count() == 1
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and claim.paid_by == aid.treasurer


def test_a_short_fund_is_said_plainly_on_approval(aid, company, login):
    mutual = make_mutual(aid, company.unit, balance="100.00")
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    response = login(aid.chairman).post(
        reverse("assistance:claim_action", args=[claim.pk, "approve"]),
        {"version": claim.version},
        follow=True,
    )

    assert "可用余额不足" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
