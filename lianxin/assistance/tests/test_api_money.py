"""The programme, application and fund endpoints: shapes (money as two-decimal strings, masked names
in lists), scope (404 outside it, 403 for a step not one's own), domain errors (409 conflict, 422
with a message or a field path) and the payment's idempotency key."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from lianxin.assistance import services
from lianxin.assistance.models import Application, ApplicationStatus, EntryKind, Fund, FundEntry
from lianxin.assistance.tests.factories import make_fund
from lianxin.core.models import AccessLog

pytestmark = pytest.mark.django_db

API = "/api/v1/assistance"
Status = ApplicationStatus


def post(client, url: str, body: dict | None = None, **headers):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **headers)


def record(aid, programme=None, member=None, **fields) -> Application:
    fields.setdefault("reason", "家中老人住院,生活困难")
    return services.application_record(
        actor=fields.pop("actor", aid.cadre),
        programme=programme or aid.festival,
        member=member or aid.member,
        **fields,
    )


def approved(aid, **fields) -> Application:
    application = record(aid, **fields)
    return services.application_approve(
        actor=aid.chairman, application=application, version=application.version
    )


def step(client, application, action: str, body: dict | None = None, **headers):
    body = {"version": application.version, **(body or {})}
    return post(client, f"{API}/applications/{application.pk}/actions/{action}", body, **headers)


# --- programmes ----------------------------------------------------------------------------------------


def test_programmes_in_scope_are_listed_with_their_amounts_as_strings(aid, login):
    response = login(aid.cadre).get(f"{API}/programmes")
    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()["items"]}
    assert set(by_code) == {"festival_visit", "school_aid", "serious_illness"}
    assert by_code["festival_visit"]["standard_amount"] == "1000.00"
    assert by_code["school_aid"]["amounts_by_school_level"]["senior"] == "1500.00"
    assert by_code["serious_illness"]["approval_threshold"] == "5000.00"


def test_an_outsider_sees_none_of_another_factorys_programmes(aid, login):
    assert login(aid.outsider).get(f"{API}/programmes").json()["count"] == 0


def programme_body(aid, **fields) -> dict:
    return {
        "unit": aid.fund.unit_id,
        "fund": aid.fund.pk,
        "code": "emergency",
        "name": "应急救助",
        "kind": "emergency",
        "min_amount": "500.00",
        "max_amount": "5000.00",
        "once_per_period": False,
        **fields,
    }


def test_the_chairman_sets_up_a_programme_and_cadres_can_record_under_it(aid, login):
    response = post(login(aid.chairman), f"{API}/programmes", programme_body(aid, eligible_levels=["deep"]))
    assert response.status_code == 201
    body = response.json()
    assert (body["min_amount"], body["max_amount"], body["standard_amount"]) == ("500.00", "5000.00", None)
    assert body["eligible_levels"] == ["deep"]
    codes = [row["code"] for row in login(aid.cadre).get(f"{API}/programmes").json()["items"]]
    assert "emergency" in codes


def test_a_cadre_may_not_set_up_programmes(aid, login):
    assert post(login(aid.cadre), f"{API}/programmes", programme_body(aid)).status_code == 403


def test_a_programme_with_inconsistent_amounts_or_a_taken_code_is_refused_on_the_field(aid, login):
    client = login(aid.chairman)
    response = post(client, f"{API}/programmes", programme_body(aid, min_amount="6000.00"))
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "body.max_amount"
    response = post(client, f"{API}/programmes", programme_body(aid, code="festival_visit"))
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "body.code"


def test_a_programme_cannot_pay_from_a_fund_outside_scope(aid, login, company):
    sibling = make_fund(company.sibling, aid.chairman, name="轧钢厂帮扶基金")
    response = post(login(aid.chairman), f"{API}/programmes", programme_body(aid, fund=sibling.pk))
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "body.fund"
    response = post(login(aid.outsider), f"{API}/programmes", programme_body(aid))
    assert response.status_code == 404  # 炼钢厂 is outside the outsider's scope


# --- applications ------------------------------------------------------------------------------------


def test_recording_answers_201_with_the_amount_as_a_string_and_the_first_step(aid, login):
    response = post(
        login(aid.cadre),
        f"{API}/applications",
        {
            "programme": aid.school.pk,
            "member": aid.other_member.pk,
            "reason": "孩子考上大学",
            "school_level": "college",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["amount"] == "3000.00" and body["status"] == "pending" and body["version"] == 1
    assert body["member_name"] == "刘大姐"
    assert [event["action"] for event in body["events"]] == ["recorded"]
    assert Application.objects.get(pk=body["id"]).recorded_by == aid.cadre


def test_a_bad_amount_answers_422_on_the_amount_field(aid, login):
    response = post(
        login(aid.cadre),
        f"{API}/applications",
        {"programme": aid.illness.pk, "member": aid.member.pk, "reason": "住院", "amount": "12.345"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.amount"


def test_a_member_outside_scope_answers_422_on_the_member_field(aid, login):
    response = post(
        login(aid.cadre),
        f"{API}/applications",
        {"programme": aid.festival.pk, "member": aid.outsider_member.pk, "reason": "慰问"},
    )
    assert response.status_code == 422
    assert [error["path"] for error in response.json()["errors"]] == ["body.member"]


def test_a_programme_rule_answers_422_with_its_message(aid, login):
    record(aid)
    response = post(
        login(aid.cadre),
        f"{API}/applications",
        {"programme": aid.festival.pk, "member": aid.member.pk, "reason": "再来一次"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "not_possible" and "每户每周期限一次" in response.json()["message"]


def test_the_list_masks_names_and_filters_by_status_and_queue(aid, login):
    pending = record(aid)
    other = approved(aid, programme=aid.school, member=aid.other_member, school_level="junior")
    client = login(aid.chairman)
    rows = client.get(f"{API}/applications").json()["items"]
    assert {row["member_name"] for row in rows} == {"王*工", "刘*姐"}
    assert [row["id"] for row in client.get(f"{API}/applications?status=approved").json()["items"]] == [
        other.pk
    ]
    queue = client.get(f"{API}/applications?queue=to_approve").json()["items"]
    assert [row["id"] for row in queue] == [pending.pk]
    treasurer = login(aid.treasurer).get(f"{API}/applications?queue=to_pay").json()["items"]
    assert [row["id"] for row in treasurer] == [other.pk]


def test_a_unit_filter_outside_scope_is_404_and_an_outsider_lists_nothing(aid, login, company):
    record(aid)
    assert login(aid.cadre).get(f"{API}/applications?unit={company.sibling.pk}").status_code == 404
    assert login(aid.outsider).get(f"{API}/applications").json()["count"] == 0


def test_one_application_names_the_beneficiary_and_logs_the_view(aid, login):
    application = record(aid)
    response = login(aid.chairman).get(f"{API}/applications/{application.pk}")
    assert response.status_code == 200 and response.json()["member_name"] == "王小工"
    assert AccessLog.objects.filter(
        user=aid.chairman, subject=f"assistance.application:{application.pk}"
    ).exists()


def test_an_outsider_gets_404_for_an_application_and_its_steps(aid, login):
    application = record(aid)
    client = login(aid.outsider)
    assert client.get(f"{API}/applications/{application.pk}").status_code == 404
    assert step(client, application, "approve").status_code == 404


def test_approve_then_a_stale_version_is_a_409_conflict(aid, login):
    application = record(aid)
    client = login(aid.chairman)
    response = step(client, application, "approve", {"note": "同意"})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    again = step(client, application, "return", {"reason": "材料不全"})
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_an_approval_the_fund_cannot_cover_is_422_insufficient_funds(aid, login, company):
    aid.festival.fund = make_fund(company.unit, aid.chairman, balance="300.00", name="小额基金")
    aid.festival.save(update_fields=["fund"])
    application = record(aid)
    response = step(login(aid.chairman), application, "approve")
    assert response.status_code == 422
    assert response.json()["code"] == "insufficient_funds" and "可用余额不足" in response.json()["message"]


def test_the_treasurer_may_not_approve_403(aid, login):
    application = record(aid)
    assert step(login(aid.treasurer), application, "approve").status_code == 403


def test_returning_without_a_reason_is_422_on_the_reason(aid, login):
    application = record(aid)
    response = step(login(aid.chairman), application, "return")
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "body.reason"


def test_paying_needs_an_idempotency_key(aid, login):
    application = approved(aid)
    response = step(login(aid.treasurer), application, "pay", {"reference": "PZ-1"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "header.Idempotency-Key"
    assert Application.objects.get(pk=application.pk).status == Status.APPROVED


def test_a_replayed_payment_answers_the_first_result_and_pays_once(aid, login):
    application = approved(aid)
    client = login(aid.treasurer)
    first = step(client, application, "pay", {"reference": "PZ-2026-7"}, HTTP_IDEMPOTENCY_KEY="pay-abc")
    assert first.status_code == 200 and first.json()["status"] == "paid" and first.json()["replayed"] is False
    second = step(client, application, "pay", {"reference": "PZ-2026-7"}, HTTP_IDEMPOTENCY_KEY="pay-abc")
    assert second.status_code == 200 and second.json()["replayed"] is True
    assert second.json()["payment_reference"] == "PZ-2026-7"
    assert FundEntry.objects.filter(application=application, kind=EntryKind.PAYMENT).count() == 1
    assert Fund.objects.get(pk=aid.fund.pk).balance == Decimal("99000.00")


def test_the_same_key_with_another_body_is_refused(aid, login):
    application = approved(aid)
    client = login(aid.treasurer)
    step(client, application, "pay", {"reference": "PZ-1"}, HTTP_IDEMPOTENCY_KEY="pay-xyz")
    response = step(client, application, "pay", {"reference": "PZ-2"}, HTTP_IDEMPOTENCY_KEY="pay-xyz")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"


def test_a_reversal_puts_the_money_back(aid, login):
    application = approved(aid)
    client = login(aid.treasurer)
    paid = step(client, application, "pay", {"reference": "PZ-3"}, HTTP_IDEMPOTENCY_KEY="pay-r").json()
    response = post(
        client,
        f"{API}/applications/{application.pk}/actions/reverse",
        {"version": paid["version"], "reason": "发错人"},
    )
    assert response.status_code == 200 and response.json()["status"] == "reversed"
    assert Fund.objects.get(pk=aid.fund.pk).balance == Decimal("100000.00")


def test_resubmit_and_void_are_the_recorders(aid, login):
    application = record(aid)
    application = services.application_return(
        actor=aid.chairman, application=application, version=application.version, reason="补材料"
    )
    client = login(aid.cadre)
    response = step(client, application, "resubmit", {"reason": "已补材料"})
    assert response.status_code == 200 and response.json()["status"] == "pending"
    response = post(
        client,
        f"{API}/applications/{application.pk}/actions/void",
        {"version": response.json()["version"], "reason": "重复登记"},
    )
    assert response.status_code == 200 and response.json()["status"] == "voided"


def test_an_unknown_action_is_422(aid, login):
    application = record(aid)
    assert step(login(aid.chairman), application, "delete").status_code == 422


def test_without_login_the_api_answers_401(aid, client):
    assert client.get(f"{API}/applications").status_code == 401


# --- funds ------------------------------------------------------------------------------------------


def test_funds_show_balance_reserved_and_available_as_strings(aid, login):
    approved(aid)
    rows = login(aid.cadre).get(f"{API}/funds").json()["items"]
    assert rows == [
        {
            "id": aid.fund.pk,
            "name": aid.fund.name,
            "kind": "relief",
            "kind_label": "帮扶救助基金",
            "unit_id": aid.fund.unit_id,
            "unit_name": "炼钢厂",
            "balance": "100000.00",
            "reserved": "1000.00",
            "available": "99000.00",
            "is_active": True,
        }
    ]


def test_the_ledger_pages_newest_first_with_the_running_balance(aid, login):
    for amount in ("100.00", "200.00", "300.00"):
        services.fund_income_record(actor=aid.chairman, fund=aid.fund, kind="allocation", amount=amount)
    client = login(aid.cadre)
    body = client.get(f"{API}/funds/{aid.fund.pk}/ledger?page_size=2").json()
    assert body["count"] == 4
    assert [(row["amount"], row["balance_after"]) for row in body["items"]] == [
        ("300.00", "100600.00"),
        ("200.00", "100300.00"),
    ]
    page2 = client.get(f"{API}/funds/{aid.fund.pk}/ledger?page_size=2&page=2").json()["items"]
    assert [row["balance_after"] for row in page2] == ["100100.00", "100000.00"]
    donations = client.get(f"{API}/funds/{aid.fund.pk}/ledger?kind=donation").json()
    assert donations["count"] == 0


def test_an_outsider_gets_404_for_the_ledger_and_the_income(aid, login):
    client = login(aid.outsider)
    assert client.get(f"{API}/funds/{aid.fund.pk}/ledger").status_code == 404
    assert (
        post(
            client, f"{API}/funds/{aid.fund.pk}/income", {"kind": "allocation", "amount": "1.00"}
        ).status_code
        == 404
    )


def test_an_anonymous_donation_is_recorded_and_never_shows_its_donor(aid, login):
    client = login(aid.treasurer)
    response = post(
        client,
        f"{API}/funds/{aid.fund.pk}/income",
        {"kind": "donation", "amount": "500.5", "donor": "张三", "donor_anonymous": True},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["amount"] == "500.50" and body["balance_after"] == "100500.50" and body["donor"] is None
    rows = client.get(f"{API}/funds/{aid.fund.pk}/ledger").json()["items"]
    assert "张三" not in json.dumps(rows, ensure_ascii=False)


def test_income_needs_the_funds_capability_and_a_donor(aid, login):
    url = f"{API}/funds/{aid.fund.pk}/income"
    assert post(login(aid.cadre), url, {"kind": "allocation", "amount": "1.00"}).status_code == 403
    response = post(login(aid.chairman), url, {"kind": "donation", "amount": "1.00"})
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "body.donor"
    response = post(login(aid.chairman), url, {"kind": "allocation", "amount": "-5"})
    assert response.status_code == 422 and response.json()["errors"][0]["path"] == "body.amount"
