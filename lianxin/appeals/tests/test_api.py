"""The appeals API through the test client, with bearer tokens, as the personas of lianxin/conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, AppealEvent, Category, PublicAnswer, State
from lianxin.appeals.rules import normalize, search_tokens
from lianxin.appeals.tests.factories import drive, make_appeal, make_department
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.core.tokens import api_token_create

pytestmark = pytest.mark.django_db

CANTEEN = "食堂晚上十点以后就没有热饭了,上夜班的工友只能吃泡面,能不能延长供应时间?"
WAGES = "我们班组这个月的夜班费没有按新标准发放,工资条上看不到明细,请工会帮忙问问。"


@pytest.fixture
def api(client, personas):
    """api(persona).get/post(path, body) -> response, with that persona's bearer token."""

    class Caller:
        def __init__(self, user):
            self.headers = {"Authorization": f"Bearer {api_token_create(user=user)}"} if user else {}

        def get(self, path, params=None):
            return client.get(f"/api/v1/appeals{path}", params or {}, headers=self.headers)

        def post(self, path, body=None, **headers):
            return client.post(
                f"/api/v1/appeals{path}",
                body if body is not None else {},
                content_type="application/json",
                headers={**self.headers, **headers},
            )

    return lambda name=None: Caller(getattr(personas, name) if name else None)


def submit(api, persona="worker", **body):
    return api(persona).post("", {"origin_unit": body.pop("unit"), "text": WAGES, **body})


# --- intake -------------------------------------------------------------------------------------


def test_a_worker_raises_a_named_appeal_and_gets_no_follow_up_code(api, company, personas):
    response = submit(api, unit=company.team.pk, contact_phone="13900001111")

    assert response.status_code == 201
    body = response.json()
    appeal = Appeal.objects.get(pk=body["id"])
    assert appeal.submitted_by == personas.worker and appeal.member == personas.worker.member
    assert body["number"] == appeal.number and body["state"] == "submitted"
    assert body["submitter"] == "王小工"
    assert body["track_code"] is None
    assert body["handling_unit_name"] == "炼钢厂"
    # the worker holds no appeals.view: not even their own member id and phone come back
    assert body["member_id"] is None and body["contact_phone"] is None


def test_an_anonymous_appeal_answers_its_follow_up_code_once_and_keeps_no_identity(api, company):
    response = submit(api, unit=company.team.pk, anonymous=True, contact_name="王小工")

    assert response.status_code == 201
    body = response.json()
    appeal = Appeal.objects.get(pk=body["id"])
    assert body["track_code"] and body["submitter"] == "匿名"
    assert (appeal.member, appeal.submitted_by, appeal.contact_name) == (None, None, "")
    assert api().get(f"/track/{body['track_code']}").json()["number"] == appeal.number


def test_a_category_is_suggested_when_none_is_given_and_kept_when_given(api, company):
    suggested = submit(api, unit=company.team.pk).json()
    chosen = submit(api, unit=company.team.pk, category="living_conditions").json()

    assert suggested["category"]["code"] == "wages"
    assert chosen["category"] == {"code": "living_conditions", "name": "生产生活条件"}


def test_bad_intake_answers_422_on_each_field(api, company):
    response = submit(api, unit=company.team.pk, text="太短", category="nope", member=1)

    assert response.status_code == 422
    paths = {error["path"] for error in response.json()["errors"]}
    assert paths == {"body.category", "body.member"}  # checked before the text reaches the service
    too_short = submit(api, unit=company.team.pk, text="太短")
    assert [error["path"] for error in too_short.json()["errors"]] == ["body.text"]


