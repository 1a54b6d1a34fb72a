"""Who sees what on the committee pages of the appeals app, walked with every persona and a
department handler.

The tree (see lianxin/conftest.py): the cadre holds a role on 炼钢厂, the parent cadre on its
secondary company, the outsider on the sibling 轧钢厂; the worker and the liaison sit in 甲班 under
炼钢厂. The handler handles 炼钢厂's HR department and holds no appeals capability. Expected
answers: 200 to see, 403 when the page or action is not the user's role, 404 when the record is
outside the user's scope (its existence is not revealed).
"""

from __future__ import annotations

import datetime as dt

import pytest

from lianxin.appeals import services
from lianxin.appeals.models import Kind, State
from lianxin.appeals.tests.factories import drive, make_appeal, make_department
from lianxin.core.tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

PERSONAS = ["worker", "liaison", "cadre", "parent_cadre", "outsider", "administrator", "handler"]
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def people(personas, company):
    handler = UserFactory(username="handler", full_name="吴经办")
    grant(handler, company.unit, "handler")
    return {**dict(personas.items()), "handler": handler}


@pytest.fixture
def world(company, personas, people):
    hr = make_department(company.unit, handlers=[people["handler"]])
    anonymous = make_appeal(
        unit=company.team,
        by=personas.worker,
        anonymous=True,
        text="我们班组这个月的夜班费没有按新标准发放,工资条上看不到明细,请工会帮忙问问。",
    )
    services.appeal_accept(appeal=anonymous, accepted_by=personas.cadre)
    services.appeal_send_to_deliberation(appeal=anonymous, sent_by=personas.cadre)
    referral = services.appeal_refer(
        appeal=anonymous, referred_by=personas.cadre, department=hr, note="请核实"
    )
    meeting = services.meeting_create(
        unit=company.unit,
        created_by=personas.cadre,
        held_at=dt.datetime(2026, 3, 10, 14, 30, tzinfo=CST),
        attendees="赵干部、钱主任",
    )
    consultation = make_appeal(
        unit=company.team,
        by=personas.worker,
        kind=Kind.CONSULTATION,
        publish_consent=True,
        text="请问职工子女入学补贴怎么申请?需要什么材料?",
    )
    drive(consultation, State.ANSWERED, handler=personas.cadre)
    return {
        "unit": company.unit.pk,
        "referral": referral.pk,
        "meeting": meeting.pk,
        "appeal": anonymous.pk,
        "consultation": consultation.pk,
        "month": dt.date.today().strftime("%Y-%m"),
    }


def row(worker, liaison, cadre, parent_cadre, outsider, administrator, handler):
    return dict(
        zip(PERSONAS, [worker, liaison, cadre, parent_cadre, outsider, administrator, handler], strict=True)
    )


# (description, method, url template, expected status per persona)
PAGES = [
    ("referral list", "get", "/appeals/referrals/", row(200, 200, 200, 200, 200, 200, 200)),
    ("referral", "get", "/appeals/referrals/{referral}/", row(404, 404, 404, 404, 404, 404, 200)),
    ("referral answer", "post", "/appeals/referrals/{referral}/", row(404, 404, 404, 404, 404, 404, 422)),
    ("appeal office page", "get", "/appeals/{appeal}/", row(404, 404, 200, 200, 404, 200, 404)),
    ("meetings", "get", "/appeals/meetings/", row(403, 403, 200, 200, 200, 200, 403)),
    ("new meeting", "get", "/appeals/meetings/new/", row(403, 403, 200, 200, 200, 200, 403)),
    ("meeting", "get", "/appeals/meetings/{meeting}/", row(404, 404, 200, 200, 404, 200, 404)),
    ("supervision", "get", "/appeals/supervision/", row(403, 403, 403, 403, 403, 200, 403)),
    ("remind", "post", "/appeals/supervision/{appeal}/remind/", row(404, 404, 403, 403, 404, 302, 404)),
    ("stats", "get", "/appeals/stats/", row(403, 403, 200, 200, 200, 200, 403)),
    ("stats of a unit", "get", "/appeals/stats/?unit={unit}", row(404, 404, 200, 200, 404, 200, 404)),
    ("ledger form", "get", "/appeals/ledger/", row(403, 403, 200, 200, 200, 200, 403)),
    (
        "ledger of a unit",
        "get",
        "/appeals/ledger/?unit={unit}&month={month}",
        row(404, 404, 200, 200, 404, 200, 404),
    ),
    ("publish", "get", "/appeals/{consultation}/publish/", row(404, 404, 200, 200, 404, 200, 404)),
]


@pytest.mark.parametrize("name,method,template,expected", PAGES, ids=[p[0] for p in PAGES])
def test_committee_pages_answer_each_persona_as_its_scope_allows(
    client, people, world, name, method, template, expected
):
    url = template.format(**world)
    answers = {}
    for persona in PERSONAS:
        client.force_login(people[persona])
        answers[persona] = getattr(client, method)(url).status_code
    assert answers == expected


def test_no_committee_page_shows_who_raised_an_anonymous_appeal(client, people, world):
    pages = [
        "/appeals/referrals/",
        "/appeals/referrals/{referral}/",
        "/appeals/supervision/",
        "/appeals/meetings/new/",
    ]
    for persona in ("cadre", "parent_cadre", "administrator", "handler"):
        client.force_login(people[persona])
        for template in pages:
            content = client.get(template.format(**world)).content.decode()
            assert "王小工" not in content, (persona, template)


def test_lists_hold_only_what_is_in_scope(client, company, people, world):
    sibling_hr = make_department(company.sibling, name="轧钢厂人力资源部", handlers=[people["outsider"]])
    sibling = make_appeal(
        unit=company.sibling_team, by=people["outsider"], text="热轧车间澡堂热水不够,下班排长队。"
    )
    drive(sibling, State.ACCEPTED, handler=people["outsider"])
    services.appeal_refer(appeal=sibling, referred_by=people["outsider"], department=sibling_hr)
    services.appeal_send_to_deliberation(appeal=sibling, sent_by=people["outsider"])

    client.force_login(people["handler"])
    assert [r.pk for r in client.get("/appeals/referrals/").context["page"].object_list] == [
        world["referral"]
    ]
    client.force_login(people["outsider"])
    assert [r.appeal_id for r in client.get("/appeals/referrals/").context["page"].object_list] == [
        sibling.pk
    ]
    assert [a.pk for a in client.get("/appeals/meetings/new/").context["candidates"]] == [sibling.pk]
    assert list(client.get("/appeals/meetings/").context["page"].object_list) == []
    client.force_login(people["cadre"])
    assert sibling.pk not in [a.pk for a in client.get("/appeals/meetings/new/").context["candidates"]]
