"""Who may open the aid-application, fund and campaign pages and endpoints.

The cast (lianxin/assistance/tests/conftest.py): the cadre, chairman and treasurer of 炼钢厂, whose
relief fund pays the programmes; the outsider, a cadre of the sibling 轧钢厂; the worker, a member
in 甲班 under 炼钢厂 with no assistance role; and someone not logged in. Expected answers: 200 to
see (201 for money recorded through the API), 302 where a page sends the user on (a step done, the
login page for the anonymous), 403 when the page or step is not the user's role, 404 when the
record is outside the user's scope (its existence not revealed), 401 from the API without login.
"""

from __future__ import annotations

import json

import pytest

from lianxin.appeals.tests.factories import make_appeal
from lianxin.assistance import services
from lianxin.assistance.models import Application
from lianxin.assistance.tests import conftest as assistance_cast

pytestmark = pytest.mark.django_db

aid = assistance_cast.aid  # the assistance cast (chairman, treasurer) on top of the personas

PERSONAS = ["cadre", "chairman", "treasurer", "outsider", "worker", "anonymous"]
HARDSHIP = "家里老人查出重病住院,医药费负担很重,希望工会帮帮忙。"


def row(cadre, chairman, treasurer, outsider, worker, anonymous):
    return dict(zip(PERSONAS, [cadre, chairman, treasurer, outsider, worker, anonymous], strict=True))


def record(aid) -> Application:
    return services.application_record(
        actor=aid.cadre, programme=aid.illness, member=aid.member, amount="2000.00", reason="住院治疗"
    )


def approved(aid) -> Application:
    application = record(aid)
    return services.application_approve(
        actor=aid.chairman, application=application, version=application.version
    )


def paid(aid) -> Application:
    application = approved(aid)
    return services.application_pay(
        actor=aid.treasurer,
        application=application,
        version=application.version,
        reference="PZ-1",
        idempotency_key=f"scope-{application.pk}",
    ).target


@pytest.fixture
def world(aid, company):
    application = record(aid)
    campaign = services.campaign_create(
        actor=aid.chairman,
        unit=company.unit,
        fund=aid.fund,
        name="送温暖募捐",
        starts_on=aid.fund.created_at.date(),
        ends_on=aid.fund.created_at.date(),
    )
    appeal = make_appeal(unit=company.team, by=aid.worker, text=HARDSHIP, code="hardship")
    return {
        "application": application.pk,
        "fund": aid.fund.pk,
        "campaign": campaign.pk,
        "appeal": appeal.pk,
        "file": aid.file.pk,
        "programme": aid.festival.pk,
    }


def as_persona(client, aid, persona: str):
    client.logout()
    if persona != "anonymous":
        client.force_login(getattr(aid, persona))
    return client


PAGES = [
    ("list", "/assistance/applications/", row(200, 200, 200, 200, 403, 302)),
    ("list tab", "/assistance/applications/?status=paid", row(200, 200, 200, 200, 403, 302)),
    ("new", "/assistance/applications/new/", row(200, 200, 403, 200, 403, 302)),
    ("new from appeal", "/assistance/applications/new/?appeal={appeal}", row(200, 200, 403, 404, 403, 302)),
    ("new from file", "/assistance/applications/new/?file={file}", row(200, 200, 403, 404, 403, 302)),
    (
        "amount",
        "/assistance/applications/new/amount/?programme={programme}",
        row(200, 200, 403, 200, 403, 302),
    ),
    ("member options", "/assistance/applications/new/members/?member=王", row(200, 200, 403, 200, 403, 302)),
    ("detail", "/assistance/applications/{application}/", row(200, 200, 200, 404, 404, 302)),
    ("step by GET", "/assistance/applications/{application}/do/approve/", row(302, 302, 302, 404, 404, 302)),
    ("funds", "/assistance/funds/", row(200, 200, 200, 200, 403, 302)),
    ("ledger", "/assistance/funds/{fund}/", row(200, 200, 200, 404, 404, 302)),
    ("income", "/assistance/funds/{fund}/income/", row(403, 200, 200, 404, 404, 302)),
    ("transfer", "/assistance/funds/{fund}/transfer/", row(403, 200, 200, 404, 404, 302)),
    ("campaigns", "/assistance/campaigns/", row(200, 200, 200, 200, 403, 302)),
    ("campaign", "/assistance/campaigns/{campaign}/", row(200, 200, 200, 404, 404, 302)),
    ("new campaign", "/assistance/campaigns/new/", row(403, 200, 200, 403, 403, 302)),
]