def test_a_worker_cannot_record_through_the_hotline(api, company):
    response = submit(api, unit=company.team.pk, channel="hotline")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_liaison_records_for_a_member_with_confirmed_flags(api, company, personas):
    member = personas.worker.member
    response = submit(
        api,
        "liaison",
        unit=company.team.pk,
        channel="liaison",
        member=member.pk,
        contact_name="王小工",
        flags=["arrears"],
        received_at="2026-03-02T09:30:00",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    appeal = Appeal.objects.get(pk=body["id"])
    assert appeal.recorded_by == personas.liaison and appeal.member == member
    assert body["flags"] == ["arrears"] and body["flags_confirmed"] is True
    assert timezone.localtime(appeal.received_at).strftime("%Y-%m-%d %H:%M") == "2026-03-02 09:30"
    assert body["track_code"]  # recorded for someone else: the worker follows it by code


def test_a_received_time_in_year_one_is_a_field_error_not_a_crash(api, company):
    response = submit(
        api, "cadre", unit=company.team.pk, channel="hotline", received_at="0001-01-01T00:00:00"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.received_at"


def test_similar_open_appeals_show_handlers_the_id_and_workers_only_number_title_state(
    api, company, personas
):
    first = make_appeal(unit=company.team, by=personas.cadre, text=WAGES)
    secret = make_appeal(unit=company.team2, by=personas.cadre, text=WAGES + "。", confidential=True)

    by_worker = submit(api, unit=company.team.pk).json()["similar"]
    by_cadre = submit(api, "cadre", unit=company.team.pk, channel="hotline").json()["similar"]

    assert [(item["id"], item["number"], item["state"]) for item in by_worker] == [
        (None, first.number, "submitted")
    ]
    assert {item["id"] for item in by_cadre} >= {first.pk, secret.pk}
    assert all(item["similarity"] >= 0.6 for item in by_cadre)


def test_a_worker_who_checked_while_typing_submits_without_the_similar_look_up(api, company, personas):
    make_appeal(unit=company.team, by=personas.cadre, text=WAGES)

    with CaptureQueriesContext(connection) as with_look_up:
        looked = api("worker").post("", {"origin_unit": company.team.pk, "text": WAGES})
    with CaptureQueriesContext(connection) as without:
        skipped = api("worker").post("?similar=false", {"origin_unit": company.team.pk, "text": WAGES})

    assert looked.status_code == skipped.status_code == 201
    assert len(looked.json()["similar"]) == 1 and skipped.json()["similar"] == []
    assert not any("appeals_duplicateband" in q["sql"] for q in without.captured_queries)
    assert any("appeals_duplicateband" in q["sql"] for q in with_look_up.captured_queries)


# --- before submitting: the check while typing ------------------------------------------------------


DESPAIR = "我们班组这个月的夜班费没有按新标准发放,工资条上看不到明细,我真的撑不下去了,家里等着用钱。"


def test_the_check_suggests_a_category_and_flags_and_shows_open_near_duplicates_without_who(
    api, company, personas
):
    first = make_appeal(unit=company.team2, by=personas.cadre, text=WAGES)
    before = Appeal.objects.count()

    response = api("worker").post("/check", {"origin_unit": company.team.pk, "text": DESPAIR})

    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True and body["category"] == "wages" and body["category_name"]
    assert body["flags"] == ["distress"]
    assert [(item["id"], item["number"]) for item in body["similar"]] == [(None, first.number)]
    assert "赵干部" not in response.content.decode()
    assert Appeal.objects.count() == before  # nothing is stored


def test_the_check_hides_confidential_and_distress_appeals_from_workers_not_from_handlers(
    api, company, personas
):
    secret = make_appeal(unit=company.team2, by=personas.cadre, text=WAGES, confidential=True)
    hurting = make_appeal(unit=company.team2, by=personas.cadre, text=DESPAIR)

    by_worker = api("worker").post("/check", {"origin_unit": company.team.pk, "text": DESPAIR}).json()
    by_cadre = api("cadre").post("/check", {"origin_unit": company.team.pk, "text": DESPAIR}).json()

    assert by_worker["similar"] == []
    assert {item["id"] for item in by_cadre["similar"]} == {secret.pk, hurting.pk}


def test_the_check_shows_published_answers(api, company, personas):
    appeal = make_appeal(unit=company.team, by=personas.cadre, text="夜班费标准是多少?工资条上怎么看?")
    drive(appeal, State.ANSWERED, handler=personas.cadre)
    answer = "夜班费按新标准每班30元,工资条上列在津贴一栏。"
    published = PublicAnswer.objects.create(
        appeal=appeal,
        category=Category.objects.get(code="wages"),
        question="夜班费的新标准是多少,工资条上在哪里看?",
        answer=answer,
        published_by=personas.cadre,
        search_tokens=search_tokens(normalize("夜班费的新标准是多少,工资条上在哪里看? " + answer)),
    )

    body = api("worker").post("/check", {"origin_unit": company.team.pk, "text": WAGES}).json()

    assert [item["id"] for item in body["answers"]] == [published.pk]
    assert body["answers"][0]["category"] == "wages" and "每班30元" in body["answers"][0]["answer"]


def test_the_check_says_nothing_for_a_few_characters(api, company):
    body = api("worker").post("/check", {"origin_unit": company.team.pk, "text": "工资"}).json()

    assert body == {
        "ready": False,
        "category": None,
        "category_name": None,
        "flags": [],
        "similar": [],
        "answers": [],
    }


@pytest.mark.parametrize(
    ("persona", "unit", "status"),
    [
        ("worker", "team", 200),  # own team
        ("worker", "unit", 200),  # above it
        ("worker", "team2", 404),  # a team that is not theirs
        ("cadre", "team2", 200),  # records appeals there
        ("outsider", "team", 404),
        (None, "team", 401),
    ],
)
def test_the_check_is_for_units_the_caller_may_raise_an_appeal_for(api, company, persona, unit, status):
    response = api(persona).post("/check", {"origin_unit": getattr(company, unit).pk, "text": WAGES})

    assert response.status_code == status


# --- lists and one appeal -----------------------------------------------------------------------


@pytest.fixture
def appeals(company, personas):
    named = make_appeal(
        unit=company.team,
        by=personas.liaison,
        channel="liaison",
        member=personas.worker.member,
        contact_name="王小工",
        contact_phone="13900001111",
        text=WAGES,
        code="wages",
    )
    anonymous = make_appeal(
        unit=company.section, by=personas.worker, anonymous=True, code="living_conditions", text=CANTEEN
    )
    sibling = make_appeal(unit=company.sibling_team, by=personas.outsider, channel="hotline")
    return named, anonymous, sibling


def test_the_list_holds_what_is_in_scope_newest_first(api, appeals):
    named, anonymous, sibling = appeals

    body = api("cadre").get("").json()

    assert [item["id"] for item in body["items"]] == [anonymous.pk, named.pk]
    assert body["count"] == 2
    assert [item["id"] for item in api("outsider").get("").json()["items"]] == [sibling.pk]
    assert api("worker").get("").json() == {"items": [], "count": 0}


def test_the_list_shows_a_named_submitters_contact_but_nothing_of_an_anonymous_one(api, appeals, personas):
    named, anonymous, _sibling = appeals

    items = {item["id"]: item for item in api("cadre").get("").json()["items"]}

    assert items[named.pk]["submitter"] == "王小工"
    assert items[named.pk]["member_id"] == personas.worker.member.pk
    assert items[named.pk]["contact_phone"] == "13900001111"
    assert items[anonymous.pk]["submitter"] == "匿名"
    assert items[anonymous.pk]["member_id"] is None and items[anonymous.pk]["contact_phone"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "submitted"}, {"named", "anonymous"}),
        ({"category": "wages"}, {"named"}),
        ({"q": "夜班費"}, {"named"}),  # traditional characters find simplified text
        ({"channel": "liaison"}, {"named"}),
        ({"unit": "team"}, {"named"}),
        ({"bucket": "new"}, {"named", "anonymous"}),
        ({"overdue": "true"}, set()),
        ({"from": "2000-01-01", "to": "2000-12-31"}, set()),
    ],
)
def test_the_list_filters(api, appeals, company, params, expected):
    named, anonymous, _sibling = appeals
    names = {named.pk: "named", anonymous.pk: "anonymous"}
    if params.get("unit") == "team":
        params = {"unit": company.team.pk}

    items = api("cadre").get("", params).json()["items"]

    assert {names[item["id"]] for item in items} == expected


