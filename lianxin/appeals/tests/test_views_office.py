"""The office pages: the worklist, the list with search, recording an appeal, one appeal and its steps."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, AppealEvent, Attachment, Channel, State
from lianxin.appeals.tests.factories import category, drive, make_appeal, make_department
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.members.tests.factories import make_member

WORKLIST = reverse("appeals:worklist")
LIST = reverse("appeals:list")
RECORD = reverse("appeals:record")

NIGHT_PAY = "我们班组这个月的夜班费没有按新标准发放,工资条上看不到明细,请工会帮忙问问。"
CANTEEN = "食堂晚上十点以后就没有热饭了,上夜班的工友只能吃泡面,能不能延长供应时间?"


def detail(appeal) -> str:
    return reverse("appeals:detail", args=[appeal.pk])


def act(appeal, name: str) -> str:
    return reverse("appeals:action", args=[appeal.pk, name])


def numbers(response) -> set[str]:
    return set(re.findall(r"SS-\d{4}-\d{6}", response.content.decode()))


def fresh(appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


@pytest.fixture
def appeal(company, personas):
    """A named appeal a worker of 甲班 raised; the cadres of 炼钢厂 handle it."""
    return make_appeal(unit=company.team, by=personas.worker, text=NIGHT_PAY)


@pytest.fixture
def sibling_appeal(company, personas):
    return make_appeal(unit=company.sibling_team, by=personas.outsider, text=CANTEEN, channel=Channel.HOTLINE)


@pytest.fixture
def supervisor(company):
    user = UserFactory(username="supervisor", full_name="吴督查")
    grant(user, company.secondary, "supervisor")
    return user


@pytest.fixture
def leader(company):
    user = UserFactory(username="leader", full_name="郑领导")
    grant(user, company.unit, "leader")
    return user


@pytest.fixture
def operator(company):
    user = UserFactory(username="operator", full_name="冯接线")
    grant(user, company.unit, "operator")
    return user


# --- worklist ----------------------------------------------------------------------------------


def test_cadre_worklist_shows_new_appeals_of_their_unit_with_each_tab_counted(
    login, personas, appeal, sibling_appeal
):
    response = login(personas.cadre).get(WORKLIST)

    assert response.status_code == 200
    assert numbers(response) == {appeal.number}
    counts = {code: count for code, _label, count in response.context["tabs"]}
    assert counts["new"] == 1 and counts["overdue"] == 0 and counts["mine"] == 0
    content = response.content.decode()
    assert 'id="tab-new"' in content and 'data-count="1"' in content
    assert appeal.category.name in content and "甲班" in content


def test_worklist_tabs_switch_with_htmx_and_the_fragment_holds_only_tabs_and_table(
    login, personas, appeal, htmx
):
    client = login(personas.cadre)
    drive(appeal, State.ACCEPTED, handler=personas.cadre)

    page = client.get(WORKLIST, {"tab": "mine"})
    fragment = client.get(WORKLIST, {"tab": "mine"}, **htmx)

    assert "<html" in page.content.decode() and 'id="worklist"' in page.content.decode()
    assert "<html" not in fragment.content.decode() and 'id="worklist-tabs"' in fragment.content.decode()
    assert numbers(fragment) == {appeal.number}
    assert "HX-Request" in fragment["Vary"]
    assert 'hx-get="/appeals/?tab=overdue"' in page.content.decode()
    assert numbers(client.get(WORKLIST, {"tab": "new"}, **htmx)) == set()


def test_overdue_tab_shows_the_passed_due_date_in_red(login, personas, appeal):
    Appeal.objects.filter(pk=appeal.pk).update(accept_due=timezone.now() - dt.timedelta(days=3))

    response = login(personas.cadre).get(WORKLIST, {"tab": "overdue"})

    assert numbers(response) == {appeal.number}
    assert "lx-late" in response.content.decode()
    assert {code: count for code, _label, count in response.context["tabs"]}["overdue"] == 1


def test_an_unknown_tab_falls_back_to_new(login, personas, appeal):
    response = login(personas.cadre).get(WORKLIST, {"tab": "everything"})

    assert response.context["tab"] == "new" and numbers(response) == {appeal.number}


def test_worklist_shows_flags_as_badges_and_the_assignee(login, personas, company):
    urgent = make_appeal(
        unit=company.team, by=personas.liaison, text="车间天车钢丝绳断了几股,随时可能掉下来,有人受伤危险!"
    )
    services.appeal_accept(appeal=urgent, accepted_by=personas.cadre)

    content = login(personas.cadre).get(WORKLIST, {"tab": "mine"}).content.decode()

    assert "安全紧急" in content and "赵干部" in content


def test_worklist_reads_a_constant_number_of_queries_with_30_appeals(
    login, personas, company, django_assert_max_num_queries
):
    client = login(personas.cadre)
    for n in range(3):
        make_appeal(unit=company.team, by=personas.liaison, text=f"{CANTEEN}第{n}次反映")
    with CaptureQueriesContext(connection) as few:
        client.get(WORKLIST)
    for n in range(27):
        appeal = make_appeal(unit=company.team2, by=personas.cadre, text=f"{NIGHT_PAY}编号{n}")
        if n % 3 == 0:
            services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(WORKLIST, {"tab": "new"})
    assert len(numbers(response)) == 3 + 18
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(WORKLIST, {"tab": "mine"})
    assert len(numbers(response)) == 9
    assert len(few.captured_queries) <= 15


def test_worker_may_not_open_the_worklist_and_a_liaison_is_sent_to_recording(login, personas):
    assert login(personas.worker).get(WORKLIST).status_code == 403
    response = login(personas.liaison).get(WORKLIST)
    assert response.status_code == 302 and response["Location"] == RECORD


def test_a_leader_who_may_only_view_is_sent_to_the_list(login, leader, appeal):
    response = login(leader).get(WORKLIST)

    assert response.status_code == 302 and response["Location"] == LIST


# --- the list ------------------------------------------------------------------------------------


def test_list_holds_every_appeal_in_scope_and_nothing_else(login, personas, appeal, sibling_appeal):
    assert numbers(login(personas.cadre).get(LIST)) == {appeal.number}
    assert numbers(login(personas.outsider).get(LIST)) == {sibling_appeal.number}
    assert numbers(login(personas.parent_cadre).get(LIST)) == {appeal.number, sibling_appeal.number}


def test_search_in_traditional_characters_finds_simplified_text(login, personas, appeal, company):
    other = make_appeal(unit=company.team, by=personas.worker, text=CANTEEN)
    client = login(personas.cadre)

    assert numbers(client.get(LIST, {"q": "工資條"})) == {appeal.number}
    assert numbers(client.get(LIST, {"q": "夜班費"})) == {appeal.number}
    assert numbers(client.get(LIST, {"q": "食堂"})) == {other.number}


def test_a_search_stops_counting_at_its_cap_and_says_so(login, personas, company, monkeypatch):
    from lianxin.appeals.views import office

    monkeypatch.setattr(office, "SEARCH_COUNT_CAP", 2)
    for _ in range(3):
        make_appeal(unit=company.team, by=personas.worker, text=CANTEEN)
    client = login(personas.cadre)

    searched = client.get(LIST, {"q": "食堂"}).content.decode()
    listed = client.get(LIST).content.decode()

    assert "超过 2 件诉求" in searched
    assert "共 3 件诉求" in listed  # without a search the ordinary (higher) cap applies


def test_list_without_htmx_is_the_whole_page_and_with_htmx_only_the_results(login, personas, appeal, htmx):
    client = login(personas.cadre)

    page = client.get(LIST, {"q": "工资"})
    fragment = client.get(LIST, {"q": "工资"}, **htmx)

    assert "<html" in page.content.decode() and 'id="appeal-filters"' in page.content.decode()
    assert "<html" not in fragment.content.decode() and 'id="appeal-filters"' not in fragment.content.decode()
    assert numbers(fragment) == {appeal.number}
    assert "HX-Request" in fragment["Vary"]


def test_search_box_searches_as_you_type_and_keeps_the_url(login, personas):
    content = login(personas.cadre).get(LIST).content.decode()

    assert 'hx-trigger="keyup changed delay:300ms, search"' in content
    assert 'hx-push-url="true"' in content


def test_list_filters_by_state_category_flag_kind_channel_and_overdue(login, personas, company, appeal):
    urgent = make_appeal(
        unit=company.team2,
        by=personas.cadre,
        text="车间天车钢丝绳断了几股,随时可能掉下来,有人受伤危险!",
        channel=Channel.VISIT,
        code="safety",
    )
    drive(appeal, State.ACCEPTED, handler=personas.cadre)
    Appeal.objects.filter(pk=urgent.pk).update(accept_due=timezone.now() - dt.timedelta(hours=1))
    client = login(personas.cadre)

    assert numbers(client.get(LIST, {"state": "accepted"})) == {appeal.number}
    assert numbers(client.get(LIST, {"category": "safety"})) == {urgent.number}
    assert numbers(client.get(LIST, {"flag": "safety_urgent"})) == {urgent.number}
    assert numbers(client.get(LIST, {"channel": "visit"})) == {urgent.number}
    assert numbers(client.get(LIST, {"overdue": "1"})) == {urgent.number}
    assert numbers(client.get(LIST, {"overdue": "0"})) == {appeal.number}
    assert numbers(client.get(LIST, {"unit": company.team2.pk})) == {urgent.number}
    today = timezone.localdate()
    assert numbers(client.get(LIST, {"date_from": today, "date_to": today})) == {appeal.number, urgent.number}
    assert numbers(client.get(LIST, {"date_to": today - dt.timedelta(days=1)})) == set()


def test_a_unit_outside_scope_is_an_invalid_filter_not_a_leak(login, personas, company, sibling_appeal):
    response = login(personas.cadre).get(LIST, {"unit": company.sibling.pk})

    assert response.status_code == 200
    assert sibling_appeal.number not in numbers(response)
    assert "选择一个有效的选项" in response.content.decode()


def test_worker_and_liaison_may_not_open_the_list(login, personas):
    assert login(personas.worker).get(LIST).status_code == 403
    assert login(personas.liaison).get(LIST).status_code == 403


def test_list_reads_a_constant_number_of_queries_whatever_the_page(
    login, personas, company, django_assert_max_num_queries
):
    client = login(personas.cadre)
    for n in range(2):
        make_appeal(unit=company.team, by=personas.cadre, text=f"{CANTEEN}第{n}次反映")
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(20):
        services.appeal_accept(
            appeal=make_appeal(unit=company.team, by=personas.cadre, text=f"{NIGHT_PAY}{n}"),
            accepted_by=personas.cadre,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(numbers(response)) == 22


# --- recording -----------------------------------------------------------------------------------


def record_data(company, **extra) -> dict:
    data = {
        "text": NIGHT_PAY,
        "channel": "liaison",
        "received_at": "",
        "origin_unit": company.team.pk,
        "kind": "complaint",
        "category": "",
        "contact_name": "",
        "contact_phone": "",
        "member": "",
    }
    data.update(extra)
    return data


def test_liaison_records_for_their_team_and_sees_the_number_and_follow_up_code(login, personas, company):
    client = login(personas.liaison)
    form = client.get(RECORD)
    assert form.status_code == 200
    units = form.context["form"].fields["origin_unit"].choices
    assert units == [(str(company.team.pk), "甲班")]
    assert form.context["form"]["channel"].value() == "liaison"
    assert "autofocus" in form.content.decode()

    response = client.post(RECORD, record_data(company, member=personas.worker.member.member_no))

    assert response.status_code == 302 and response["Location"] == RECORD
    appeal = Appeal.objects.get()
    assert (appeal.channel, appeal.recorded_by, appeal.member) == (
        "liaison",
        personas.liaison,
        personas.worker.member,
    )
    assert appeal.category.code == "wages"  # suggested
    shown = client.get(RECORD)
    content = shown.content.decode()
    assert appeal.number in content and 'id="track-code"' in content
    code = re.search(r'id="track-code">([A-Z0-9-]+)<', content).group(1)
    assert services.track_digest(code) == appeal.track_digest
    assert 'id="track-code"' not in client.get(RECORD).content.decode()  # shown once


def test_operator_records_a_call_with_caller_time_and_confirmed_flags(login, operator, company):
    client = login(operator)
    assert client.get(RECORD).context["form"]["channel"].value() == "hotline"
    received = timezone.localtime() - dt.timedelta(minutes=20)

    response = client.post(
        RECORD,
        record_data(
            company,
            channel="hotline",
            received_at=received.strftime("%Y-%m-%dT%H:%M"),
            contact_name="张师傅",
            contact_phone="13912345678",
            flags=["collective", "arrears"],
            category="wages",
        ),
    )

    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.contact_name == "张师傅" and appeal.contact_phone == "13912345678"
    assert appeal.flags == ["collective", "arrears"] and appeal.flags_confirmed
    assert timezone.localtime(appeal.received_at).strftime("%H:%M") == received.strftime("%H:%M")
    assert appeal.track_digest
    assert client.get(RECORD).context["form"]["channel"].value() == "hotline"


def test_no_flag_ticked_leaves_the_rules_findings_for_a_handler_to_confirm(login, personas, company):
    login(personas.cadre).post(
        RECORD,
        record_data(company, channel="visit", text="车间天车钢丝绳断了几股,随时可能掉下来,有人受伤危险!"),
    )

    appeal = Appeal.objects.get()
    assert "safety_urgent" in appeal.flags and not appeal.flags_confirmed


def test_anonymous_record_keeps_no_identity(login, personas, company):
    login(personas.liaison).post(
        RECORD,
        record_data(
            company,
            anonymous="on",
            member=personas.worker.member.member_no,
            contact_name="王小工",
            contact_phone="13912345678",
        ),
    )

    appeal = Appeal.objects.get()
    assert appeal.is_anonymous and appeal.member is None
    assert appeal.contact_name == "" and appeal.contact_phone == ""


def test_member_lookup_is_limited_to_the_recorders_scope(login, personas, company):
    stranger = make_member(company.sibling_team, "陈静", member_no="M0030001")

    response = login(personas.cadre).post(
        RECORD, record_data(company, channel="visit", member=stranger.member_no)
    )

    assert response.status_code == 422
    assert "没有找到这名会员" in response.content.decode()
    assert not Appeal.objects.exists()


def test_several_members_found_ask_for_the_member_number(login, personas, company):
    make_member(company.team, "张伟", member_no="M0012345")
    make_member(company.team2, "张伟", member_no="M0012346")

    response = login(personas.cadre).post(RECORD, record_data(company, channel="visit", member="张伟"))

    assert response.status_code == 422
    assert "M0012345" in response.content.decode() and "请输入会员号" in response.content.decode()


def test_a_member_outside_the_chosen_unit_is_refused_on_the_member_field(login, personas, company):
    other = make_member(company.team2, "李娜", member_no="M0020001")

    response = login(personas.cadre).post(
        RECORD, record_data(company, channel="visit", member=other.member_no)
    )

    assert response.status_code == 422
    assert response.context["form"].errors["member"] == ["诉求人不在所选单位。"]


def test_too_short_text_is_shown_on_the_field(login, personas, company):
    response = login(personas.liaison).post(RECORD, record_data(company, text="工资"))

    assert response.status_code == 422
    assert "text" in response.context["form"].errors
    assert not Appeal.objects.exists()


def test_a_unit_outside_the_recorders_scope_cannot_be_chosen(login, personas, company):
    response = login(personas.liaison).post(RECORD, record_data(company, origin_unit=company.team2.pk))

    assert response.status_code == 422 and not Appeal.objects.exists()


def test_worker_may_not_record(login, personas):
    assert login(personas.worker).get(RECORD).status_code == 403


# --- one appeal ----------------------------------------------------------------------------------


def test_detail_shows_the_header_text_deadlines_and_masked_phone(login, personas, company):
    appeal = make_appeal(
        unit=company.team,
        by=personas.liaison,
        text=NIGHT_PAY,
        channel=Channel.LIAISON,
        member=personas.worker.member,
        contact_phone="13912345678",
    )

    response = login(personas.cadre).get(detail(appeal))

    content = response.content.decode()
    assert response.status_code == 200
    assert appeal.number in content and NIGHT_PAY in content and "待受理" in content
    assert "王小工" in content and "139****5678" in content and "13912345678" not in content
    assert "由李联络代为登记" in content
    assert timezone.localtime(appeal.accept_due).strftime("%Y-%m-%d %H:%M") in content
    assert 'id="step-accept"' in content and 'id="step-answer"' not in content


def test_anonymous_appeal_detail_never_shows_who_raised_it(login, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker, text=NIGHT_PAY, anonymous=True)
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    services.appeal_request_info(appeal=appeal, requested_by=personas.cadre, question="是哪个月?")
    services.appeal_provide_info(appeal=appeal, provided_by=personas.worker, text="是上个月的夜班费")
    services.appeal_answer(appeal=appeal, answered_by=personas.cadre, answer="已补发上个月的夜班费")
    services.appeal_rate(appeal=appeal, score="satisfied", rated_by=personas.worker)

    content = login(personas.parent_cadre).get(detail(appeal)).content.decode()

    assert "匿名" in content
    assert "王小工" not in content
    assert personas.worker.username not in re.sub(r"appeals:|/appeals/", "", content)
    assert personas.worker.member.member_no not in content


def test_a_worker_step_that_names_its_actor_is_still_shown_as_anonymous(login, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker, text=NIGHT_PAY, anonymous=True)
    AppealEvent.objects.create(
        appeal=appeal, action=AppealEvent.Action.INFO_PROVIDED, actor=personas.worker, unit=company.unit
    )

    response = login(personas.cadre).get(detail(appeal))

    assert "王小工" not in response.content.decode()
    assert response.context["events"][-1].actor_name == "匿名职工"


def test_overdue_appeal_says_how_many_working_days_late(login, personas, appeal):
    Appeal.objects.filter(pk=appeal.pk).update(accept_due=timezone.now() - dt.timedelta(days=10))

    content = login(personas.cadre).get(detail(appeal)).content.decode()

    assert re.search(r"已超期 \d+ 个工作日", content)


def test_waiting_for_the_worker_shows_the_paused_notice(login, personas, appeal):
    services.appeal_request_info(appeal=appeal, requested_by=personas.cadre, question="请说明是哪个月")

    content = login(personas.cadre).get(detail(appeal)).content.decode()

    assert 'id="paused-notice"' in content and 'id="step-request_info"' not in content


def test_detail_shows_referrals_with_answers_and_the_timeline(login, personas, company, appeal):
    hr = make_department(company.unit, handlers=[personas.outsider])
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    referral = services.appeal_refer(appeal=appeal, referred_by=personas.cadre, department=hr, note="请核实")
    services.referral_answer(referral=referral, answered_by=personas.outsider, answer="已补发夜班费")

    content = login(personas.cadre).get(detail(appeal)).content.decode()

    assert "人力资源部" in content and "已补发夜班费" in content and "请核实" in content
    timeline = content[content.index('id="appeal-timeline"') :]
    assert (
        timeline.index("提交")
        < timeline.index("受理")
        < timeline.index("转办部门")
        < timeline.index("部门回复")
    )


def test_detail_links_attachments_through_the_guarded_view(login, personas, appeal, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Attachment.objects.create(
        appeal=appeal,
        token="t0k3n" * 4,
        extension=".jpg",
        file=SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff", content_type="image/jpeg"),
        original_name="空调照片.jpg",
        content_type="image/jpeg",
        size=3,
    )

    content = login(personas.cadre).get(detail(appeal)).content.decode()

    assert reverse("appeals:attachment", args=["t0k3n" * 4]) in content and "空调照片.jpg" in content


def test_similar_open_appeals_are_shown_and_merged_with_one_button(login, personas, company, appeal):
    twin = make_appeal(unit=company.team2, by=personas.cadre, text=NIGHT_PAY + "!")
    client = login(personas.cadre)

    content = client.get(detail(twin)).content.decode()
    assert 'id="appeal-similar"' in content and appeal.number in content

    response = client.post(act(twin, "merge"), {"expected_version": twin.version, "into": appeal.number})

    assert response.status_code == 302
    twin = fresh(twin)
    assert twin.state == State.MERGED and twin.merged_into == appeal
    assert twin.number in client.get(detail(appeal)).content.decode()


def test_similar_appeals_outside_scope_are_not_shown(login, personas, company):
    mine = make_appeal(unit=company.team, by=personas.cadre, text=NIGHT_PAY)
    make_appeal(unit=company.sibling_team, by=personas.outsider, text=NIGHT_PAY, channel=Channel.HOTLINE)

    response = login(personas.cadre).get(detail(mine))

    assert response.context["similar"] == []


def test_outsider_gets_404_for_the_appeal_and_its_steps(login, personas, appeal):
    client = login(personas.outsider)

    assert client.get(detail(appeal)).status_code == 404
    assert client.get(act(appeal, "accept")).status_code == 404
    assert client.post(act(appeal, "accept"), {"expected_version": appeal.version}).status_code == 404
    assert fresh(appeal).state == State.SUBMITTED


def test_a_leader_sees_the_appeal_but_no_step_and_may_take_none(login, leader, appeal):
    client = login(leader)

    response = client.get(detail(appeal))
    assert response.status_code == 200 and response.context["steps"] == []
    assert client.post(act(appeal, "accept"), {"expected_version": appeal.version}).status_code == 403
    assert fresh(appeal).state == State.SUBMITTED


def test_an_unknown_step_is_404(login, personas, appeal):
    assert login(personas.cadre).post(act(appeal, "explode"), {"expected_version": 1}).status_code == 404


def test_get_on_a_step_goes_back_to_the_appeal(login, personas, appeal):
    response = login(personas.cadre).get(act(appeal, "answer"))

    assert response.status_code == 302 and response["Location"] == detail(appeal) + "#step-answer"


# --- each step through the page ------------------------------------------------------------------


def _accepted(appeal, personas):
    return drive(appeal, State.ACCEPTED, handler=personas.cadre)


def _in_progress(appeal, personas):
    return drive(appeal, State.IN_PROGRESS, handler=personas.cadre)


def _as_is(appeal, personas):
    return appeal


STEPS = [
    ("accept", _as_is, {"note": "收到"}, lambda a: a.state == State.ACCEPTED),
    (
        "request_info",
        _accepted,
        {"note": "请说明是哪个月"},
        lambda a: a.paused_at is not None and a.state == State.ACCEPTED,
    ),
    ("deliberate", _accepted, {"note": "上会"}, lambda a: a.state == State.DELIBERATING),
    ("start", _accepted, {}, lambda a: a.state == State.IN_PROGRESS),
    ("extend", _in_progress, {"note": "需要财务核算三个月"}, lambda a: a.extended),
    ("answer", _in_progress, {"answer": "已补发夜班费"}, lambda a: a.state == State.ANSWERED),
    ("reject", _as_is, {"note": "不属于工会受理范围"}, lambda a: a.state == State.REJECTED),
    ("flags", _as_is, {"flags": ["arrears"], "category": "wages"}, lambda a: a.flags == ["arrears"]),
]


@pytest.mark.parametrize("name,prepare,data,moved", STEPS, ids=[s[0] for s in STEPS])
def test_each_step_through_the_page_moves_the_appeal(login, personas, appeal, name, prepare, data, moved):
    appeal = prepare(appeal, personas)
    client = login(personas.cadre)
    assert f'id="step-{name}"' in client.get(detail(appeal)).content.decode()

    response = client.post(act(appeal, name), {"expected_version": appeal.version, **data})

    assert response.status_code == 302 and response["Location"] == detail(appeal)
    assert moved(fresh(appeal))
    assert "alert-success" in client.get(detail(appeal)).content.decode()


def test_assign_offers_the_people_who_handle_there_and_assigns(login, personas, appeal):
    appeal = _accepted(appeal, personas)
    client = login(personas.cadre)
    form = next(
        step["form"] for step in client.get(detail(appeal)).context["steps"] if step["name"] == "assign"
    )
    offered = {label for _value, label in form.fields["assignee"].choices}
    assert {"赵干部", "钱主任"} <= offered and "孙外人" not in offered and "王小工" not in offered

    client.post(
        act(appeal, "assign"), {"expected_version": appeal.version, "assignee": personas.parent_cadre.pk}
    )

    assert fresh(appeal).assignee == personas.parent_cadre


def test_refer_sends_it_to_a_department(login, personas, company, appeal):
    appeal = _accepted(appeal, personas)
    hr = make_department(company.unit, handlers=[personas.outsider])

    login(personas.cadre).post(
        act(appeal, "refer"), {"expected_version": appeal.version, "department": hr.pk}
    )

    appeal = fresh(appeal)
    assert appeal.state == State.IN_PROGRESS and appeal.referrals.get().department == hr


def test_flags_step_changes_the_category(login, personas, appeal):
    login(personas.cadre).post(
        act(appeal, "flags"), {"expected_version": appeal.version, "flags": [], "category": "safety"}
    )

    appeal = fresh(appeal)
    assert appeal.category == category("safety") and appeal.flags_confirmed


@pytest.mark.parametrize("name,action", [("remind", "reminded"), ("supervise", "supervised")])
def test_a_supervisor_reminds_and_orders_on_the_record(login, supervisor, appeal, name, action):
    response = login(supervisor).post(
        act(appeal, name), {"expected_version": appeal.version, "note": "请本周内答复"}
    )

    assert response.status_code == 302
    assert appeal.events.filter(action=action, actor=supervisor).exists()


def test_a_cadre_without_supervision_may_not_remind(login, personas, appeal):
    response = login(personas.cadre).post(act(appeal, "remind"), {"expected_version": appeal.version})

    assert response.status_code == 403
    assert not appeal.events.filter(action=AppealEvent.Action.REMINDED).exists()


def test_step_forms_follow_the_state(login, personas, appeal):
    client = login(personas.cadre)
    names = lambda: {step["name"] for step in client.get(detail(appeal)).context["steps"]}  # noqa: E731

    assert {"accept", "reject", "merge", "flags"} <= names() and "answer" not in names()
    drive(appeal, State.ANSWERED, handler=personas.cadre)
    assert names() == {"flags"}


def test_a_stale_version_says_someone_else_acted_first(login, personas, appeal):
    stale = appeal.version
    services.appeal_accept(appeal=appeal, accepted_by=personas.parent_cadre)
    client = login(personas.cadre)

    response = client.post(act(appeal, "reject"), {"expected_version": stale, "note": "不属于受理范围"})

    assert response.status_code == 302 and response["Location"] == detail(appeal)
    assert "已被他人更新" in client.get(detail(appeal)).content.decode()
    assert fresh(appeal).state == State.ACCEPTED


def test_a_stale_version_is_409_for_htmx_with_the_message(login, personas, appeal, htmx):
    stale = appeal.version
    services.appeal_accept(appeal=appeal, accepted_by=personas.parent_cadre)

    response = login(personas.cadre).post(act(appeal, "accept"), {"expected_version": stale}, **htmx)

    assert response.status_code == 409
    assert "已被他人更新" in response.content.decode()
    assert response["HX-Retarget"] == "#appeal-alerts"


def test_a_stale_version_also_guards_flags_and_reminders(login, personas, supervisor, appeal):
    stale = appeal.version
    services.appeal_accept(appeal=appeal, accepted_by=personas.parent_cadre)

    login(personas.cadre).post(act(appeal, "flags"), {"expected_version": stale, "category": "safety"})
    login(supervisor).post(act(appeal, "remind"), {"expected_version": stale})

    assert fresh(appeal).category.code != "safety"
    assert not appeal.events.filter(action=AppealEvent.Action.REMINDED).exists()


def test_htmx_step_success_redirects_the_page(login, personas, appeal, htmx):
    response = login(personas.cadre).post(act(appeal, "accept"), {"expected_version": appeal.version}, **htmx)

    assert response.status_code == 204 and response["HX-Redirect"] == detail(appeal)
    assert fresh(appeal).state == State.ACCEPTED


def test_a_service_refusal_is_shown_on_the_field(login, personas, appeal):
    response = login(personas.cadre).post(
        act(appeal, "reject"), {"expected_version": appeal.version, "note": "不行"}
    )

    assert response.status_code == 422
    form = next(step["form"] for step in response.context["steps"] if step["name"] == "reject")
    assert form.errors["note"] == ["不予受理须写明职工能看到的理由。"]
    assert 'id="step-reject" open' in response.content.decode()
    assert fresh(appeal).state == State.SUBMITTED


def test_a_missing_field_with_htmx_returns_the_step_forms_with_errors(login, personas, appeal, htmx):
    appeal = _in_progress(appeal, personas)

    response = login(personas.cadre).post(act(appeal, "answer"), {"expected_version": appeal.version}, **htmx)

    assert response.status_code == 422
    content = response.content.decode()
    assert content.startswith('<div id="appeal-actions">') and "invalid-feedback" in content


def test_merging_into_an_unknown_number_is_a_field_error(login, personas, appeal):
    response = login(personas.cadre).post(
        act(appeal, "merge"), {"expected_version": appeal.version, "into": "SS-1999-000001"}
    )

    assert response.status_code == 422 and "找不到编号为 SS-1999-000001 的诉求" in response.content.decode()


def test_merging_into_an_appeal_outside_scope_is_not_possible(login, personas, appeal, sibling_appeal):
    response = login(personas.cadre).post(
        act(appeal, "merge"), {"expected_version": appeal.version, "into": sibling_appeal.number}
    )

    assert response.status_code == 422 and fresh(appeal).state == State.SUBMITTED


def test_detail_reads_a_bounded_number_of_queries(
    login, personas, company, appeal, django_assert_max_num_queries
):
    hr = make_department(company.unit, handlers=[personas.outsider])
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    referral = services.appeal_refer(appeal=appeal, referred_by=personas.cadre, department=hr)
    services.referral_answer(referral=referral, answered_by=personas.outsider, answer="已办")
    for n in range(2):
        department = make_department(company.unit, name=f"部门{n}")
        services.appeal_refer(appeal=appeal, referred_by=personas.cadre, department=department)
    client = login(personas.cadre)
    with CaptureQueriesContext(connection) as first:
        client.get(detail(appeal))
    for n in range(5):
        services.appeal_remind(appeal=appeal, reminded_by=personas.administrator, note=f"催办{n}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(detail(appeal))
