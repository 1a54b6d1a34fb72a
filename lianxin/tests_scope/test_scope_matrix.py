"""Who sees what: every page and API endpoint of the foundation, walked with every persona.

The tree (see lianxin/conftest.py): the cadre holds a role on 炼钢厂, the parent cadre on its
secondary company, the outsider on the sibling 轧钢厂; the worker and the liaison sit in 甲班 under
炼钢厂. Expected answers: 200 to see, 403 when the record is visible but the action is not the
user's, 404 when the record is outside the user's scope (its existence is not revealed).
"""

from __future__ import annotations

import pytest

from lianxin.core.tokens import api_token_create
from lianxin.members.tests.factories import make_member
from lianxin.org.models import PostKind
from lianxin.org.tests.factories import make_liaison, make_post

pytestmark = pytest.mark.django_db

PERSONAS = ["worker", "liaison", "cadre", "parent_cadre", "outsider", "administrator"]


@pytest.fixture
def world(company, personas):
    zhang = make_member(company.team, "张伟")
    post = make_post(company.section, PostKind.STATION, "一炼钢群众工作站", items=["organization"])
    liaison = make_liaison(company.team, personas.liaison.member)
    return {
        "unit": company.unit.pk,
        "team": company.team.pk,
        "member": zhang.pk,
        "own": personas.worker.member.pk,
        "post": post.pk,
        "liaison": liaison.pk,
    }


def row(worker, liaison, cadre, parent_cadre, outsider, administrator):
    return dict(zip(PERSONAS, [worker, liaison, cadre, parent_cadre, outsider, administrator], strict=True))


# (description, method, url template, expected status per persona)
PAGES = [
    ("tree", "get", "/org/", row(200, 200, 200, 200, 200, 200)),
    ("unit page", "get", "/org/units/{unit}/", row(404, 404, 200, 200, 404, 200)),
    ("team page", "get", "/org/units/{team}/", row(404, 200, 200, 200, 404, 200)),
    ("children", "get", "/org/units/{unit}/children/", row(404, 404, 200, 200, 404, 200)),
    ("posts", "get", "/org/units/{unit}/posts/", row(404, 404, 200, 200, 404, 200)),
    ("liaisons", "get", "/org/units/{unit}/liaisons/", row(404, 404, 200, 200, 404, 200)),
    ("new child form", "get", "/org/units/{unit}/new-child/", row(404, 404, 200, 200, 404, 200)),
    ("union body form", "get", "/org/units/{unit}/union-body/", row(404, 404, 200, 200, 404, 200)),
    ("new post form", "get", "/org/units/{unit}/new-post/", row(404, 404, 200, 200, 404, 200)),
    ("move form", "get", "/org/units/{unit}/move/", row(404, 404, 200, 200, 404, 200)),
    (
        "appoint liaison on team",
        "get",
        "/org/units/{team}/appoint-liaison/",
        row(404, 403, 200, 200, 404, 200),
    ),
    ("checklist item form", "get", "/org/posts/{post}/checklist/place/", row(404, 404, 200, 200, 404, 200)),
    ("end liaison form", "get", "/org/liaisons/{liaison}/end/", row(404, 403, 200, 200, 404, 200)),
    ("tree import", "get", "/org/import/", row(403, 403, 200, 200, 200, 200)),
    ("member list", "get", "/members/", row(200, 200, 200, 200, 200, 200)),
    ("member page", "get", "/members/{member}/", row(404, 200, 200, 200, 404, 200)),
    ("own member page", "get", "/members/{own}/", row(200, 200, 200, 200, 404, 200)),
    ("reveal personal data", "post", "/members/{member}/reveal/", row(404, 403, 200, 200, 404, 200)),
    ("edit member form", "get", "/members/{member}/edit/", row(404, 403, 200, 200, 404, 200)),
    ("transfer form", "get", "/members/{member}/transfer/", row(404, 403, 200, 200, 404, 200)),
    ("new member form", "get", "/members/new/", row(403, 403, 200, 200, 200, 200)),
    ("member import", "get", "/members/import/", row(403, 403, 200, 200, 200, 200)),
    ("member export", "get", "/members/export/?unit={unit}", row(404, 404, 200, 200, 404, 200)),
]

