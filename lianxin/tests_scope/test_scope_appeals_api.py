"""Who sees what in the appeals API: every endpoint walked with every persona, and an anonymous
appeal's submitter named in no answer to anyone.

The tree (lianxin/conftest.py): the worker and the liaison sit in 甲班 under 炼钢厂, where the cadre
holds the cadre role; the parent cadre holds it on 股份公司 above; the outsider on the sibling 轧钢厂;
the administrator on the group. Appeals are in scope where their origin unit lies in a subtree
where the caller holds appeals.view: 200 to see, 403 for a step on a visible appeal that is not the
caller's, 404 outside scope.
"""

from __future__ import annotations

import pytest

from lianxin.appeals.tests.factories import make_appeal
from lianxin.core import crypto
from lianxin.core.tokens import api_token_create

pytestmark = pytest.mark.django_db

PERSONAS = ["worker", "liaison", "cadre", "parent_cadre", "outsider", "administrator"]
TEXT = "炼钢车间三号转炉旁的休息室空调坏了两个星期,夏天高温作业下来没地方降温,希望尽快维修。"


def row(worker, liaison, cadre, parent_cadre, outsider, administrator):
    return dict(zip(PERSONAS, [worker, liaison, cadre, parent_cadre, outsider, administrator], strict=True))


@pytest.fixture
def world(company, personas):
    named = make_appeal(unit=company.team, by=personas.worker)
    anonymous = make_appeal(unit=company.team, by=personas.worker, anonymous=True, text=TEXT)
    return {
        "unit": company.unit.pk,
        "team": company.team.pk,
        "sibling": company.sibling.pk,
        "named": named.pk,
        "anonymous": anonymous.pk,
        "code": anonymous.track_code,
    }


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {api_token_create(user=user)}"}


READS = [
    ("list", "/api/v1/appeals", row(200, 200, 200, 200, 200, 200)),
    ("list of a unit", "/api/v1/appeals?unit={unit}", row(404, 404, 200, 200, 404, 200)),
    ("worklist tab", "/api/v1/appeals?bucket=new", row(200, 200, 200, 200, 200, 200)),
    ("detail", "/api/v1/appeals/{named}", row(404, 404, 200, 200, 404, 200)),
    ("anonymous detail", "/api/v1/appeals/{anonymous}", row(404, 404, 200, 200, 404, 200)),
    ("timeline", "/api/v1/appeals/{named}/events", row(404, 404, 200, 200, 404, 200)),
    ("stats of the top unit", "/api/v1/appeals/stats", row(404, 404, 200, 200, 200, 200)),
    ("stats of a unit", "/api/v1/appeals/stats?unit={unit}", row(404, 404, 200, 200, 404, 200)),
    ("stats of the sibling", "/api/v1/appeals/stats?unit={sibling}", row(404, 404, 404, 200, 200, 200)),
    ("follow-up by code", "/api/v1/appeals/track/{code}", row(200, 200, 200, 200, 200, 200)),
]


@pytest.mark.parametrize("name,template,expected", READS, ids=[r[0] for r in READS])
def test_reads_answer_each_persona_as_its_scope_allows(client, personas, world, name, template, expected):
    url = template.format(**world)
    answers = {
        persona: client.get(url, headers=bearer(getattr(personas, persona))).status_code
        for persona in PERSONAS
    }
    assert answers == expected


def test_the_lists_hold_only_what_each_persona_may_see(client, personas, world, company):
    sibling = make_appeal(unit=company.sibling_team, by=personas.outsider, channel="hotline")
    seen = {}
    for persona in PERSONAS:
        items = client.get("/api/v1/appeals", headers=bearer(getattr(personas, persona))).json()["items"]
        seen[persona] = {item["id"] for item in items}
    ours = {world["named"], world["anonymous"]}
    assert seen == row(set(), set(), ours, ours | {sibling.pk}, {sibling.pk}, ours | {sibling.pk})


