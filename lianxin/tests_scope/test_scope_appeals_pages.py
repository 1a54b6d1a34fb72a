"""Who may open the office pages of appeals: every persona, and a leader, a supervisor and an operator.

The appeal arose in 甲班 (under 炼钢厂) and is handled by 炼钢厂's cadres. Expected answers: 200 to
see, 302 where the page sends the user on (a step done, or a recorder sent to the recording form),
403 when the page or the step is not the user's, 404 when the appeal is outside the user's scope
(its existence is not revealed), for GET and POST alike.
"""

from __future__ import annotations

import pytest

from lianxin.appeals.models import Appeal, Channel, State
from lianxin.appeals.tests.factories import make_appeal
from lianxin.core.tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

PERSONAS = ["worker", "liaison", "cadre", "parent_cadre", "outsider", "administrator", "leader", "supervisor"]
TEXT = "我们班组这个月的夜班费没有按新标准发放,工资条上看不到明细,请工会帮忙问问。"


@pytest.fixture
def people(company, personas):
    leader = UserFactory(username="leader", full_name="郑领导")
    grant(leader, company.unit, "leader")
    supervisor = UserFactory(username="supervisor", full_name="吴督查")
    grant(supervisor, company.secondary, "supervisor")
    return {**dict(personas.items()), "leader": leader, "supervisor": supervisor}


def row(worker, liaison, cadre, parent_cadre, outsider, administrator, leader, supervisor):
    values = [worker, liaison, cadre, parent_cadre, outsider, administrator, leader, supervisor]
    return dict(zip(PERSONAS, values, strict=True))


PAGES = [
    ("worklist", "/appeals/", row(403, 302, 200, 200, 200, 200, 302, 302)),
    ("worklist tab", "/appeals/?tab=overdue", row(403, 302, 200, 200, 200, 200, 302, 302)),
    ("list", "/appeals/all/", row(403, 403, 200, 200, 200, 200, 200, 200)),
    ("search", "/appeals/all/?q=夜班费", row(403, 403, 200, 200, 200, 200, 200, 200)),
    ("record", "/appeals/record/", row(403, 200, 200, 200, 200, 200, 403, 403)),
    ("detail", "/appeals/{appeal}/", row(404, 404, 200, 200, 404, 200, 200, 200)),
    ("step by GET", "/appeals/{appeal}/do/accept/", row(404, 404, 302, 302, 404, 302, 302, 302)),
]


@pytest.mark.parametrize("name,template,expected", PAGES, ids=[p[0] for p in PAGES])
def test_office_pages_answer_each_persona_as_its_scope_allows(
    client, company, people, name, template, expected
):
    appeal = make_appeal(unit=company.team, by=people["worker"], text=TEXT)
    url = template.format(appeal=appeal.pk)
    answers = {}
    for persona in PERSONAS:
        client.force_login(people[persona])
        answers[persona] = client.get(url).status_code
    assert answers == expected


STEPS = [
    # step, extra data, expected per persona (302: done)
    ("accept", {}, row(404, 404, 302, 302, 404, 302, 403, 403)),
    ("reject", {"note": "不属于工会受理范围"}, row(404, 404, 302, 302, 404, 302, 403, 403)),
    ("remind", {"note": "请尽快受理"}, row(404, 404, 403, 403, 404, 302, 403, 302)),
    ("supervise", {"note": "本周内答复"}, row(404, 404, 403, 403, 404, 302, 403, 302)),
]


@pytest.mark.parametrize("step,data,expected", STEPS, ids=[s[0] for s in STEPS])
def test_steps_answer_each_persona_as_its_scope_and_role_allow(client, company, people, step, data, expected):
    answers = {}
    for persona in PERSONAS:
        appeal = make_appeal(unit=company.team, by=people["liaison"], text=TEXT, channel=Channel.LIAISON)
        client.force_login(people[persona])
        response = client.post(
            f"/appeals/{appeal.pk}/do/{step}/", {"expected_version": appeal.version, **data}
        )
        answers[persona] = response.status_code
        changed = Appeal.objects.get(pk=appeal.pk).version != appeal.version
        assert changed == (response.status_code == 302), persona
    assert answers == expected


def test_an_appeal_of_the_sibling_unit_is_404_for_the_cadre_and_200_for_its_own(client, company, people):
    appeal = make_appeal(unit=company.sibling_team, by=people["outsider"], text=TEXT, channel=Channel.HOTLINE)

    client.force_login(people["cadre"])
    assert client.get(f"/appeals/{appeal.pk}/").status_code == 404
    assert client.post(f"/appeals/{appeal.pk}/do/accept/", {"expected_version": 1}).status_code == 404
    client.force_login(people["outsider"])
    assert client.get(f"/appeals/{appeal.pk}/").status_code == 200
    assert client.post(f"/appeals/{appeal.pk}/do/accept/", {"expected_version": 1}).status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).state == State.ACCEPTED


def test_no_handler_ever_sees_who_raised_an_anonymous_appeal(client, company, people):
    appeal = make_appeal(unit=company.team, by=people["worker"], text=TEXT, anonymous=True)
    worker = people["worker"]
    for persona in ("cadre", "parent_cadre", "administrator", "leader", "supervisor"):
        client.force_login(people[persona])
        for url in (f"/appeals/{appeal.pk}/", "/appeals/all/", "/appeals/?tab=new"):
            content = client.get(url, follow=True).content.decode()
            assert worker.full_name not in content, (persona, url)
            assert worker.member.member_no not in content, (persona, url)


def test_lists_hold_only_appeals_in_scope(client, company, people):
    ours = make_appeal(unit=company.team, by=people["worker"], text=TEXT)
    theirs = make_appeal(unit=company.sibling_team, by=people["outsider"], text=TEXT, channel=Channel.HOTLINE)
    seen = {}
    for persona in ("cadre", "parent_cadre", "outsider", "leader"):
        client.force_login(people[persona])
        content = client.get("/appeals/all/").content.decode()
        seen[persona] = {number for number in (ours.number, theirs.number) if number in content}
    assert seen == {
        "cadre": {ours.number},
        "parent_cadre": {ours.number, theirs.number},
        "outsider": {theirs.number},
        "leader": {ours.number},
    }
