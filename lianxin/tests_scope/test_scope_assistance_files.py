"""Who may open the hardship-file, pairing and follow-up pages and endpoints.

The household lives in 甲班 (under 炼钢厂) and its file is kept by 炼钢厂's cadres. Beyond the shared
personas: `leader` (炼钢厂 leader) is paired with the household, `treasurer` (炼钢厂) and
`supervisor` (股份公司) see assistance records but do not record them. Expected answers: 200 to see,
302 where the page sends the user on, 403 when the page or the step is not the user's, 404 when the
record is outside the user's scope (its existence is not revealed), for GET and POST alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lianxin.assistance.models import Application, ApplicationStatus, HardshipFile, Pairing
from lianxin.assistance.services.files import document_add
from lianxin.assistance.tests.factories import make_file, make_fund, make_programme
from lianxin.core.models import AccessLog
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.core.tokens import api_token_create
from lianxin.members.models import Member
from lianxin.members.tests.factories import make_member

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
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 64


def row(worker, liaison, cadre, parent_cadre, outsider, administrator, leader, supervisor, treasurer):
    values = [worker, liaison, cadre, parent_cadre, outsider, administrator, leader, supervisor, treasurer]
    return dict(zip(PERSONAS, values, strict=True))


@pytest.fixture
def world(company, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    leader = UserFactory(username="leader", full_name="陈厂长")
    grant(leader, company.unit, "leader")
    supervisor = UserFactory(username="supervisor", full_name="吴督查")
    grant(supervisor, company.secondary, "supervisor")
    treasurer = UserFactory(username="treasurer", full_name="冯出纳")
    grant(treasurer, company.unit, "treasurer")
    chairman = UserFactory(username="chairman", full_name="吴主席")
    grant(chairman, company.unit, "chairman")
    member = Member.objects.get(user=personas.worker)
    file = make_file(member, personas.cadre)
    pairing = Pairing.objects.create(file=file, leader=leader, unit=file.unit, created_by=personas.cadre)
    document = document_add(
        actor=personas.cadre,
        file=file,
        title="诊断证明",
        upload=SimpleUploadedFile("诊断.pdf", PDF, content_type="application/pdf"),
    )
    programme = make_programme(company.unit, make_fund(company.unit, chairman))
    paid_on = timezone.localdate() - dt.timedelta(days=40)
    application = Application.objects.create(
        number="BF-2026-000001",
        programme=programme,
        unit=member.unit,
        member=member,
        file=file,
        household_key=f"f{file.pk}",
        period_key="2026",
        amount=Decimal("1000.00"),
        reason="春节送温暖",
        status=ApplicationStatus.PAID,
        approval_unit=company.unit,
        recorded_by=personas.cadre,
        approved_by=chairman,
        paid_by=treasurer,
        paid_at=timezone.now(),
        paid_on=paid_on,
        follow_up_due=paid_on + dt.timedelta(days=30),
    )
    people = {**dict(personas.items()), "leader": leader, "supervisor": supervisor, "treasurer": treasurer}
    return {
        "people": people,
        "file": file,
        "pairing": pairing,
        "document": document,
        "application": application,
    }


PAGES = [
    ("files", "/assistance/files/", row(403, 403, 200, 200, 200, 200, 302, 200, 200)),
    ("due reviews", "/assistance/files/?review_due=any", row(403, 403, 200, 200, 200, 200, 302, 200, 200)),
    ("new file", "/assistance/files/new/", row(403, 403, 200, 200, 200, 200, 403, 403, 403)),
    ("file", "/assistance/files/{file}/", row(404, 404, 200, 200, 404, 200, 200, 200, 200)),
    ("review", "/assistance/files/{file}/review/", row(404, 404, 200, 200, 404, 200, 403, 403, 403)),
    ("edit", "/assistance/files/{file}/edit/", row(404, 404, 200, 200, 404, 200, 403, 403, 403)),
    ("exit by GET", "/assistance/files/{file}/exit/", row(404, 404, 302, 302, 404, 302, 403, 403, 403)),
    ("document", "/assistance/files/documents/{document}/", row(404, 404, 200, 200, 404, 200, 200, 200, 200)),
    ("pairings", "/assistance/pairings/", row(403, 403, 200, 200, 200, 200, 302, 200, 200)),
    ("who is behind", "/assistance/pairings/?tab=behind", row(403, 403, 200, 200, 200, 200, 302, 200, 200)),
    ("my pairings", "/assistance/pairings/mine/", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("pair", "/assistance/pairings/new/?file={file}", row(404, 404, 200, 200, 404, 200, 403, 403, 403)),
    ("pairing", "/assistance/pairings/{pairing}/", row(404, 404, 200, 200, 404, 200, 200, 200, 200)),
    ("follow-ups", "/assistance/follow-ups/", row(403, 403, 200, 200, 200, 200, 403, 200, 200)),
    ("follow-up", "/assistance/follow-ups/{application}/", row(404, 404, 200, 200, 404, 200, 404, 403, 403)),
]


@pytest.mark.parametrize("name,template,expected", PAGES, ids=[p[0] for p in PAGES])
def test_pages_answer_each_persona_as_its_scope_allows(client, world, name, template, expected):
    url = template.format(
        file=world["file"].pk,
        document=world["document"].token,
        pairing=world["pairing"].pk,
        application=world["application"].pk,
    )
    answers = {}
    for persona in PERSONAS:
        client.force_login(world["people"][persona])
        answers[persona] = client.get(url).status_code
    assert answers == expected


def test_every_view_of_the_household_that_was_answered_is_logged(client, world):
    file = world["file"]
    for persona in PERSONAS:
        client.force_login(world["people"][persona])
        client.get(f"/assistance/files/{file.pk}/")
    logged = set(
        AccessLog.objects.filter(subject=f"assistance.hardshipfile:{file.pk}").values_list(
            "user__username", flat=True
        )
    )
    assert logged == {"cadre", "parent_cadre", "administrator", "leader", "supervisor", "treasurer"}


STEPS = [
    # name, url, data, expected (302: done)
    (
        "exit",
        "/assistance/files/{file}/exit/",
        {"reason": "子女就业"},
        row(404, 404, 302, 302, 404, 302, 403, 403, 403),
    ),
    (
        "visit",
        "/assistance/pairings/{pairing}/visit/",
        {"notes": "走访"},
        row(404, 404, 302, 302, 404, 302, 302, 403, 403),
    ),
    (
        "end pairing",
        "/assistance/pairings/{pairing}/end/",
        {"reason": "调动"},
        row(404, 404, 302, 302, 404, 302, 403, 403, 403),
    ),
]


def _fresh(company, personas, world):
    """A new household with a file and a pairing, so each persona's step starts from the same state."""
    member = make_member(company.team, "新户主")
    file = make_file(member, personas.cadre)
    pairing = Pairing.objects.create(
        file=file, leader=world["people"]["leader"], unit=file.unit, created_by=personas.cadre
    )
    return file, pairing


