"""The hardship-file API: /api/v1/assistance/files, with bearer tokens."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from lianxin.assistance.models import FileStatus, HardshipFile, Level, LocalStandard, Pairing
from lianxin.assistance.tests.factories import make_file
from lianxin.core.models import AccessLog
from lianxin.core.tokens import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def standard(company):
    return LocalStandard.objects.create(
        unit=company.unit, monthly_per_head=Decimal("1000.00"), effective_from=dt.date(2020, 1, 1)
    )


@pytest.fixture
def api(client):
    """api(user).get/post(path, body) -> response, with the user's bearer token."""

    class Caller:
        def __init__(self, user):
            self.headers = {"Authorization": f"Bearer {api_token_create(user=user)}"}

        def get(self, path, params=None):
            return client.get(f"/api/v1/assistance{path}", params or {}, headers=self.headers)

        def post(self, path, body=None):
            return client.post(
                f"/api/v1/assistance{path}", body or {}, content_type="application/json", headers=self.headers
            )

    return Caller


def opening(aid, **extra) -> dict:
    return {
        "member": aid.other_member.pk,
        "causes": ["serious_illness"],
        "situation": "丈夫脑出血住院,医药费负担重。",
        "address": "炼钢厂生活区 7 栋",
        "persons": [
            {"name": "刘大姐", "relation": "self", "monthly_income": "2600.00", "birth_year": 1978},
            {"name": "张师傅", "relation": "spouse", "monthly_income": 0, "health": "serious_illness"},
        ],
        **extra,
    }


def test_a_cadre_opens_a_file_and_gets_it_back_with_the_suggested_level(api, aid, standard):
    response = api(aid.cadre).post("/files", opening(aid))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["member_name"] == "刘大姐"
    assert (body["household_size"], body["income_per_head"], body["local_standard"]) == (
        2,
        "1300.00",
        "1000.00",
    )
    assert (body["level"], body["suggested_level"]) == (Level.ACCIDENT, Level.ACCIDENT)
    assert [person["name"] for person in body["persons"]] == ["刘大姐", "张师傅"]
    assert body["events"][0]["action"] == "opened"
    assert HardshipFile.objects.filter(pk=body["id"], member=aid.other_member).exists()


def test_the_list_masks_names_and_filters(api, aid):
    make_file(
        aid.other_member,
        aid.cadre,
        level=Level.RELATIVE,
        next_review_on=timezone.localdate() - dt.timedelta(days=1),
    )
    body = api(aid.cadre).get("/files").json()
    assert body["count"] == 2
    assert {item["member_name"] for item in body["items"]} == {"王*工", "刘*姐"}
    overdue = api(aid.cadre).get("/files", {"review_due": "overdue"}).json()
    assert [item["member_name"] for item in overdue["items"]] == ["刘*姐"]
    assert overdue["items"][0]["review_overdue"] is True
    relative = api(aid.cadre).get("/files", {"level": "relative"}).json()
    assert relative["count"] == 1
    assert api(aid.cadre).get("/files", {"unit": aid.outsider_member.unit_id}).status_code == 404
    assert api(aid.outsider).get("/files").json()["count"] == 0


def test_one_file_is_logged_and_out_of_scope_is_404(api, aid):
    response = api(aid.cadre).get(f"/files/{aid.file.pk}")
    assert response.status_code == 200
    assert response.json()["member_name"] == "王小工"
    log = AccessLog.objects.get(user=aid.cadre, subject=f"assistance.hardshipfile:{aid.file.pk}")
    assert log.detail["channel"] == "api"
    assert api(aid.outsider).get(f"/files/{aid.file.pk}").status_code == 404
    assert api(aid.leader).get(f"/files/{aid.file.pk}").status_code == 404
    Pairing.objects.create(file=aid.file, leader=aid.leader, unit=aid.file.unit, created_by=aid.cadre)
    assert api(aid.leader).get(f"/files/{aid.file.pk}").status_code == 200


def test_bad_input_answers_422_with_the_fields_path(api, aid, standard):
    body = opening(aid)
    body["persons"][1]["monthly_income"] = "-3"
    body["causes"] = ["bad_luck"]
    response = api(aid.cadre).post("/files", body)
    assert response.status_code == 422
    paths = {error["path"] for error in response.json()["errors"]}
    assert {"body.payload.persons.1.monthly_income", "body.payload.causes.0"} <= paths


def test_a_member_outside_scope_or_with_an_active_file_is_refused_on_the_member_field(api, aid, standard):
    response = api(aid.cadre).post("/files", opening(aid, member=aid.outsider_member.pk))
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.member"
    response = api(aid.cadre).post("/files", opening(aid, member=aid.member.pk))
    assert response.status_code == 422
    assert "已有在档" in response.json()["errors"][0]["message"]


def test_without_a_standard_the_level_must_be_given(api, aid):
    response = api(aid.cadre).post("/files", opening(aid))
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.level"
    assert api(aid.cadre).post("/files", opening(aid, level="deep")).status_code == 201


def test_a_review_moves_the_next_review_and_a_stale_one_is_409(api, aid, standard):
    response = api(aid.cadre).post(
        f"/files/{aid.file.pk}/actions/review", {"version": aid.file.version, "note": "家庭情况无变化"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["reviewed_on"] == timezone.localdate().isoformat()
    assert body["version"] == aid.file.version + 1
    stale = api(aid.cadre).post(f"/files/{aid.file.pk}/actions/review", {"version": aid.file.version})
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"


def test_exit_with_a_reason_then_no_more_reviews(api, aid):
    response = api(aid.cadre).post(
        f"/files/{aid.file.pk}/actions/exit", {"version": aid.file.version, "reason": "丈夫康复重新上岗"}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["exit_reason"]) == (
        FileStatus.EXITED,
        "丈夫康复重新上岗",
    )
    again = api(aid.cadre).post(
        f"/files/{aid.file.pk}/actions/review", {"version": response.json()["version"]}
    )
    assert again.status_code == 422 and again.json()["code"] == "not_possible"


def test_steps_on_a_visible_file_need_the_record_capability(api, aid):
    assert (
        api(aid.treasurer)
        .post(f"/files/{aid.file.pk}/actions/exit", {"version": 1, "reason": "x"})
        .status_code
        == 403
    )
    assert (
        api(aid.outsider)
        .post(f"/files/{aid.file.pk}/actions/exit", {"version": 1, "reason": "x"})
        .status_code
        == 404
    )
    assert HardshipFile.objects.get(pk=aid.file.pk).status == FileStatus.ACTIVE
