"""The mutual-aid API through the test client with bearer tokens, as the `aid` cast."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lianxin.assistance.models import Claim, ClaimStatus, EntryKind, FundEntry
from lianxin.assistance.services import mutual_aid as services
from lianxin.core.models import AccessLog
from lianxin.core.tokens import api_token_create

from .factories_mutual import invoice, make_mutual, record_claim

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assistance/mutual-aid"


@pytest.fixture
def mutual(aid, company):
    return make_mutual(aid, company.unit)


@pytest.fixture
def api(client):
    """api(user).get/post(path, body, **headers) -> response, with that user's bearer token."""

    class Caller:
        def __init__(self, user):
            self.headers = {"Authorization": f"Bearer {api_token_create(user=user)}"}

        def get(self, path, params=None):
            return client.get(f"{BASE}{path}", params or {}, headers=self.headers)

        def post(self, path, body=None, **headers):
            return client.post(
                f"{BASE}{path}",
                body or {},
                content_type="application/json",
                headers={**self.headers, **headers},
            )

    return Caller


def claim_body(mutual, member, *invoices):
    plan = mutual.plan
    return {
        "plan": plan.pk,
        "member": member.pk,
        "illness": "腰椎间盘突出手术",
        "hospital": "市中医院",
        "admitted_on": str(plan.starts_on + dt.timedelta(days=20)),
        "invoices": [
            {**row, "issued_on": str(row["issued_on"])}
            for row in (invoices or [invoice(plan, "6000.00", "5000.00")])
        ],
    }


# --- recording -----------------------------------------------------------------------------------


def test_a_claim_is_recorded_with_its_benefit(aid, api, mutual):
    response = api(aid.cadre).post("/claims", claim_body(mutual, aid.member))

    assert response.status_code == 201
    body = response.json()
    assert body["benefit"] == "2400.00" and body["status"] == "pending"
    assert body["eligible_total"] == "5000.00" and body["invoice_total"] == "6000.00"
    assert body["member_name"] == "王小工" and body["events"][0]["action"] == "recorded"
    assert Claim.objects.get().number == body["number"]


