"""Who may open the mutual-aid pages and endpoints: every persona and the assistance cast.

The plan belongs to 炼钢厂 and pays from its mutual-aid fund; the worker (甲班) is enrolled and has a
claim. Claims and enrolments are seen under assistance.view; a plan also by those whose scope lies
inside its unit. Expected answers: 200 to see, 302 where a page sends the user on, 403 when the
page or step is not the user's, 404 outside the user's scope (for GET and POST alike).
"""

from __future__ import annotations

import pytest

from lianxin.assistance.models import ClaimStatus
from lianxin.assistance.services import mutual_aid as services
from lianxin.assistance.tests import conftest as assistance_cast
from lianxin.assistance.tests.factories import make_fund
from lianxin.assistance.tests.factories_mutual import invoice, make_mutual, make_plan, record_claim
from lianxin.core.tokens import api_token_create

pytestmark = pytest.mark.django_db

aid = assistance_cast.aid  # the assistance cast (chairmen, treasurer) on top of the personas

PERSONAS = [
    "worker",
    "liaison",
    "cadre",
    "parent_cadre",
    "outsider",
    "administrator",
    "chairman",
    "upper_chairman",
    "treasurer",
]


def row(worker, liaison, cadre, parent_cadre, outsider, administrator, chairman, upper_chairman, treasurer):
    values = [
        worker,
        liaison,
        cadre,
        parent_cadre,
        outsider,
        administrator,
        chairman,
        upper_chairman,
        treasurer,
    ]
    return dict(zip(PERSONAS, values, strict=True))


@pytest.fixture
def people(aid, personas):
    return {
        **dict(personas.items()),
        "chairman": aid.chairman,
        "upper_chairman": aid.upper_chairman,
        "treasurer": aid.treasurer,
    }


@pytest.fixture
def world(aid, company):
    mutual = make_mutual(aid, company.unit)
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    return {"plan": mutual.plan.pk, "claim": claim.pk, "enrolment": mutual.enrolment.pk, "mutual": mutual}


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {api_token_create(user=user)}"}


PAGES = [
    ("plans", "/assistance/mutual-aid/", row(403, 403, 200, 200, 200, 200, 200, 200, 200)),
    ("plan", "/assistance/mutual-aid/plans/{plan}/", row(404, 404, 200, 200, 404, 200, 200, 200, 200)),
    ("new plan", "/assistance/mutual-aid/plans/new/", row(403, 403, 403, 403, 403, 200, 200, 200, 403)),
    ("claims", "/assistance/mutual-aid/claims/", row(403, 403, 200, 200, 200, 200, 200, 200, 200)),
    (
        "claims tab",
        "/assistance/mutual-aid/claims/?status=paid",
        row(403, 403, 200, 200, 200, 200, 200, 200, 200),
    ),
    ("new claim", "/assistance/mutual-aid/claims/new/", row(403, 403, 200, 200, 200, 200, 200, 200, 403)),
    (
        "new claim for an enrolment",
        "/assistance/mutual-aid/claims/new/?enrolment={enrolment}",
        row(403, 403, 200, 200, 200, 200, 200, 200, 403),
    ),
    ("claim", "/assistance/mutual-aid/claims/{claim}/", row(404, 404, 200, 200, 404, 200, 200, 200, 200)),
    (
        "step by GET",
        "/assistance/mutual-aid/claims/{claim}/do/approve/",
        row(404, 404, 302, 302, 404, 302, 302, 302, 302),
    ),
]


@pytest.mark.parametrize("name,template,expected", PAGES, ids=[p[0] for p in PAGES])
def test_pages_answer_each_persona_as_its_scope_allows(client, people, world, name, template, expected):
    url = template.format(**world)
    answers = {}
    for persona in PERSONAS:
        client.force_login(people[persona])
        answers[persona] = client.get(url).status_code
    assert answers == expected


