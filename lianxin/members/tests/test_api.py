"""The members API through the test client, with a token from POST /api/v1/auth/token."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.core import crypto
from lianxin.members.models import Member
from lianxin.members.tests.factories import make_sheet, sheet_row


@pytest.fixture
def bearer(client):
    def _bearer(username: str) -> dict:
        response = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": "pass-word-123"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return _bearer


def test_list_needs_a_token(client, roster):
    response = client.get("/api/v1/members")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_list_holds_the_members_in_scope_masked_and_paginated(client, roster, personas, bearer):
    response = client.get("/api/v1/members", headers=bearer("cadre"))

    assert response.status_code == 200
    body = response.json()
    numbers = {item["member_no"] for item in body["items"]}
    assert {roster.zhang.member_no, roster.li.member_no} <= numbers
    assert roster.chen.member_no not in numbers
    assert body["count"] == len(numbers) == 4  # with the worker's and the liaison's own records
    zhang = next(item for item in body["items"] if item["member_no"] == roster.zhang.member_no)
    assert zhang["id_number"] == roster.zhang.id_number_masked
    assert zhang["phone"] == "138****5678"
    assert crypto.decrypt(roster.zhang.id_number_cipher) not in response.content.decode()


@pytest.mark.parametrize(
    ("q", "expected"), [("張偉", {"M0012345"}), ("zw", {"M0012345"}), ("5678", {"M0012345"})]
)
def test_list_searches_like_the_page(q, expected, client, roster, bearer):
    body = client.get("/api/v1/members", {"q": q}, headers=bearer("cadre")).json()

    assert {item["member_no"] for item in body["items"]} == expected


def test_list_filters_by_unit_subtree(client, roster, company, bearer):
    body = client.get("/api/v1/members", {"unit": company.team2.pk}, headers=bearer("cadre")).json()

    assert [item["member_no"] for item in body["items"]] == [roster.li.member_no]


def test_a_bad_filter_answers_422_with_the_field_path(client, roster, bearer):
    response = client.get("/api/v1/members", {"employment_type": "boss"}, headers=bearer("cadre"))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert [error["path"] for error in body["errors"]] == ["query.employment_type"]


def test_a_unit_filter_outside_scope_answers_404(client, roster, company, bearer):
    response = client.get("/api/v1/members", {"unit": company.sibling.pk}, headers=bearer("cadre"))

    assert response.status_code == 404


def test_detail_of_a_member_in_scope(client, roster, bearer):
    response = client.get(f"/api/v1/members/{roster.zhang.pk}", headers=bearer("cadre"))

    assert response.status_code == 200
    assert response.json()["unit_name"] == "甲班"


def test_detail_outside_scope_answers_404_like_a_missing_member(client, roster, bearer):
    headers = bearer("outsider")

    outside = client.get(f"/api/v1/members/{roster.zhang.pk}", headers=headers)
    missing = client.get("/api/v1/members/999999", headers=headers)

    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_worker_reads_only_their_own_record(client, roster, personas, bearer):
    headers = bearer("worker")

    body = client.get("/api/v1/members", headers=headers).json()

    assert [item["member_no"] for item in body["items"]] == [personas.worker.member.member_no]
    assert client.get(f"/api/v1/members/{roster.zhang.pk}", headers=headers).status_code == 404


def xlsx(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "members.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_import_skipping_bad_rows_answers_the_report(client, personas, company, bearer):
    sheet = make_sheet([sheet_row("A0000001", "张伟", "U1-1-1"), sheet_row("A0000002", "李娜", "NOPE")])

    response = client.post(
        "/api/v1/members/import",
        {"file": xlsx(sheet), "unit": company.unit.pk, "on_error": "skip_bad_rows"},
        headers=bearer("cadre"),
    )

    assert response.status_code == 200
    report = response.json()
    assert (report["status"], report["total_rows"], report["imported_rows"]) == ("imported", 2, 1)
    assert report["errors"] == [
        {"row": 3, "column": "单位编码", "value": "NOPE", "message": "未知单位,或不在您导入的范围内。"}
    ]
    assert Member.objects.filter(member_no="A0000001").exists()


def test_import_rejecting_the_file_writes_nothing(client, personas, company, bearer):
    sheet = make_sheet([sheet_row("A0000001", "张伟", "U1-1-1"), sheet_row("A0000002", "李娜", "NOPE")])

    response = client.post(
        "/api/v1/members/import", {"file": xlsx(sheet), "unit": company.unit.pk}, headers=bearer("cadre")
    )

    assert response.json()["status"] == "discarded"
    assert not Member.objects.filter(member_no="A0000001").exists()


def test_import_of_a_broken_file_answers_422_on_the_file(client, personas, company, bearer):
    response = client.post(
        "/api/v1/members/import", {"file": xlsx(b"garbage"), "unit": company.unit.pk}, headers=bearer("cadre")
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.file"


def test_import_into_a_unit_outside_scope_answers_404(client, personas, company, bearer):
    response = client.post(
        "/api/v1/members/import",
        {"file": xlsx(make_sheet([])), "unit": company.sibling.pk},
        headers=bearer("cadre"),
    )

    assert response.status_code == 404


def test_import_needs_the_import_right(client, personas, company, bearer):
    response = client.post(
        "/api/v1/members/import",
        {"file": xlsx(make_sheet([])), "unit": company.team.pk},
        headers=bearer("liaison"),
    )

    assert response.status_code == 403