@pytest.mark.parametrize("name,template,expected", PAGES, ids=[p[0] for p in PAGES])
def test_pages_answer_each_persona_as_its_scope_allows(client, aid, world, name, template, expected):
    url = template.format(**world)
    answers = {}
    for persona in PERSONAS:
        response = as_persona(client, aid, persona).get(url)
        answers[persona] = response.status_code
        if persona == "anonymous":
            assert response["Location"].startswith("/login/")
    assert answers == expected


STEPS = [
    # step, the application's state before, extra data, expected per persona (302: done)
    ("approve", record, {}, row(403, 302, 403, 404, 404, 302)),
    ("return", record, {"reason": "材料不全"}, row(403, 302, 403, 404, 404, 302)),
    ("void", record, {"reason": "登记重复"}, row(302, 302, 403, 404, 404, 302)),
    ("pay", approved, {"reference": "PZ-9", "idempotency_key": "k"}, row(403, 403, 302, 404, 404, 302)),
    ("reverse", paid, {"reason": "发错了"}, row(403, 403, 302, 404, 404, 302)),
]


@pytest.mark.parametrize("step,make,data,expected", STEPS, ids=[s[0] for s in STEPS])
def test_steps_answer_each_persona_as_its_scope_and_role_allow(client, aid, step, make, data, expected):
    answers = {}
    for persona in PERSONAS:
        application = make(aid)
        response = as_persona(client, aid, persona).post(
            f"/assistance/applications/{application.pk}/do/{step}/", {"version": application.version, **data}
        )
        answers[persona] = response.status_code
        changed = Application.objects.get(pk=application.pk).version != application.version
        assert changed == (response.status_code == 302 and persona != "anonymous"), persona
    assert answers == expected


API_READS = [
    ("programmes", "/api/v1/assistance/programmes", row(200, 200, 200, 200, 200, 401)),
    ("applications", "/api/v1/assistance/applications", row(200, 200, 200, 200, 200, 401)),
    ("application", "/api/v1/assistance/applications/{application}", row(200, 200, 200, 404, 404, 401)),
    ("funds", "/api/v1/assistance/funds", row(200, 200, 200, 200, 200, 401)),
    ("ledger", "/api/v1/assistance/funds/{fund}/ledger", row(200, 200, 200, 404, 404, 401)),
]


@pytest.mark.parametrize("name,template,expected", API_READS, ids=[p[0] for p in API_READS])
def test_api_reads_answer_each_persona_as_its_scope_allows(client, aid, world, name, template, expected):
    url = template.format(**world)
    answers = {persona: as_persona(client, aid, persona).get(url).status_code for persona in PERSONAS}
    assert answers == expected


def test_api_lists_show_nothing_outside_scope(client, aid, world):
    for persona in ("outsider", "worker"):
        client = as_persona(client, aid, persona)
        assert client.get("/api/v1/assistance/applications").json()["count"] == 0
        assert client.get("/api/v1/assistance/funds").json()["count"] == 0


def test_api_steps_and_income_answer_each_persona_as_its_role_allows(client, aid, world):
    approve, income = {}, {}
    for persona in PERSONAS:
        application = record(aid)
        client = as_persona(client, aid, persona)
        approve[persona] = client.post(
            f"/api/v1/assistance/applications/{application.pk}/actions/approve",
            json.dumps({"version": application.version}),
            content_type="application/json",
        ).status_code
        income[persona] = client.post(
            f"/api/v1/assistance/funds/{aid.fund.pk}/income",
            json.dumps({"kind": "allocation", "amount": "10.00"}),
            content_type="application/json",
        ).status_code
    assert approve == row(403, 200, 403, 404, 404, 401)
    assert income == row(403, 201, 201, 404, 404, 401)


def test_api_programme_setup_answers_each_persona_as_its_role_allows(client, aid, world):
    body = {
        "unit": aid.fund.unit_id,
        "fund": aid.fund.pk,
        "code": "summer",
        "name": "夏送清凉",
        "kind": "in_kind",
        "standard_amount": "200.00",
    }
    answers = {
        persona: as_persona(client, aid, persona)
        .post("/api/v1/assistance/programmes", json.dumps(body), content_type="application/json")
        .status_code
        for persona in PERSONAS
    }
    assert answers == row(403, 201, 403, 404, 404, 401)