def test_a_unit_filter_outside_scope_answers_404_and_a_bad_state_422(api, appeals, company):
    assert api("cadre").get("", {"unit": company.sibling.pk}).status_code == 404
    bad = api("cadre").get("", {"state": "lost"})
    assert bad.status_code == 422
    assert [error["path"] for error in bad.json()["errors"]] == ["query.state"]


def test_one_appeal_in_scope_and_404_outside_like_a_missing_one(api, appeals):
    named, _anonymous, _sibling = appeals

    detail = api("parent_cadre").get(f"/{named.pk}")
    outside = api("outsider").get(f"/{named.pk}")
    missing = api("outsider").get("/999999")

    assert detail.status_code == 200 and detail.json()["text"] == named.text
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_the_timeline_lists_each_step_with_who_took_it(api, appeals, personas):
    named, _anonymous, _sibling = appeals
    services.appeal_accept(appeal=named, accepted_by=personas.cadre, note="今天受理")

    events = api("cadre").get(f"/{named.pk}/events").json()

    assert [(e["action"], e["actor_name"]) for e in events] == [
        ("submitted", "李联络"),
        ("accepted", "赵干部"),
    ]
    assert events[1]["note"] == "今天受理" and events[1]["on_time"] is True


# --- steps --------------------------------------------------------------------------------------