READS = [
    ("plans", "/api/v1/assistance/mutual-aid/plans", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    ("plan", "/api/v1/assistance/mutual-aid/plans/{plan}", row(404, 404, 200, 200, 404, 200, 200, 200, 200)),
    ("claims", "/api/v1/assistance/mutual-aid/claims", row(200, 200, 200, 200, 200, 200, 200, 200, 200)),
    (
        "claims of the plan",
        "/api/v1/assistance/mutual-aid/claims?plan={plan}",
        row(404, 404, 200, 200, 404, 200, 200, 200, 200),
    ),
    (
        "claim",
        "/api/v1/assistance/mutual-aid/claims/{claim}",
        row(404, 404, 200, 200, 404, 200, 200, 200, 200),
    ),
]


@pytest.mark.parametrize("name,template,expected", READS, ids=[r[0] for r in READS])
def test_reads_answer_each_persona_as_its_scope_allows(client, people, world, name, template, expected):
    url = template.format(**world)
    answers = {persona: client.get(url, headers=bearer(people[persona])).status_code for persona in PERSONAS}
    assert answers == expected


def test_the_lists_hold_only_what_each_persona_may_see(client, aid, company, people, world):
    sibling_fund = make_fund(company.sibling, aid.outsider, kind="mutual_aid", name="轧钢厂互助基金")
    sibling_plan = make_plan(company.sibling, sibling_fund)
    [sibling_enrolment] = services.enrolment_add(
        actor=aid.outsider, plan=sibling_plan, members=[aid.outsider_member]
    )
    sibling = record_claim(aid.outsider, sibling_enrolment, invoice(sibling_plan, "5000.00"))
    seen, plans = {}, {}
    for persona in PERSONAS:
        headers = bearer(people[persona])
        items = client.get("/api/v1/assistance/mutual-aid/claims", headers=headers).json()["items"]
        seen[persona] = {item["id"] for item in items}
        items = client.get("/api/v1/assistance/mutual-aid/plans", headers=headers).json()["items"]
        plans[persona] = {item["id"] for item in items}
    ours, theirs, both = {world["claim"]}, {sibling.pk}, {world["claim"], sibling.pk}
    assert seen == row(set(), set(), ours, both, theirs, both, ours, both, ours)
    ours, theirs, both = {world["plan"]}, {sibling_plan.pk}, {world["plan"], sibling_plan.pk}
    assert plans == row(set(), set(), ours, both, theirs, both, ours, both, ours)


def test_a_parent_units_plan_is_seen_from_every_unit_below_it(client, aid, company, people):
    fund = make_fund(company.secondary, aid.upper_chairman, kind="mutual_aid", name="股份公司互助基金")
    plan = make_plan(company.secondary, fund)
    answers = {
        persona: client.get(
            f"/api/v1/assistance/mutual-aid/plans/{plan.pk}", headers=bearer(people[persona])
        ).status_code
        for persona in PERSONAS
    }
    assert answers == row(404, 404, 200, 200, 200, 200, 200, 200, 200)


STEPS = [
    # (action, claim status to start from, body, expected)
    ("approve", ClaimStatus.PENDING, {}, row(404, 404, 403, 403, 404, 200, 200, 200, 403)),
    ("return", ClaimStatus.PENDING, {"reason": "补材料"}, row(404, 404, 403, 403, 404, 200, 200, 200, 403)),
    (
        "reject",
        ClaimStatus.PENDING,
        {"reason": "不符合条件"},
        row(404, 404, 403, 403, 404, 200, 200, 200, 403),
    ),
    ("pay", ClaimStatus.APPROVED, {"reference": "YH-1"}, row(404, 404, 403, 403, 404, 200, 403, 403, 200)),
    ("reverse", ClaimStatus.PAID, {"reason": "重复发放"}, row(404, 404, 403, 403, 404, 200, 403, 403, 200)),
]


def _claim_in(aid, mutual, status, n: int):
    """A fresh claim (its own invoice) brought to `status` by the cast; the upper chairman approves,
    so the chairman may be asked to pay it."""
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "1500.00", number=f"S{status}{n}"))
    if status in (ClaimStatus.APPROVED, ClaimStatus.PAID):
        claim = services.claim_approve(actor=aid.upper_chairman, claim=claim, version=claim.version)
    if status == ClaimStatus.PAID:
        claim = services.claim_pay(
            actor=aid.treasurer, claim=claim, version=claim.version, reference="R", idempotency_key=f"k{n}"
        ).target
    return claim


@pytest.mark.parametrize("action,status,body,expected", STEPS, ids=[s[0] for s in STEPS])
def test_api_steps_answer_each_persona_as_its_scope_allows(
    client, aid, people, world, action, status, body, expected
):
    answers = {}
    for n, persona in enumerate(PERSONAS):
        claim = _claim_in(aid, world["mutual"], status, n)
        response = client.post(
            f"/api/v1/assistance/mutual-aid/claims/{claim.pk}/actions/{action}",
            {"version": claim.version, **body},
            content_type="application/json",
            headers={**bearer(people[persona]), "Idempotency-Key": f"{action}-{persona}"},
        )
        answers[persona] = response.status_code
    assert answers == expected


@pytest.mark.parametrize("action,status,body,expected", STEPS, ids=[s[0] for s in STEPS])
def test_page_steps_answer_each_persona_as_its_scope_allows(
    client, aid, people, world, action, status, body, expected
):
    answers = {}
    for n, persona in enumerate(PERSONAS):
        claim = _claim_in(aid, world["mutual"], status, n)
        form = {
            "version": claim.version,
            "note": body.get("reason", ""),
            "key": f"{action}-{persona}",
            **body,
        }
        client.force_login(people[persona])
        response = client.post(f"/assistance/mutual-aid/claims/{claim.pk}/do/{action}/", form)
        answers[persona] = 200 if response.status_code == 302 else response.status_code
    assert answers == expected


def test_recording_a_claim_answers_each_persona_as_its_scope_allows(client, aid, people, world):
    mutual = world["mutual"]
    answers = {}
    for n, persona in enumerate(PERSONAS):
        row_ = invoice(mutual.plan, "1500.00", number=f"REC{n}")
        response = client.post(
            "/api/v1/assistance/mutual-aid/claims",
            {
                "plan": mutual.plan.pk,
                "member": aid.member.pk,
                "illness": "骨折",
                "admitted_on": str(mutual.plan.starts_on),
                "invoices": [{**row_, "issued_on": str(row_["issued_on"])}],
            },
            content_type="application/json",
            headers=bearer(people[persona]),
        )
        answers[persona] = response.status_code
    # the plan is not visible to the worker, the liaison and the outsider: its field is refused
    assert answers == row(422, 422, 201, 201, 422, 201, 201, 201, 403)
