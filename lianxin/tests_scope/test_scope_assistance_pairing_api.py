"""Who may read pairings and record visits through /api/v1/assistance/pairings.

The household lives in 甲班 (under 炼钢厂); its pairing with `leader` (炼钢厂 leader) began 400 days
ago and has no visit yet, so it is behind. Beyond the shared personas: `supervisor` (股份公司) and
`treasurer` (炼钢厂) see assistance records but do not record them. A pairing outside the caller's
scope answers 404 (its existence is not revealed); a visible pairing that is not the caller's to
visit answers 403.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.assistance.models import Pairing, Visit
from lianxin.assistance.tests.factories import make_file
from lianxin.core.models import AccessLog
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.core.tokens import api_token_create
from lianxin.members.models import Member

pytestmark = pytest.mark.django_db

PERSONAS = [
    "worker",
    "liaison",
    "cadre",
    "parent_cadre",
    "outsider",
    "administrator",
    "leader",
    "supervisor",
    "treasurer",
]


def row(worker, liaison, cadre, parent_cadre, outsider, administrator, leader, supervisor, treasurer):
    values = [worker, liaison, cadre, parent_cadre, outsider, administrator, leader, supervisor, treasurer]
    return dict(zip(PERSONAS, values, strict=True))


@pytest.fixture
def world(company, personas):
    leader = UserFactory(username="leader", full_name="陈厂长")
    grant(leader, company.unit, "leader")
    supervisor = UserFactory(username="supervisor", full_name="吴督查")
    grant(supervisor, company.secondary, "supervisor")
    treasurer = UserFactory(username="treasurer", full_name="冯出纳")
    grant(treasurer, company.unit, "treasurer")
    file = make_file(Member.objects.get(user=personas.worker), personas.cadre)
    pairing = Pairing.objects.create(
        file=file,
        leader=leader,
        unit=file.unit,
        started_on=timezone.localdate() - dt.timedelta(days=400),
        created_by=personas.cadre,
    )
    people = {**dict(personas.items()), "leader": leader, "supervisor": supervisor, "treasurer": treasurer}
    return {"people": people, "file": file, "pairing": pairing}


def _api(client, user):
    headers = {"Authorization": f"Bearer {api_token_create(user=user)}"}

    def call(method, path, body=None):
        if method == "get":
            return client.get(f"/api/v1/assistance{path}", headers=headers)
        return client.post(
            f"/api/v1/assistance{path}", body or {}, content_type="application/json", headers=headers
        )

    return call


def test_the_pairing_lists_answer_each_persona_as_its_scope_allows(client, world):
    listed, mine, behind = {}, {}, {}
    for persona in PERSONAS:
        call = _api(client, world["people"][persona])
        listed[persona] = call("get", "/pairings").json()["count"]
        mine[persona] = call("get", "/pairings?mine=true").json()["count"]
        behind[persona] = call("get", "/pairings/behind").json()["count"]
    assert listed == row(0, 0, 1, 1, 0, 1, 1, 1, 1)
    assert mine == row(0, 0, 0, 0, 0, 0, 1, 0, 0)
    # Who is behind is the cadres' view of their scope (the page's 走访不足); a leader has 我的结对.
    assert behind == row(0, 0, 1, 1, 0, 1, 0, 1, 1)


def test_one_pairing_answers_404_outside_scope_and_every_answered_look_is_logged(client, world):
    pairing = world["pairing"]
    answers = {}
    for persona in PERSONAS:
        answers[persona] = _api(client, world["people"][persona])(
            "get", f"/pairings/{pairing.pk}"
        ).status_code
    assert answers == row(404, 404, 200, 200, 404, 200, 200, 200, 200)
    logged = set(
        AccessLog.objects.filter(subject=f"assistance.hardshipfile:{world['file'].pk}").values_list(
            "user__username", flat=True
        )
    )
    assert logged == {"cadre", "parent_cadre", "administrator", "leader", "supervisor", "treasurer"}


def test_a_visit_is_recorded_by_the_leader_or_a_recording_cadre_and_hidden_from_outsiders(client, world):
    pairing = world["pairing"]
    answers = {}
    for persona in PERSONAS:
        call = _api(client, world["people"][persona])
        answers[persona] = call("post", f"/pairings/{pairing.pk}/visits", {"notes": "入户走访"}).status_code
    assert answers == row(404, 404, 201, 201, 404, 201, 201, 403, 403)
    visitors = set(Visit.objects.filter(pairing=pairing).values_list("visitor__username", flat=True))
    assert visitors == {"cadre", "parent_cadre", "administrator", "leader"}


def test_without_a_login_the_pairing_endpoints_answer_401(client, world):
    pairing = world["pairing"]
    assert client.get("/api/v1/assistance/pairings").status_code == 401
    assert client.get(f"/api/v1/assistance/pairings/{pairing.pk}").status_code == 401
    assert client.get("/api/v1/assistance/pairings/behind").status_code == 401
    response = client.post(
        f"/api/v1/assistance/pairings/{pairing.pk}/visits", {"notes": "走访"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert not Visit.objects.exists()
