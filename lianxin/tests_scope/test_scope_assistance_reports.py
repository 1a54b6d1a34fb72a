"""Who sees what on the assistance desk, the statistics, the disclosure list and the stats API,
walked with every persona, the treasurer and a paired leader.

The tree (see lianxin/conftest.py): the cadre holds a role on 炼钢厂, the parent cadre on its
secondary company, the outsider on the sibling 轧钢厂; the worker and the liaison sit in 甲班 under
炼钢厂. The treasurer (财务出纳 on 炼钢厂) sees aid but may not export; the leader (党政领导 on 炼钢厂)
holds no assistance capability and is paired with a household. Expected answers: 200 to see, 403
when the page is not the user's role, 404 when the unit or programme named is outside the user's
scope (its existence is not revealed), 302 for the paired leader sent to his pairings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lianxin.assistance.models import Application, Pairing, ProgrammeKind
from lianxin.assistance.services.base import next_number
from lianxin.assistance.tests.factories import make_file, make_fund, make_programme
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.members.models import Member
from lianxin.members.tests.factories import make_member

pytestmark = pytest.mark.django_db

PERSONAS = ["worker", "liaison", "cadre", "parent_cadre", "outsider", "administrator", "treasurer", "leader"]
PAID_ON = dt.date(2026, 3, 5)


def row(worker, liaison, cadre, parent_cadre, outsider, administrator, treasurer, leader):
    values = [worker, liaison, cadre, parent_cadre, outsider, administrator, treasurer, leader]
    return dict(zip(PERSONAS, values, strict=True))


def _paid(programme, member, amount: str, recorder, approver, file=None) -> Application:
    return Application.objects.create(
        number=next_number("BF", 2026),
        programme=programme,
        unit=member.unit,
        member=member,
        file=file,
        household_key=f"f{file.pk}" if file else f"m{member.pk}",
        period_key="2026",
        amount=Decimal(amount),
        reason="春节前走访慰问",
        status="paid",
        approval_unit=programme.unit,
        recorded_by=recorder,
        approved_by=approver,
        paid_on=PAID_ON,
    )


@pytest.fixture
def people(personas, company):
    treasurer = UserFactory(username="treasurer", full_name="冯出纳")
    grant(treasurer, company.unit, "treasurer")
    leader = UserFactory(username="leader", full_name="陈厂长")
    grant(leader, company.unit, "leader")
    chairman = UserFactory(username="chairman", full_name="吴主席")
    grant(chairman, company.unit, "chairman")
    return {**dict(personas.items()), "treasurer": treasurer, "leader": leader, "chairman": chairman}


@pytest.fixture
def world(company, personas, people):
    fund = make_fund(company.unit, people["chairman"])
    festival = make_programme(company.unit, fund, kind=ProgrammeKind.FESTIVAL_VISIT)
    member = Member.objects.get(user=personas.worker)
    file = make_file(member, personas.cadre)
    _paid(festival, member, "1000.00", personas.cadre, people["chairman"], file=file)
    Pairing.objects.create(
        file=file, leader=people["leader"], unit=file.unit, visits_per_year=4, created_by=personas.cadre
    )
    sibling_fund = make_fund(company.sibling, people["chairman"], name="轧钢厂帮扶救助基金")
    sibling_festival = make_programme(company.sibling, sibling_fund, kind=ProgrammeKind.FESTIVAL_VISIT)
    _paid(
        sibling_festival,
        make_member(company.sibling_team, "何师傅"),
        "800.00",
        personas.outsider,
        people["chairman"],
    )
    return {"unit": company.unit.pk, "programme": festival.pk}


PERIOD = "period=custom&date_from=2026-01-01&date_to=2026-12-31"
PAGES = [
    ("desk", "/assistance/", row(403, 403, 200, 200, 200, 200, 200, 302)),
    ("statistics", "/assistance/reports/", row(403, 403, 200, 200, 200, 200, 200, 403)),
    ("statistics of a unit", "/assistance/reports/?unit={unit}", row(404, 404, 200, 200, 404, 200, 200, 404)),
    ("disclosure", "/assistance/disclosure/", row(403, 403, 200, 200, 200, 200, 200, 403)),
    (
        "disclosure of a unit",
        "/assistance/disclosure/?unit={unit}",
        row(404, 404, 200, 200, 404, 200, 200, 404),
    ),
    (
        "disclosure download",
        "/assistance/disclosure/?unit={unit}&" + PERIOD + "&download=xlsx",
        row(404, 404, 200, 200, 404, 200, 403, 404),
    ),
    ("stats API", "/api/v1/assistance/stats", row(403, 403, 200, 200, 200, 200, 200, 403)),
    (
        "stats API of a unit",
        "/api/v1/assistance/stats?unit={unit}",
        row(404, 404, 200, 200, 404, 200, 200, 404),
    ),
    (
        "stats API of a programme",
        "/api/v1/assistance/stats?programme={programme}",
        row(404, 404, 200, 200, 404, 200, 200, 404),
    ),
]


@pytest.mark.parametrize("name,template,expected", PAGES, ids=[p[0] for p in PAGES])
def test_report_pages_answer_each_persona_as_its_scope_allows(
    client, people, world, name, template, expected
):
    url = template.format(**world)
    answers = {}
    for persona in PERSONAS:
        client.force_login(people[persona])
        answers[persona] = client.get(url).status_code
    assert answers == expected


def test_each_sees_the_aid_of_its_own_scope_only(client, people, world):
    amounts = {}
    for persona in ("cadre", "parent_cadre", "outsider", "administrator"):
        client.force_login(people[persona])
        body = client.get("/api/v1/assistance/stats?from=2026-01-01&to=2026-12-31").json()
        amounts[persona] = Decimal(body["amount"])
    assert amounts == {
        "cadre": Decimal("1000.00"),
        "parent_cadre": Decimal("1800.00"),
        "outsider": Decimal("800.00"),
        "administrator": Decimal("1800.00"),
    }


def test_no_report_page_shows_a_full_name_or_an_id_number(client, people, world):
    member = Member.objects.get(user=people["worker"])
    pages = [
        "/assistance/?" + PERIOD,
        "/assistance/reports/?" + PERIOD,
        "/assistance/disclosure/?" + PERIOD,
    ]
    for persona in ("cadre", "parent_cadre", "administrator", "treasurer"):
        client.force_login(people[persona])
        for url in pages:
            content = client.get(url).content.decode()
            assert "王小工" not in content, (persona, url)
            assert member.id_number_masked not in content, (persona, url)