def act(api, persona, appeal, action, **body):
    return api(persona).post(f"/{appeal.pk}/actions/{action}", body)


def test_a_cadre_takes_an_appeal_through_the_steps(api, appeals, company, personas):
    named, anonymous, _sibling = appeals
    hr = make_department(company.unit, handlers=[personas.outsider])

    assert act(api, "cadre", named, "accept", note="受理").json()["state"] == "accepted"
    assert act(api, "cadre", named, "deliberate").json()["state"] == "deliberating"
    referred = act(api, "cadre", named, "refer", department=hr.pk, note="请核实")
    assert referred.json()["state"] == "in_progress"
    assert act(api, "cadre", named, "extend", note="需要核对三个月的考勤").json()["extended"] is True
    answered = act(api, "cadre", named, "answer", answer="人力资源部已补发夜班费")
    assert answered.status_code == 200
    assert answered.json()["state"] == "answered" and answered.json()["answer"] == "人力资源部已补发夜班费"
    merged = act(api, "cadre", anonymous, "merge", into=named.pk, note="同一件事")
    assert merged.json()["state"] == "merged" and merged.json()["merged_into_number"] == named.number


def test_confirming_flags_can_correct_the_category(api, appeals):
    named, _anonymous, _sibling = appeals

    body = act(
        api, "cadre", named, "confirm_flags", flags=["arrears", "collective"], category="legal_dispute"
    ).json()

    assert body["flags"] == ["collective", "arrears"] and body["flags_confirmed"] is True
    assert body["category"]["code"] == "legal_dispute"


def test_rejecting_needs_a_reason_the_worker_sees(api, appeals):
    named, _anonymous, _sibling = appeals

    missing = act(api, "cadre", named, "reject")
    rejected = act(api, "cadre", named, "reject", note="属于劳动仲裁受理范围,请向仲裁委申请")

    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"path": "body.note", "message": "不予受理须写明职工能看到的理由。"}]
    assert rejected.json()["state"] == "rejected"


def test_asking_for_more_pauses_the_clock_and_the_worker_answers_by_code(api, appeals):
    _named, anonymous, _sibling = appeals

    asked = act(api, "cadre", anonymous, "request_info", note="请说明是哪个食堂")
    followed = api().get(f"/track/{anonymous.track_code}").json()
    supplied = api().post(f"/track/{anonymous.track_code}/supplement", {"text": "二号食堂,晚上十点以后"})

    assert asked.json()["waiting_for_worker"] is True
    assert followed["can_supplement"] is True
    assert followed["events"][-1]["note"] == "请说明是哪个食堂"
    assert supplied.status_code == 200
    assert supplied.json()["waiting_for_worker"] is False


def test_assigning_someone_who_cannot_handle_the_unit_is_a_field_error(api, appeals, personas):
    named, _anonymous, _sibling = appeals

    response = act(api, "cadre", named, "assign", assignee=personas.outsider.pk)

    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.assignee"


def test_referring_to_a_department_of_another_unit_is_a_field_error(api, appeals, company):
    named, _anonymous, _sibling = appeals
    act(api, "cadre", named, "accept")
    elsewhere = make_department(company.sibling, name="轧钢厂人力资源部")

    response = act(api, "cadre", named, "refer", department=elsewhere.pk)

    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.department"


def test_an_unknown_action_is_a_422_on_the_path(api, appeals):
    named, _anonymous, _sibling = appeals

    response = act(api, "cadre", named, "approve")

    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "path.action"