@pytest.mark.parametrize("name,template,data,expected", STEPS, ids=[s[0] for s in STEPS])
def test_steps_answer_each_persona_as_its_scope_and_role_allow(
    client, company, personas, world, name, template, data, expected
):
    answers = {}
    for persona in PERSONAS:
        file, pairing = _fresh(company, personas, world)
        client.force_login(world["people"][persona])
        body = {"version": file.version, "visited_on": timezone.localdate().isoformat(), **data}
        answers[persona] = client.post(template.format(file=file.pk, pairing=pairing.pk), body).status_code
    assert answers == expected


# --- the API ---------------------------------------------------------------------------------------


def _api(client, user):
    headers = {"Authorization": f"Bearer {api_token_create(user=user)}"}

    def call(method, path, body=None):
        if method == "get":
            return client.get(f"/api/v1/assistance{path}", headers=headers)
        return client.post(
            f"/api/v1/assistance{path}", body or {}, content_type="application/json", headers=headers
        )

    return call


def test_the_file_endpoints_answer_each_persona_as_its_scope_allows(client, world):
    file = world["file"]
    listed, detail, review = {}, {}, {}
    for persona in PERSONAS:
        call = _api(client, world["people"][persona])
        listed[persona] = call("get", "/files").json()["count"]
        detail[persona] = call("get", f"/files/{file.pk}").status_code
        version = HardshipFile.objects.get(pk=file.pk).version
        review[persona] = call("post", f"/files/{file.pk}/actions/review", {"version": version}).status_code
    assert listed == row(0, 0, 1, 1, 0, 1, 0, 1, 1)
    assert detail == row(404, 404, 200, 200, 404, 200, 200, 200, 200)
    assert review == row(404, 404, 200, 200, 404, 200, 403, 403, 403)


def test_only_those_who_record_for_the_members_unit_may_open_a_file_by_api(client, company, world):
    answers = {}
    for persona in PERSONAS:
        member = make_member(company.team2, "新职工")
        body = {
            "member": member.pk,
            "causes": ["low_income"],
            "level": "relative",
            "persons": [{"name": "新职工", "relation": "self", "monthly_income": "1200"}],
        }
        answers[persona] = _api(client, world["people"][persona])("post", "/files", body).status_code
    assert answers == row(422, 422, 201, 201, 422, 201, 422, 422, 422)