@pytest.mark.parametrize(
    "action,body,expected",
    [
        ("accept", {}, row(404, 404, 200, 200, 404, 200)),
        ("reject", {"note": "不属于工会职责范围"}, row(404, 404, 200, 200, 404, 200)),
        ("confirm_flags", {"flags": []}, row(404, 404, 200, 200, 404, 200)),
        ("remind", {"note": "请抓紧"}, row(404, 404, 403, 403, 404, 200)),
    ],
)
def test_steps_answer_each_persona_as_its_scope_allows(client, personas, company, action, body, expected):
    answers = {}
    for persona in PERSONAS:  # each persona acts on an appeal of its own, fresh
        appeal = make_appeal(unit=company.team, by=personas.worker)
        response = client.post(
            f"/api/v1/appeals/{appeal.pk}/actions/{action}",
            body,
            content_type="application/json",
            headers=bearer(getattr(personas, persona)),
        )
        answers[persona] = response.status_code
    assert answers == expected


@pytest.mark.parametrize(
    "channel,expected",
    [
        (
            "web",
            row(201, 201, 201, 201, 422, 201),
        ),  # the outsider has no member record there, nor record rights
        ("hotline", row(403, 201, 201, 201, 403, 201)),
    ],
)
def test_intake_answers_each_persona_as_its_scope_allows(client, personas, company, channel, expected):
    answers = {}
    for persona in PERSONAS:
        response = client.post(
            "/api/v1/appeals",
            {"origin_unit": company.team.pk, "text": TEXT, "channel": channel},
            content_type="application/json",
            headers=bearer(getattr(personas, persona)),
        )
        answers[persona] = response.status_code
    assert answers == expected


def test_following_by_code_needs_no_login(client, world):
    assert client.get(f"/api/v1/appeals/track/{world['code']}").status_code == 200
    assert client.get("/api/v1/appeals").status_code == 401


# --- an anonymous submitter stays anonymous -------------------------------------------------------


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [str(value)] if value is not None else []


def test_no_answer_to_any_handler_names_the_anonymous_submitter(client, personas, world):
    worker = personas.worker
    member = worker.member
    secrets = {worker.full_name, worker.username, crypto.decrypt(member.phone_cipher), member.member_no}
    assert all(secrets)
    anonymous, code = world["anonymous"], world["code"]

    def named_in(body) -> list[str]:
        return [text for text in _strings(body) if any(secret in text for secret in secrets)]

    accepted = client.post(
        f"/api/v1/appeals/{anonymous}/actions/accept",
        {"note": "受理"},
        content_type="application/json",
        headers=bearer(personas.cadre),
    )
    assert accepted.status_code == 200 and named_in(accepted.json()) == []
    withdrawn = client.post(
        f"/api/v1/appeals/track/{code}/withdraw", {"reason": "先撤回"}, content_type="application/json"
    )
    assert withdrawn.status_code == 200 and named_in(withdrawn.json()) == []
    urls = [
        "/api/v1/appeals",
        f"/api/v1/appeals?q={TEXT[:6]}",
        f"/api/v1/appeals/{anonymous}",
        f"/api/v1/appeals/{anonymous}/events",
        "/api/v1/appeals/stats",
        f"/api/v1/appeals/track/{code}",
    ]
    read = set()
    for persona in ["liaison", "cadre", "parent_cadre", "outsider", "administrator"]:
        headers = bearer(getattr(personas, persona))
        for url in urls:
            response = client.get(url, headers=headers)
            if response.status_code != 200:
                continue
            body = response.json()
            if "items" in body:  # the worker's named appeal is listed too: look at the anonymous one
                body = [item for item in body["items"] if item["id"] == anonymous]
            if body:
                read.add((persona, url))
            assert named_in(body) == [], (persona, url)
    # the handlers did read the anonymous appeal everywhere: the check above ran on real answers
    assert {url for persona, url in read if persona == "cadre"} == set(urls)
    assert {persona for persona, _url in read} == set(PERSONAS) - {"worker"}


def test_a_handler_sees_the_named_submitter_but_not_the_anonymous_one(client, personas, world):
    items = {
        item["id"]: item
        for item in client.get("/api/v1/appeals", headers=bearer(personas.cadre)).json()["items"]
    }

    assert items[world["named"]]["submitter"] == "王小工"
    assert items[world["named"]]["member_id"] == personas.worker.member.pk
    assert items[world["anonymous"]]["submitter"] == "匿名"
    assert items[world["anonymous"]]["member_id"] is None