def test_a_visible_appeal_answers_403_to_a_step_that_is_not_the_callers(api, appeals, company):
    named, _anonymous, _sibling = appeals
    supervisor = UserFactory(username="supervisor", full_name="督查员")
    grant(supervisor, company.unit, "supervisor")

    by_cadre = act(api, "cadre", named, "supervise", note="三天内办结")
    response = act(api, "cadre", named, "accept")  # the cadre may accept…
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {api_token_create(user=supervisor)}"}
    from django.test import Client

    by_supervisor = Client().post(
        f"/api/v1/appeals/{named.pk}/actions/supervise",
        {"note": "三天内办结"},
        content_type="application/json",
        headers=headers,
    )

    assert by_cadre.status_code == 403  # …but holds no appeals.supervise
    assert by_supervisor.status_code == 200
    assert AppealEvent.objects.filter(appeal=named, action="supervised").count() == 1


def test_a_step_on_an_appeal_outside_scope_is_404(api, appeals):
    named, _anonymous, _sibling = appeals

    assert act(api, "outsider", named, "accept").status_code == 404
    assert act(api, "liaison", named, "accept").status_code == 404
    named.refresh_from_db()
    assert named.state == State.SUBMITTED


# --- two handlers at once -------------------------------------------------------------------------


def test_a_stale_version_answers_409_saying_someone_else_acted_first(api, appeals):
    named, _anonymous, _sibling = appeals
    seen = api("cadre").get(f"/{named.pk}").json()["version"]

    first = act(api, "parent_cadre", named, "accept", expected_version=seen)
    second = act(api, "cadre", named, "reject", note="不属于工会职责范围", expected_version=seen)

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["code"] == "conflict"
    assert second.json()["message"] == f"诉求 {named.number} 已被他人更新(现为「已受理」),请刷新后再操作。"
    named.refresh_from_db()
    assert named.state == State.ACCEPTED and named.events.filter(action="rejected").count() == 0


def test_the_same_step_twice_answers_409_saying_what_state_it_is_in(api, appeals):
    named, _anonymous, _sibling = appeals

    act(api, "cadre", named, "accept")
    again = act(api, "parent_cadre", named, "accept")

    assert again.status_code == 409
    assert again.json()["message"] == f"诉求 {named.number} 现在是「已受理」,不能受理。"


@pytest.mark.parametrize(
    ("action", "body"), [("remind", {"note": "请抓紧"}), ("confirm_flags", {"flags": ["arrears"]})]
)
def test_a_stale_version_also_stops_a_reminder_and_a_flag_confirmation(api, appeals, personas, action, body):
    named, _anonymous, _sibling = appeals
    services.appeal_accept(appeal=named, accepted_by=personas.cadre)

    response = act(api, "administrator", named, action, **body, expected_version=1)

    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert named.events.filter(action__in=["reminded", "flags_confirmed"]).count() == 0


# --- the three rates ------------------------------------------------------------------------------


def test_stats_default_to_this_year_and_the_callers_top_unit(api, appeals, personas):
    named, _anonymous, _sibling = appeals
    drive(named, State.CLOSED, handler=personas.cadre)

    body = api("cadre").get("/stats").json()

    today = timezone.localdate()
    assert (body["unit_name"], body["date_from"], body["date_to"]) == (
        "炼钢厂",
        f"{today.year}-01-01",
        today.isoformat(),
    )
    assert (body["received"], body["open"], body["rated"], body["satisfied"]) == (2, 1, 1, 1)
    assert (body["response_rate"], body["resolution_rate"], body["satisfaction_rate"]) == (
        100.0,
        100.0,
        100.0,
    )


def test_stats_of_a_unit_and_period(api, appeals, company):
    whole = api("parent_cadre").get("/stats", {"unit": company.sibling.pk}).json()
    empty = api("parent_cadre").get("/stats", {"from": "2001-01-01", "to": "2001-12-31"}).json()

    assert whole["received"] == 1 and whole["unit_name"] == "轧钢厂"
    assert empty["received"] == 0 and empty["response_rate"] is None


def test_stats_outside_scope_or_without_appeals_view_answer_404(api, appeals, company):
    assert api("cadre").get("/stats", {"unit": company.sibling.pk}).status_code == 404
    assert api("worker").get("/stats").status_code == 404
    assert api("liaison").get("/stats").status_code == 404


