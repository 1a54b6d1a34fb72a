"""The pairing API: /api/v1/assistance/pairings, with bearer tokens.

`leader` (炼钢厂 leader) is paired with 王小工's household in 甲班; 炼钢厂's cadre records for it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianxin.assistance.models import Pairing, Visit
from lianxin.core.models import AccessLog, AuditEvent, Notification
from lianxin.core.tokens import api_token_create
from lianxin.members.tests.factories import make_member

from .factories import make_file

pytestmark = pytest.mark.django_db


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


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def pairing_since(aid, days: int, *, file=None, leader=None, per_year: int = 4) -> Pairing:
    file = file or aid.file
    return Pairing.objects.create(
        file=file,
        leader=leader or aid.leader,
        unit=file.unit,
        visits_per_year=per_year,
        started_on=days_ago(days),
        created_by=aid.cadre,
    )


def visit(aid, pairing: Pairing, age: int) -> Visit:
    return Visit.objects.create(
        kind=Visit.Kind.PAIRING,
        file=pairing.file,
        pairing=pairing,
        unit=pairing.unit,
        visited_on=days_ago(age),
        visitor=aid.leader,
        notes="走访",
    )


# --- the list ----------------------------------------------------------------------------------------


def test_the_list_masks_names_and_says_who_is_behind(aid, api):
    pairing = pairing_since(aid, 400)
    visit(aid, pairing, 30)
    body = api(aid.cadre).get("/pairings").json()
    assert body["count"] == 1
    row = body["items"][0]
    assert row["id"] == pairing.pk and row["member_name"] == "王*工"
    assert (row["visits_done"], row["visits_required"], row["is_behind"]) == (1, 4, True)
    assert row["last_visit"] == days_ago(30).isoformat()
    assert row["leader_name"] == "陈厂长" and row["file_number"] == aid.file.number
    assert "王小工" not in str(body)


def test_a_leader_lists_their_own_pairings_without_a_view_of_the_unit(aid, api, company, personas):
    mine = pairing_since(aid, 10)
    other_file = make_file(aid.other_member, aid.cadre)
    pairing_since(aid, 10, file=other_file, leader=aid.chairman)
    assert [row["id"] for row in api(aid.leader).get("/pairings").json()["items"]] == [mine.pk]
    cadre_rows = api(aid.cadre).get("/pairings").json()["items"]
    assert len(cadre_rows) == 2
    assert api(aid.chairman).get("/pairings", {"mine": "true"}).json()["count"] == 1


def test_ended_pairings_are_listed_on_request(aid, api):
    active = pairing_since(aid, 100)
    ended = pairing_since(aid, 300, file=make_file(aid.other_member, aid.cadre))
    Pairing.objects.filter(pk=ended.pk).update(ended_on=days_ago(5), end_reason="调动")
    caller = api(aid.cadre)
    assert [row["id"] for row in caller.get("/pairings").json()["items"]] == [active.pk]
    assert [row["id"] for row in caller.get("/pairings", {"status": "ended"}).json()["items"]] == [ended.pk]
    assert caller.get("/pairings", {"status": "all"}).json()["count"] == 2
    assert caller.get("/pairings", {"status": "soon"}).status_code == 422


def test_the_list_reads_the_same_few_queries_for_one_or_many_pairings(aid, api, company):
    pairing_since(aid, 100)
    caller = api(aid.cadre)

    def queries() -> int:  # reads (the token's last use is written at most once a while)
        with CaptureQueriesContext(connection) as captured:
            assert caller.get("/pairings").status_code == 200
        return sum(query["sql"].lstrip().upper().startswith("SELECT") for query in captured.captured_queries)

    one = queries()
    for index in range(5):
        member = make_member(company.team2, f"困难户{index}")
        pairing = pairing_since(aid, 200, file=make_file(member, aid.cadre))
        visit(aid, pairing, 10)
    assert queries() == one


# --- who is behind -----------------------------------------------------------------------------------


def test_who_is_behind_lists_only_those_short_of_visits_the_most_behind_first(aid, api, company):
    far_behind = pairing_since(aid, 400)
    slightly = pairing_since(aid, 400, file=make_file(aid.other_member, aid.cadre))
    for age in (10, 40, 70):
        visit(aid, slightly, age)
    on_track = pairing_since(aid, 400, file=make_file(make_member(company.team2, "赵大哥"), aid.cadre))
    for age in (10, 40, 70, 100):
        visit(aid, on_track, age)
    body = api(aid.cadre).get("/pairings/behind").json()
    assert [row["id"] for row in body["items"]] == [far_behind.pk, slightly.pk]
    assert body["count"] == 2
    assert all(row["is_behind"] for row in body["items"])
    assert "王小工" not in str(body)


def test_who_is_behind_pages(aid, api):
    pairing_since(aid, 400)
    pairing_since(aid, 400, file=make_file(aid.other_member, aid.cadre))
    body = api(aid.cadre).get("/pairings/behind", {"page_size": 1, "page": 2}).json()
    assert body["count"] == 2 and len(body["items"]) == 1


# --- one pairing -------------------------------------------------------------------------------------


def test_one_pairing_shows_the_household_and_its_visits_and_the_look_is_logged(aid, api):
    pairing = pairing_since(aid, 100)
    visit(aid, pairing, 20)
    response = api(aid.leader).get(f"/pairings/{pairing.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["member_name"] == "王小工"
    assert [row["notes"] for row in body["visits"]] == ["走访"]
    log = AccessLog.objects.get(user=aid.leader)
    assert log.subject == f"assistance.hardshipfile:{aid.file.pk}"
    assert log.detail["pairing"] == pairing.pk and log.detail["channel"] == "api"


def test_a_pairing_out_of_scope_is_404_and_not_logged(aid, api):
    pairing = pairing_since(aid, 100)
    assert api(aid.outsider).get(f"/pairings/{pairing.pk}").status_code == 404
    assert api(aid.cadre).get("/pairings/999999").status_code == 404
    assert not AccessLog.objects.exists()


# --- recording a visit -------------------------------------------------------------------------------


def test_the_leader_records_a_visit_with_what_was_brought(aid, api):
    pairing = pairing_since(aid, 100)
    body = {
        "visited_on": days_ago(1).isoformat(),
        "notes": "见到了王师傅,病情稳定",
        "brought": "米面油一套",
        "needs": "孩子明年上大学",
    }
    response = api(aid.leader).post(f"/pairings/{pairing.pk}/visits", body)
    assert response.status_code == 201, response.json()
    saved = Visit.objects.get(pairing=pairing)
    assert response.json()["id"] == saved.pk
    assert saved.notes == "见到了王师傅,病情稳定\n送去:米面油一套"
    assert (saved.visitor, saved.visited_on, saved.needs) == (aid.leader, days_ago(1), "孩子明年上大学")
    assert AuditEvent.objects.filter(code="assistance.pairing.visited", actor=aid.leader).exists()
    assert Notification.objects.filter(user=aid.cadre, body="孩子明年上大学").exists()
    listed = api(aid.leader).get("/pairings").json()["items"][0]
    assert (listed["visits_done"], listed["last_visit"]) == (1, days_ago(1).isoformat())


def test_a_visit_without_a_date_is_today(aid, api):
    pairing = pairing_since(aid, 100)
    response = api(aid.cadre).post(f"/pairings/{pairing.pk}/visits", {"notes": "电话后入户"})
    assert response.status_code == 201
    assert response.json()["visited_on"] == timezone.localdate().isoformat()
    assert response.json()["visitor_name"] == "赵干部"


@pytest.mark.parametrize(
    "body,path",
    [
        ({"notes": "   "}, "body.notes"),
        ({"notes": ""}, "body.payload.notes"),
        ({"notes": "走访", "visited_on": "2099-01-01"}, "body.visited_on"),
        ({"notes": "走访", "visited_on": "2000-01-01"}, "body.visited_on"),
        ({"notes": "走访", "brought": "米" * 201}, "body.payload.brought"),
        ({"notes": "走" * 1900, "brought": "米" * 150}, "body.notes"),
    ],
)
def test_bad_visits_answer_422_on_the_field(aid, api, body, path):
    pairing = pairing_since(aid, 100)
    response = api(aid.leader).post(f"/pairings/{pairing.pk}/visits", body)
    assert response.status_code == 422
    assert path in [error["path"] for error in response.json()["errors"]]
    assert not Visit.objects.exists()


def test_no_visit_on_an_ended_pairing(aid, api):
    pairing = pairing_since(aid, 100)
    Pairing.objects.filter(pk=pairing.pk).update(ended_on=days_ago(2), end_reason="调动")
    response = api(aid.leader).post(f"/pairings/{pairing.pk}/visits", {"notes": "走访"})
    assert response.status_code == 422
    assert response.json()["code"] == "not_possible"
    assert not Visit.objects.exists()


def test_those_who_only_see_the_pairing_may_not_record_a_visit(aid, api):
    pairing = pairing_since(aid, 100)
    response = api(aid.treasurer).post(f"/pairings/{pairing.pk}/visits", {"notes": "走访"})
    assert response.status_code == 403
    assert api(aid.outsider).post(f"/pairings/{pairing.pk}/visits", {"notes": "走访"}).status_code == 404
    assert not Visit.objects.exists()
