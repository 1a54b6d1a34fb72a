"""POST /api/v1/appeals with an Idempotency-Key: a retry answers the first appeal, never a second one.

The concurrent tests run only on PostgreSQL (SQLite serializes writers, so nothing would race):
with DATABASE_URL set to PostgreSQL they run, and an unreachable server fails them loudly.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from django.db import connection, connections
from django.test import Client

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, State
from lianxin.appeals.tests.factories import make_appeal
from lianxin.core.models import IdempotencyRecord
from lianxin.core.tokens import api_token_create

TEXT = "三号转炉旁的休息室空调坏了两个星期,高温作业下来没地方降温,希望尽快维修。"

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="DATABASE_URL is not PostgreSQL: SQLite serializes writers, nothing races"
)


def post(client, user, body, key=None):
    headers = {"Authorization": f"Bearer {api_token_create(user=user)}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/appeals", body, content_type="application/json", headers=headers)


@pytest.fixture
def body(company):
    return {"origin_unit": company.team.pk, "text": TEXT}


@pytest.mark.django_db
class TestRetries:
    def test_a_retry_with_the_same_key_answers_the_first_appeal_again(self, client, personas, body):
        first = post(client, personas.worker, body, key="retry-1")
        second = post(client, personas.worker, {"text": TEXT, **body}, key="retry-1")

        assert first.status_code == second.status_code == 201
        assert second.json()["id"] == first.json()["id"]
        assert (first.json()["replayed"], second.json()["replayed"]) == (False, True)
        assert Appeal.objects.count() == 1

    def test_the_same_key_with_another_body_answers_422_and_makes_nothing(self, client, personas, body):
        post(client, personas.worker, body, key="retry-1")

        response = post(client, personas.worker, {**body, "text": TEXT + "还有淋浴间"}, key="retry-1")

        assert response.status_code == 422
        assert response.json()["code"] == "idempotency_key_reused"
        assert response.json()["errors"][0]["path"] == "header.Idempotency-Key"
        assert "内容不同" in response.json()["message"]
        assert Appeal.objects.count() == 1

    def test_without_a_key_every_post_is_a_new_appeal(self, client, personas, body):
        post(client, personas.worker, body)
        post(client, personas.worker, body)

        assert Appeal.objects.count() == 2

    def test_keys_belong_to_their_user(self, client, personas, body):
        mine = post(client, personas.worker, body, key="k")
        theirs = post(client, personas.liaison, body, key="k")

        assert theirs.status_code == 201 and theirs.json()["replayed"] is False
        assert mine.json()["id"] != theirs.json()["id"]

    def test_a_refused_request_keeps_no_key_so_the_corrected_one_goes_through(self, client, personas, body):
        refused = post(client, personas.worker, {**body, "text": "太短"}, key="k")
        corrected = post(client, personas.worker, body, key="k")

        assert refused.status_code == 422
        assert corrected.status_code == 201 and corrected.json()["replayed"] is False
        assert IdempotencyRecord.objects.filter(key="k").count() == 1

    def test_a_key_longer_than_100_characters_is_a_field_error(self, client, personas, body):
        response = post(client, personas.worker, body, key="k" * 101)

        assert response.status_code == 422
        assert response.json()["errors"][0]["path"] == "header.Idempotency-Key"

    def test_a_retried_anonymous_appeal_brings_its_follow_up_code_back(self, client, personas, body):
        first = post(client, personas.worker, {**body, "anonymous": True}, key="anon").json()
        again = post(client, personas.worker, {**body, "anonymous": True}, key="anon").json()

        assert again["id"] == first["id"] and again["replayed"] is True
        assert again["track_code"] == first["track_code"]
        assert client.get(f"/api/v1/appeals/track/{again['track_code']}").status_code == 200

    def test_the_key_record_of_an_anonymous_appeal_does_not_name_it(self, client, personas, body):
        appeal_id = post(client, personas.worker, {**body, "anonymous": True}, key="anon").json()["id"]
        named_id = post(client, personas.worker, body, key="named").json()["id"]

        anonymous_record = IdempotencyRecord.objects.get(key="anon")
        named_record = IdempotencyRecord.objects.get(key="named")
        assert anonymous_record.target.startswith("appeals.appeal:~")
        assert not IdempotencyRecord.objects.filter(target__endswith=f":{appeal_id}").exists()
        assert named_record.target == f"appeals.appeal:{named_id}"

    def test_a_retry_repeats_the_similar_appeals_the_caller_may_see(self, client, personas, company, body):
        earlier = make_appeal(unit=company.team, by=personas.cadre, text=TEXT)

        first = post(client, personas.cadre, {**body, "channel": "hotline"}, key="k").json()
        again = post(client, personas.cadre, {**body, "channel": "hotline"}, key="k").json()

        assert [item["id"] for item in first["similar"]] == [earlier.pk]
        assert again["similar"] == first["similar"]


# --- at the same moment, on PostgreSQL ------------------------------------------------------------


def _together(count, work):
    """Run `work(i)` in `count` threads released at once; each closes its own connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - handed back to the test to assert on
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_with_one_key_make_one_appeal_on_postgres(personas, company, monkeypatch):
    assert connection.vendor == "postgresql"
    submit = services.appeal_submit

    def slow_submit(**kwargs):  # the other retries arrive while the first is still writing
        time.sleep(0.3)
        return submit(**kwargs)

    monkeypatch.setattr(services, "appeal_submit", slow_submit)
    token = api_token_create(user=personas.worker)
    body = {"origin_unit": company.team.pk, "text": TEXT}

    def retry(_i):
        return Client().post(
            "/api/v1/appeals",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same-moment"},
        )

    responses = _together(6, retry)

    assert all(not isinstance(r, Exception) for r in responses), responses
    assert [r.status_code for r in responses] == [201] * 6
    assert len({r.json()["id"] for r in responses}) == 1
    assert sorted(r.json()["replayed"] for r in responses) == [False] + [True] * 5
    assert Appeal.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_handlers_accepting_at_once_one_wins_and_the_other_is_told_on_postgres(personas, company):
    assert connection.vendor == "postgresql"
    appeal = make_appeal(unit=company.team, by=personas.worker)
    tokens = [api_token_create(user=personas.cadre), api_token_create(user=personas.parent_cadre)]

    def accept(i):
        return Client().post(
            f"/api/v1/appeals/{appeal.pk}/actions/accept",
            {"note": f"handler {i}"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens[i]}"},
        )

    responses = _together(2, accept)

    assert sorted(r.status_code for r in responses) == [200, 409], responses
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["code"] == "conflict"
    assert loser["message"] == f"诉求 {appeal.number} 现在是「已受理」,不能受理。"
    appeal.refresh_from_db()
    assert appeal.state == State.ACCEPTED
    assert appeal.events.filter(action="accepted").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_handlers_with_the_same_version_one_wins_on_postgres(personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker)
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    appeal.refresh_from_db()
    tokens = [api_token_create(user=personas.cadre), api_token_create(user=personas.parent_cadre)]
    steps = [("start", {}), ("reject", {"note": "不属于工会职责范围"})]

    def act(i):
        action, body = steps[i]
        return Client().post(
            f"/api/v1/appeals/{appeal.pk}/actions/{action}",
            {**body, "expected_version": appeal.version},
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens[i]}"},
        )

    responses = _together(2, act)

    assert sorted(r.status_code for r in responses) == [200, 409], responses
    assert "已被他人更新" in next(r for r in responses if r.status_code == 409).json()["message"]
    appeal.refresh_from_db()
    assert appeal.version == 3 and appeal.state in (State.IN_PROGRESS, State.REJECTED)