API = [
    ("api unit", "/api/v1/org/units/{unit}", row(404, 404, 200, 200, 404, 200)),
    ("api team", "/api/v1/org/units/{team}", row(404, 200, 200, 200, 404, 200)),
    ("api coverage", "/api/v1/org/units/{unit}/coverage", row(404, 404, 200, 200, 404, 200)),
    ("api children", "/api/v1/org/units?parent={unit}", row(404, 404, 200, 200, 404, 200)),
    ("api member", "/api/v1/members/{member}", row(404, 200, 200, 200, 404, 200)),
    ("api own member", "/api/v1/members/{own}", row(200, 200, 200, 200, 404, 200)),
    ("api members of unit", "/api/v1/members?unit={unit}", row(404, 404, 200, 200, 404, 200)),
]


@pytest.mark.parametrize("name,method,template,expected", PAGES, ids=[p[0] for p in PAGES])
def test_pages_answer_each_persona_as_its_scope_allows(
    client, personas, world, name, method, template, expected
):
    url = template.format(**world)
    answers = {}
    for persona in PERSONAS:
        client.force_login(getattr(personas, persona))
        response = getattr(client, method)(url)
        answers[persona] = response.status_code
    assert answers == expected


@pytest.mark.parametrize("name,template,expected", API, ids=[a[0] for a in API])
def test_api_answers_each_persona_as_its_scope_allows(client, personas, world, name, template, expected):
    url = template.format(**world)
    answers = {}
    for persona in PERSONAS:
        token = api_token_create(user=getattr(personas, persona))
        answers[persona] = client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code
    assert answers == expected


def test_lists_hold_only_what_is_in_scope(client, personas, world, company):
    make_member(company.sibling_team, "陈静")
    seen = {}
    for persona in PERSONAS:
        token = api_token_create(user=getattr(personas, persona))
        headers = {"Authorization": f"Bearer {token}"}
        members = client.get("/api/v1/members?page_size=200", headers=headers).json()["items"]
        units = client.get("/api/v1/org/units?page_size=200", headers=headers).json()["items"]
        seen[persona] = ({m["name"] for m in members}, {u["name"] for u in units})
    assert seen["worker"] == ({"王小工"}, set())
    assert "陈静" not in seen["cadre"][0] and "张伟" in seen["cadre"][0]
    assert "轧钢厂" not in seen["cadre"][1] and "炼钢厂" in seen["cadre"][1]
    assert "张伟" not in seen["outsider"][0] and "陈静" in seen["outsider"][0]
    assert {"张伟", "陈静"} <= seen["parent_cadre"][0]
    assert seen["liaison"][1] == {"甲班"}
    assert "燕山钢铁集团" in seen["administrator"][1]


def test_page_lists_hold_only_what_is_in_scope(client, personas, world, company):
    make_member(company.sibling_team, "陈静")
    client.force_login(personas.cadre)
    page = client.get("/members/").content.decode()
    assert "张伟" in page and "陈静" not in page
    client.force_login(personas.worker)
    page = client.get("/members/").content.decode()
    assert "张伟" not in page


def test_api_does_not_reveal_a_parent_outside_scope(client, personas, world, company):
    token = api_token_create(user=personas.cadre)
    headers = {"Authorization": f"Bearer {token}"}
    top = client.get(f"/api/v1/org/units/{company.unit.pk}", headers=headers).json()
    child = client.get(f"/api/v1/org/units/{company.section.pk}", headers=headers).json()
    assert top["parent_id"] is None  # 股份公司 is above the cadre's scope
    assert child["parent_id"] == company.unit.pk
    listed = client.get(f"/api/v1/org/units?parent={company.unit.pk}", headers=headers).json()["items"]
    assert [u["parent_id"] for u in listed] == [company.unit.pk]