def test_stats_with_the_end_before_the_start_answer_422_on_to(api, appeals):
    response = api("cadre").get("/stats", {"from": "2026-05-01", "to": "2026-04-01"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "query.to"


# --- following by code ----------------------------------------------------------------------------


def test_following_by_code_needs_no_login_and_shows_no_internal_steps(api, appeals, personas):
    _named, anonymous, _sibling = appeals
    services.appeal_accept(appeal=anonymous, accepted_by=personas.cadre)
    services.appeal_remind(appeal=anonymous, reminded_by=personas.administrator, note="内部催办")

    response = api().get(f"/track/{anonymous.track_code.lower()}")

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == anonymous.number and body["state"] == "accepted"
    assert body["handling_unit_name"] == "炼钢厂" and body["category"] == "生产生活条件"
    assert [(e["action"], e["actor_name"]) for e in body["events"]] == [
        ("submitted", None),
        ("accepted", "赵干部"),
    ]
    assert body["can_withdraw"] is True and body["can_rate"] is False


def test_following_by_code_shows_the_department_but_not_the_cadres_words_to_it(
    api, appeals, personas, company
):
    _named, anonymous, _sibling = appeals
    services.appeal_accept(appeal=anonymous, accepted_by=personas.cadre)
    hr = make_department(company.unit, name="后勤服务中心", handlers=[personas.outsider])
    referral = services.appeal_refer(
        appeal=anonymous, referred_by=personas.cadre, department=hr, note="请核实二号食堂排班,内部先别答复"
    )
    services.referral_answer(referral=referral, answered_by=personas.outsider, answer="排班表有误,下周调整")

    body = api().get(f"/track/{anonymous.track_code}").json()

    assert "referred" in [event["action"] for event in body["events"]]
    text = str(body)
    assert "内部先别答复" not in text and "排班表有误" not in text


def test_an_unknown_code_answers_404_everywhere(api, appeals):
    assert api().get("/track/AAAA-BBBB-CCCC").status_code == 404
    assert api().post("/track/AAAA-BBBB-CCCC/rate", {"score": "satisfied"}).status_code == 404
    assert api().post("/track/AAAA-BBBB-CCCC/supplement", {"text": "补充五个字"}).status_code == 404
    assert api().post("/track/AAAA-BBBB-CCCC/withdraw").status_code == 404


def test_the_worker_rates_by_code_and_dissatisfied_reopens_at_the_parent(api, appeals, personas):
    _named, anonymous, _sibling = appeals
    drive(anonymous, State.ANSWERED, handler=personas.cadre)
    code = anonymous.track_code

    too_early_again = api().post(f"/track/{code}/rate", {"score": "dissatisfied"})
    rated = api().post(f"/track/{code}/rate", {"score": "dissatisfied", "comment": "只修了一台空调"})
    again = api().post(f"/track/{code}/rate", {"score": "satisfied"})

    assert too_early_again.status_code == 422  # dissatisfied needs a reason
    assert rated.status_code == 200
    assert rated.json()["state"] == "accepted" and rated.json()["handling_unit_name"] == "燕钢股份公司"
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_rating_after_the_window_answers_409(api, appeals, personas):
    _named, anonymous, _sibling = appeals
    drive(anonymous, State.ANSWERED, handler=personas.cadre)

    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        response = api().post(f"/track/{anonymous.track_code}/rate", {"score": "satisfied"})

    assert response.status_code == 409
    assert response.json()["message"] == "评价期已过。"


def test_the_worker_withdraws_by_code(api, appeals):
    _named, anonymous, _sibling = appeals

    response = api().post(f"/track/{anonymous.track_code}/withdraw", {"reason": "已经自己解决了"})

    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn" and response.json()["can_withdraw"] is False
    assert api().post(f"/track/{anonymous.track_code}/withdraw").status_code == 409


def test_the_list_costs_the_same_queries_for_two_appeals_or_twenty(api, appeals, company, personas):
    cadre = api("cadre")
    cadre.get("")  # the token's first use writes its last-used time
    with CaptureQueriesContext(connection) as two:
        assert len(cadre.get("").json()["items"]) == 2
    for _ in range(18):
        make_appeal(unit=company.team, by=personas.liaison, channel="liaison", member=personas.worker.member)

    with CaptureQueriesContext(connection) as twenty:
        assert len(cadre.get("", {"page_size": 50}).json()["items"]) == 20

    assert len(twenty.captured_queries) == len(two.captured_queries) <= 5