def test_bad_invoice_amounts_answer_422_with_the_field_path(aid, api, mutual):
    plan = mutual.plan
    response = api(aid.cadre).post(
        "/claims",
        claim_body(mutual, aid.member, invoice(plan, "100.00"), invoice(plan, "1000.00", "1000.005")),
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert [error["path"] for error in body["errors"]] == ["body.invoices.1.eligible"]


def test_a_missing_field_answers_422_in_the_one_error_shape(aid, api, mutual):
    body = claim_body(mutual, aid.member)
    del body["illness"]

    response = api(aid.cadre).post("/claims", body)

    assert response.status_code == 422
    assert response.json()["errors"] == [{"path": "body.payload.illness", "message": "必填项。"}]


def test_an_invoice_claimed_before_answers_422_on_that_invoice(aid, api, mutual):
    record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00", number="INV-88"))

    response = api(aid.cadre).post(
        "/claims", claim_body(mutual, aid.member, invoice(mutual.plan, "900.00", number="inv-88"))
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["path"] == "body.invoices.0.invoice_no" and "已在理赔" in error["message"]


def test_a_benefit_of_zero_answers_422_saying_why(aid, api, mutual):
    response = api(aid.cadre).post("/claims", claim_body(mutual, aid.member, invoice(mutual.plan, "1000.00")))

    assert response.status_code == 422
    assert response.json()["code"] == "not_possible"
    assert "起付线" in response.json()["message"]


def test_a_member_not_enrolled_answers_422_on_member(aid, api, mutual):
    response = api(aid.cadre).post("/claims", claim_body(mutual, aid.other_member))

    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.member"


# --- reading -------------------------------------------------------------------------------------


def test_the_list_masks_names_and_the_detail_is_logged(aid, api, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    listed = api(aid.chairman).get("/claims", {"status": "pending"}).json()
    detail = api(aid.chairman).get(f"/claims/{claim.pk}").json()

    assert [item["member_name"] for item in listed["items"]] == ["王*工"]
    assert detail["member_name"] == "王小工" and detail["invoices"][0]["total"] == "5000.00"
    assert AccessLog.objects.filter(user=aid.chairman, subject=f"assistance.claim:{claim.pk}").count() == 1


def test_the_plans_answer_with_their_figures(aid, api, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    claim = services.claim_approve(actor=aid.chairman, claim=claim, version=claim.version)
    services.claim_pay(
        actor=aid.treasurer, claim=claim, version=claim.version, reference="R", idempotency_key="k"
    )

    [plan] = api(aid.cadre).get("/plans").json()["items"]
    detail = api(aid.cadre).get(f"/plans/{mutual.plan.pk}").json()

    assert (plan["insured"], plan["claims_paid"], plan["amount_paid"]) == (1, 1, "2400.00")
    assert plan["rate"] == "0.600" and plan["deductible"] == "1000.00"
    assert detail["units"] == [
        {
            "unit_id": detail["units"][0]["unit_id"],
            "unit_name": "一炼钢车间",
            "insured": 1,
            "claims": 1,
            "paid": "2400.00",
        }
    ]


# --- steps ---------------------------------------------------------------------------------------


def test_a_cadre_may_not_approve_and_the_recorder_may_not_approve_their_own(aid, api, mutual):
    claim = record_claim(aid.chairman, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    assert api(aid.cadre).post(f"/claims/{claim.pk}/actions/approve", {"version": 1}).status_code == 403
    own = api(aid.chairman).post(f"/claims/{claim.pk}/actions/approve", {"version": 1})
    assert own.status_code == 422 and own.json()["code"] == "not_possible"
    assert "自己登记" in own.json()["message"]


def test_a_stale_version_answers_409(aid, api, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    assert api(aid.chairman).post(f"/claims/{claim.pk}/actions/approve", {"version": 1}).status_code == 200

    response = api(aid.chairman).post(f"/claims/{claim.pk}/actions/reject", {"version": 1, "reason": "重复"})

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_paying_needs_an_idempotency_key_and_a_retry_pays_once(aid, api, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    version = api(aid.chairman).post(f"/claims/{claim.pk}/actions/approve", {"version": 1}).json()["version"]
    body = {"version": version, "reference": "YH-0001"}
    treasurer = api(aid.treasurer)

    missing = treasurer.post(f"/claims/{claim.pk}/actions/pay", body)
    first = treasurer.post(f"/claims/{claim.pk}/actions/pay", body, **{"Idempotency-Key": "pay-77"})
    again = treasurer.post(f"/claims/{claim.pk}/actions/pay", body, **{"Idempotency-Key": "pay-77"})
    other = treasurer.post(
        f"/claims/{claim.pk}/actions/pay", {**body, "reference": "YH-0002"}, **{"Idempotency-Key": "pay-77"}
    )

    assert missing.status_code == 422 and missing.json()["errors"][0]["path"] == "header.Idempotency-Key"
    assert (first.status_code, first.json()["replayed"]) == (200, False)
    assert (again.status_code, again.json()["replayed"], again.json()["status"]) == (200, True, "paid")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert FundEntry.objects.filter(claim=claim, kind=EntryKind.PAYMENT).count() == 1


def test_the_approver_may_not_pay(aid, api, company, mutual):
    from lianxin.core.tests.factories import grant

    grant(aid.chairman, company.unit, "treasurer")
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    version = api(aid.chairman).post(f"/claims/{claim.pk}/actions/approve", {"version": 1}).json()["version"]

    response = api(aid.chairman).post(
        f"/claims/{claim.pk}/actions/pay", {"version": version, "reference": "R"}, **{"Idempotency-Key": "x"}
    )

    assert response.status_code == 422 and "审批人" in response.json()["message"]


def test_an_approval_the_fund_cannot_cover_answers_422_insufficient_funds(aid, api, company):
    mutual = make_mutual(aid, company.unit, balance="100.00")
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    response = api(aid.chairman).post(f"/claims/{claim.pk}/actions/approve", {"version": 1})

    assert response.status_code == 422
    assert response.json()["code"] == "insufficient_funds" and "可用余额不足" in response.json()["message"]
    mutual.fund.refresh_from_db()
    assert mutual.fund.reserved == Decimal("0.00") and mutual.fund.balance == Decimal("130.00")


def test_a_reversal_needs_a_reason_and_then_puts_the_money_back(aid, api, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    claim = services.claim_approve(actor=aid.chairman, claim=claim, version=claim.version)
    claim = services.claim_pay(
        actor=aid.treasurer, claim=claim, version=claim.version, reference="R", idempotency_key="k"
    ).target
    treasurer = api(aid.treasurer)

    bare = treasurer.post(f"/claims/{claim.pk}/actions/reverse", {"version": claim.version})
    done = treasurer.post(
        f"/claims/{claim.pk}/actions/reverse", {"version": claim.version, "reason": "账号错误"}
    )

    assert bare.status_code == 422 and bare.json()["errors"][0]["path"] == "body.reason"
    assert done.status_code == 200 and done.json()["status"] == ClaimStatus.REVERSED
    mutual.fund.refresh_from_db()
    assert mutual.fund.balance == Decimal("50030.00")


def test_an_unknown_action_is_refused(aid, api, mutual):
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))

    response = api(aid.chairman).post(f"/claims/{claim.pk}/actions/delete", {"version": 1})

    assert response.status_code == 422
