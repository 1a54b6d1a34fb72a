"""The committee pages: referrals for department handlers, deliberation meetings, supervision,
the three rates and publishing an answer. Who may, who may not, who gets 404, and what each
step leaves on the record."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianxin.appeals import services
from lianxin.appeals.models import (
    Appeal,
    AppealEvent,
    Channel,
    Kind,
    Meeting,
    MeetingItem,
    PublicAnswer,
    Referral,
    State,
)
from lianxin.appeals.tests.factories import drive, make_appeal, make_department
from lianxin.core.models import Notification
from lianxin.core.tests.factories import UserFactory, grant

CST = dt.timezone(dt.timedelta(hours=8))
REFERRALS = reverse("appeals:referrals")
MEETINGS = reverse("appeals:meetings")
MEETING_NEW = reverse("appeals:meeting_new")
SUPERVISION = reverse("appeals:supervision")
STATS = reverse("appeals:stats")

NIGHT_PAY = "我们班组这个月的夜班费没有按新标准发放,工资条上看不到明细,请工会帮忙问问人力资源部。"
CANTEEN = "食堂晚上十点以后就没有热饭了,上夜班的工友只能吃泡面,能不能延长供应时间?"


def fresh(appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


@pytest.fixture
def handler(company):
    """A department handler of 炼钢厂's HR department: no appeals capability at all."""
    user = UserFactory(username="handler", full_name="吴经办")
    grant(user, company.unit, "handler")
    return user


@pytest.fixture
def hr(company, handler):
    return make_department(company.unit, name="人力资源部", handlers=[handler])


@pytest.fixture
def supervisor(company):
    user = UserFactory(username="supervisor", full_name="郑督查")
    grant(user, company.secondary, "supervisor")
    return user


@pytest.fixture
def deliberating(company, personas):
    """An anonymous appeal of 甲班, accepted by 炼钢厂 and sent to deliberation."""
    appeal = make_appeal(unit=company.team, by=personas.worker, text=NIGHT_PAY, anonymous=True)
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    services.appeal_send_to_deliberation(appeal=appeal, sent_by=personas.cadre)
    return fresh(appeal)


def referred(appeal, personas, department, note="请核实夜班费标准") -> Referral:
    return services.appeal_refer(appeal=appeal, referred_by=personas.cadre, department=department, note=note)


# --- referrals -----------------------------------------------------------------------------------


def test_handler_sees_only_the_referrals_of_their_departments_open_first(
    login, company, personas, handler, hr
):
    safety = make_department(company.unit, name="安全环保部", kind="safety", handlers=[personas.outsider])
    answered = make_appeal(unit=company.team, by=personas.worker, text=CANTEEN)
    drive(answered, State.ACCEPTED, handler=personas.cadre)
    done = referred(answered, personas, hr)
    services.referral_answer(referral=done, answered_by=handler, answer="已延长供应到凌晨一点")
    waiting = make_appeal(unit=company.team, by=personas.worker, text=NIGHT_PAY)
    drive(waiting, State.ACCEPTED, handler=personas.cadre)
    open_one = referred(waiting, personas, hr)
    other = make_appeal(unit=company.team2, by=personas.cadre, text="乙班更衣柜不够用,新员工没有柜子放衣物。")
    drive(other, State.ACCEPTED, handler=personas.cadre)
    referred(other, personas, safety)

    response = login(handler).get(REFERRALS)

    assert response.status_code == 200
    shown = [referral.pk for referral in response.context["page"].object_list]
    assert shown == [open_one.pk, done.pk]
    assert "乙班更衣柜" not in response.content.decode()


def test_referral_list_reads_a_fixed_number_of_queries_however_many_rows(
    login, company, personas, handler, hr
):
    def queries() -> int:
        client = login(handler)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(REFERRALS).status_code == 200
        return len(captured)

    def refer_one(text):
        appeal = make_appeal(unit=company.team, by=personas.worker, text=text)
        drive(appeal, State.ACCEPTED, handler=personas.cadre)
        referred(appeal, personas, hr)

    refer_one(NIGHT_PAY)
    queries()  # warms the calendar cache
    few = queries()
    for n in range(4):
        refer_one(f"{CANTEEN}(第{n}次反映)")

    assert queries() == few


def test_referral_list_with_htmx_is_only_the_results_and_can_show_the_open_ones(
    login, company, personas, handler, hr, htmx
):
    appeal = make_appeal(unit=company.team, by=personas.worker, text=NIGHT_PAY)
    drive(appeal, State.ACCEPTED, handler=personas.cadre)
    done = referred(appeal, personas, hr)
    services.referral_answer(referral=done, answered_by=handler, answer="已补发")
    client = login(handler)

    fragment = client.get(REFERRALS, {"show": "open"}, **htmx)
    page = client.get(REFERRALS)

    assert "<html" not in fragment.content.decode() and "referral-table" in fragment.content.decode()
    assert list(fragment.context["page"].object_list) == []
    assert "<html" in page.content.decode() and appeal.title in page.content.decode()


def test_referral_page_shows_the_appeal_and_the_note_but_never_who_raised_an_anonymous_one(
    login, company, personas, handler, hr, deliberating
):
    referral = referred(deliberating, personas, hr)

    response = login(handler).get(reverse("appeals:referral", args=[referral.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert NIGHT_PAY in content and "请核实夜班费标准" in content and "匿名" in content
    assert "王小工" not in content and personas.worker.username not in content


def test_referral_page_names_the_worker_of_a_named_appeal(login, company, personas, handler, hr):
    appeal = make_appeal(unit=company.team, by=personas.worker, text=NIGHT_PAY)
    drive(appeal, State.ACCEPTED, handler=personas.cadre)
    referral = referred(appeal, personas, hr)

    content = login(handler).get(reverse("appeals:referral", args=[referral.pk])).content.decode()

    assert "王小工" in content


def test_referrals_of_other_departments_are_404_even_for_the_cadre(login, company, personas, handler, hr):
    appeal = make_appeal(unit=company.team, by=personas.worker, text=NIGHT_PAY)
    drive(appeal, State.ACCEPTED, handler=personas.cadre)
    referral = referred(appeal, personas, hr)
    url = reverse("appeals:referral", args=[referral.pk])

    for user in (personas.cadre, personas.outsider, personas.worker, personas.administrator):
        assert login(user).get(url).status_code == 404
        assert login(user).post(url, {"answer": "冒名回复"}).status_code == 404
    assert Referral.objects.get(pk=referral.pk).answered_at is None


def test_handler_cannot_open_the_appeal_office_page(login, company, personas, handler, hr, deliberating):
    referred(deliberating, personas, hr)

    client = login(handler)

    assert client.get(reverse("appeals:detail", args=[deliberating.pk])).status_code == 404
    assert client.get(reverse("appeals:list")).status_code == 403


def test_handler_answers_a_referral_on_the_record(
    login, company, personas, handler, hr, deliberating, django_capture_on_commit_callbacks
):
    referral = referred(deliberating, personas, hr)
    url = reverse("appeals:referral", args=[referral.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = login(handler).post(url, {"answer": "经核实,三月夜班费已按新标准补发。"})

    assert response.status_code == 302 and response["Location"] == url
    referral.refresh_from_db()
    assert referral.answer == "经核实,三月夜班费已按新标准补发。" and referral.answered_by == handler
    event = deliberating.events.get(action=AppealEvent.Action.REFERRAL_ANSWERED)
    assert event.actor == handler
    assert Notification.objects.filter(user=personas.cadre, title__contains="人力资源部已回复").exists()
    page = login(handler).get(url).content.decode()
    assert "三月夜班费已按新标准补发" in page and 'name="answer"' not in page


def test_empty_referral_answer_shows_the_error_on_the_page_and_in_the_fragment(
    login, company, personas, handler, hr, deliberating, htmx
):
    referral = referred(deliberating, personas, hr)
    url = reverse("appeals:referral", args=[referral.pk])
    client = login(handler)

    page = client.post(url, {"answer": ""})
    fragment = client.post(url, {"answer": ""}, **htmx)

    assert page.status_code == 422 and "<html" in page.content.decode()
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "is-invalid" in fragment.content.decode()
    assert Referral.objects.get(pk=referral.pk).answered_at is None


def test_a_second_answer_is_a_conflict(login, company, personas, handler, hr, deliberating):
    referral = referred(deliberating, personas, hr)
    services.referral_answer(referral=referral, answered_by=handler, answer="已补发")
    second = UserFactory(username="handler2")
    hr.handlers.add(second)

    response = login(second).post(reverse("appeals:referral", args=[referral.pk]), {"answer": "再答一次"})

    content = response.content.decode()
    assert response.status_code == 409 and "这件转办已经回复过了" in content and "已补发" in content
    assert Referral.objects.get(pk=referral.pk).answer == "已补发"


# --- meetings ------------------------------------------------------------------------------------


def test_meeting_agenda_offers_deliberating_and_accepted_appeals_of_the_unit_only(
    login, company, personas, deliberating
):
    accepted = make_appeal(
        unit=company.team2, by=personas.cadre, text="乙班更衣柜不够用,新员工没有柜子放衣物。"
    )
    drive(accepted, State.ACCEPTED, handler=personas.cadre)
    new = make_appeal(unit=company.team, by=personas.worker, text=CANTEEN)
    sibling = make_appeal(
        unit=company.sibling_team, by=personas.outsider, text="热轧车间澡堂热水不够,下班排长队。"
    )
    drive(sibling, State.ACCEPTED, handler=personas.outsider)

    response = login(personas.cadre).get(MEETING_NEW)

    offered = [appeal.pk for appeal in response.context["candidates"]]
    assert offered == [deliberating.pk, accepted.pk]  # deliberating first
    assert new.pk not in offered and sibling.pk not in offered


def test_changing_the_unit_reloads_only_the_agenda(login, company, personas, deliberating, htmx):
    client = login(personas.parent_cadre)

    fragment = client.get(MEETING_NEW, {"unit": company.sibling.pk}, **htmx)
    own = client.get(MEETING_NEW, {"unit": company.unit.pk}, **htmx)

    assert "<html" not in fragment.content.decode() and "agenda-empty" in fragment.content.decode()
    assert deliberating.number in own.content.decode()
    assert login(personas.cadre).get(MEETING_NEW, {"unit": company.sibling.pk}, **htmx).status_code == 404


def test_cadre_holds_a_meeting_with_an_agenda(login, company, personas, deliberating):
    response = login(personas.cadre).post(
        MEETING_NEW,
        {
            "unit": company.unit.pk,
            "held_at": "2026-03-10T14:30",
            "place": "炼钢厂工会会议室",
            "attendees": "赵干部、钱主任、职工代表李师傅",
            "minutes": "会议听取了夜班费问题的情况汇报。",
            "appeals": [deliberating.pk],
        },
    )

    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "appeals:meeting", args=[meeting.pk]
    )
    assert meeting.unit == company.unit and meeting.place == "炼钢厂工会会议室"
    assert dt.datetime(2026, 3, 10, 14, 30, tzinfo=CST) == meeting.held_at
    assert list(meeting.items.values_list("appeal_id", flat=True)) == [deliberating.pk]


def test_meeting_form_without_attendees_is_refused_with_the_error_on_the_field(
    login, company, personas, deliberating
):
    response = login(personas.cadre).post(
        MEETING_NEW, {"unit": company.unit.pk, "held_at": "2026-03-10T14:30", "attendees": ""}
    )

    assert response.status_code == 422 and "is-invalid" in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_unit_outside_the_deliberation_scope_is_not_accepted(login, company, personas):
    response = login(personas.cadre).post(
        MEETING_NEW, {"unit": company.sibling.pk, "held_at": "2026-03-10T14:30", "attendees": "赵干部"}
    )

    assert response.status_code == 422 and not Meeting.objects.exists()


@pytest.fixture
def meeting(company, personas, deliberating):
    return services.meeting_create(
        unit=company.unit,
        created_by=personas.cadre,
        held_at=dt.datetime(2026, 3, 10, 14, 30, tzinfo=CST),
        attendees="赵干部、钱主任",
        place="工会会议室",
        minutes="研究夜班费问题。",
        appeals=[deliberating],
    )


def test_meeting_decision_refers_and_the_department_handler_answers(
    login, company, personas, handler, hr, meeting, deliberating, django_capture_on_commit_callbacks
):
    item = meeting.items.get()
    prefix = f"item{item.pk}"

    with django_capture_on_commit_callbacks(execute=True):
        response = login(personas.cadre).post(
            reverse("appeals:meeting", args=[meeting.pk]),
            {
                "item": item.pk,
                f"{prefix}-decision": "refer",
                f"{prefix}-department": hr.pk,
                f"{prefix}-note": "转人力资源部核实补发",
            },
        )

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.decision, item.department, item.note) == ("refer", hr, "转人力资源部核实补发")
    appeal = fresh(deliberating)
    assert appeal.state == State.IN_PROGRESS
    actions = list(appeal.events.values_list("action", flat=True))
    assert actions[-2:] == ["decided", "referred"]
    referral = Referral.objects.get(appeal=appeal, department=hr)
    assert Notification.objects.filter(
        user=handler, url=reverse("appeals:referral", args=[referral.pk])
    ).exists()

    client = login(handler)
    assert [r.pk for r in client.get(REFERRALS).context["page"].object_list] == [referral.pk]
    client.post(reverse("appeals:referral", args=[referral.pk]), {"answer": "已核实,三月起按新标准补发。"})
    assert fresh(appeal).events.filter(action="referral_answered", actor=handler).exists()


def test_meeting_page_is_the_minutes_with_a_decision_form_per_open_item(login, personas, meeting, hr):
    response = login(personas.cadre).get(reverse("appeals:meeting", args=[meeting.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "炼钢厂工会集中议事会会议纪要" in content and "赵干部、钱主任" in content
    assert "研究夜班费问题。" in content and "@media print" in content
    assert content.count('name="item"') == 1 and "人力资源部" in content


def test_deciding_with_htmx_answers_the_item_row_only(login, personas, meeting, deliberating, htmx):
    item = meeting.items.get()
    prefix = f"item{item.pk}"

    response = login(personas.cadre).post(
        reverse("appeals:meeting", args=[meeting.pk]),
        {"item": item.pk, f"{prefix}-decision": "self", f"{prefix}-note": "工会牵头协调"},
        **htmx,
    )

    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content and f'id="item-{item.pk}"' in content
    assert "工会自办" in content
    assert fresh(deliberating).state == State.IN_PROGRESS


def test_answering_directly_needs_the_agreed_text(login, personas, meeting, deliberating, htmx):
    item = meeting.items.get()
    prefix = f"item{item.pk}"
    url = reverse("appeals:meeting", args=[meeting.pk])
    client = login(personas.cadre)

    page = client.post(url, {"item": item.pk, f"{prefix}-decision": "answer", f"{prefix}-note": ""})
    fragment = client.post(
        url, {"item": item.pk, f"{prefix}-decision": "answer", f"{prefix}-note": ""}, **htmx
    )

    assert page.status_code == 422 and fragment.status_code == 200
    assert "is-invalid" in fragment.content.decode()
    assert MeetingItem.objects.get(pk=item.pk).decision == ""
    assert fresh(deliberating).state == State.DELIBERATING


def test_answering_directly_answers_the_worker(login, personas, meeting, deliberating):
    item = meeting.items.get()
    prefix = f"item{item.pk}"

    login(personas.cadre).post(
        reverse("appeals:meeting", args=[meeting.pk]),
        {
            "item": item.pk,
            f"{prefix}-decision": "answer",
            f"{prefix}-note": "经议定,夜班费按新标准执行并补发。",
        },
    )

    appeal = fresh(deliberating)
    assert appeal.state == State.ANSWERED and appeal.answer == "经议定,夜班费按新标准执行并补发。"


def test_rejecting_at_the_meeting_rejects_with_the_reason_the_worker_sees(
    login, personas, meeting, deliberating
):
    item = meeting.items.get()
    prefix = f"item{item.pk}"

    login(personas.cadre).post(
        reverse("appeals:meeting", args=[meeting.pk]),
        {
            "item": item.pk,
            f"{prefix}-decision": "reject",
            f"{prefix}-note": "不属于工会受理范围,已告知投诉渠道。",
        },
    )

    appeal = fresh(deliberating)
    assert appeal.state == State.REJECTED and appeal.reject_reason == "不属于工会受理范围,已告知投诉渠道。"
    assert MeetingItem.objects.get(pk=item.pk).decision == "reject"


def test_referring_without_a_department_is_refused_on_the_field(login, personas, meeting, deliberating, hr):
    item = meeting.items.get()
    prefix = f"item{item.pk}"

    response = login(personas.cadre).post(
        reverse("appeals:meeting", args=[meeting.pk]),
        {"item": item.pk, f"{prefix}-decision": "refer", f"{prefix}-department": ""},
    )

    assert response.status_code == 422 and "转部门办理须选择部门" in response.content.decode()
    assert fresh(deliberating).state == State.DELIBERATING


def test_a_decided_item_cannot_be_decided_again(login, personas, meeting, deliberating):
    item = meeting.items.get()
    services.meeting_decide(item=item, decided_by=personas.cadre, decision="self", note="自办")
    prefix = f"item{item.pk}"

    response = login(personas.cadre).post(
        reverse("appeals:meeting", args=[meeting.pk]),
        {"item": item.pk, f"{prefix}-decision": "answer", f"{prefix}-note": "另行答复职工。"},
    )

    assert response.status_code == 409
    assert MeetingItem.objects.get(pk=item.pk).decision == "self"


def test_outsider_and_worker_get_404_for_the_meeting_and_cannot_decide(login, personas, meeting):
    url = reverse("appeals:meeting", args=[meeting.pk])
    item = meeting.items.get()

    for user in (personas.outsider, personas.worker, personas.liaison):
        assert login(user).get(url).status_code == 404
        assert login(user).post(url, {"item": item.pk, f"item{item.pk}-decision": "self"}).status_code == 404
    assert MeetingItem.objects.get(pk=item.pk).decision == ""


def test_meeting_list_shows_the_meetings_in_scope(login, personas, meeting):
    assert meeting.pk in [
        m.pk for m in login(personas.parent_cadre).get(MEETINGS).context["page"].object_list
    ]
    assert list(login(personas.outsider).get(MEETINGS).context["page"].object_list) == []
    assert login(personas.worker).get(MEETINGS).status_code == 403


# --- supervision ---------------------------------------------------------------------------------


@pytest.fixture
def overdue(company, personas):
    """Accepted on 2 March 2026, answer due 9 March; it is now 12 March (3 working days late)."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST)):
        appeal = make_appeal(unit=company.team, by=personas.worker, text=NIGHT_PAY)
        drive(appeal, State.ACCEPTED, handler=personas.cadre)
    return fresh(appeal)


def test_supervisor_sees_overdue_and_reopened_appeals_with_working_days_late(
    login, company, personas, supervisor, overdue
):
    with time_machine.travel(dt.datetime(2026, 3, 5, 9, 0, tzinfo=CST)):
        reopened = make_appeal(unit=company.team2, by=personas.cadre, text=CANTEEN)
        drive(reopened, State.ANSWERED, handler=personas.cadre)
        services.appeal_rate(appeal=reopened, score="dissatisfied", comment="还是没有热饭")
        on_time = make_appeal(
            unit=company.team, by=personas.worker, text="更衣室的灯坏了三盏,晚上换衣服看不清。"
        )
        drive(on_time, State.ACCEPTED, handler=personas.cadre)

    with time_machine.travel(dt.datetime(2026, 3, 12, 10, 0, tzinfo=CST)):
        response = login(supervisor).get(SUPERVISION)

    rows = {row.appeal.pk: row for row in response.context["rows"]}
    assert set(rows) == {overdue.pk, reopened.pk}
    assert rows[overdue.pk].late_days == 3
    assert rows[overdue.pk].due == overdue.answer_due
    assert "重办" in response.content.decode()


def test_supervision_page_reads_a_fixed_number_of_queries_however_many_rows(
    login, company, personas, supervisor, overdue
):
    def queries() -> int:
        client = login(supervisor)
        now = time_machine.travel(dt.datetime(2026, 3, 12, 10, 0, tzinfo=CST))
        with now, CaptureQueriesContext(connection) as captured:
            assert client.get(SUPERVISION).status_code == 200
        return len(captured)

    queries()  # warms the calendar cache
    few = queries()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST)):
        for n in range(4):
            late = make_appeal(unit=company.team2, by=personas.cadre, text=f"{CANTEEN}(第{n}次反映)")
            drive(late, State.ACCEPTED, handler=personas.cadre)
            services.appeal_remind(appeal=late, reminded_by=supervisor, note="请尽快办理")

    assert queries() == few


def test_cadre_without_supervise_is_refused_the_supervision_page(login, personas, overdue):
    assert login(personas.cadre).get(SUPERVISION).status_code == 403
    assert login(personas.cadre).post(reverse("appeals:remind", args=[overdue.pk])).status_code == 403


def test_reminder_writes_an_event_and_tells_the_handlers(
    login, personas, supervisor, overdue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(supervisor).post(reverse("appeals:remind", args=[overdue.pk]))

    assert response.status_code == 302 and response["Location"] == SUPERVISION
    event = overdue.events.get(action=AppealEvent.Action.REMINDED)
    assert event.actor == supervisor and event.visible_to_worker is False
    assert Notification.objects.filter(user=personas.cadre, title__startswith="催办").exists()


def test_supervision_order_needs_a_requirement_and_is_recorded_with_it(
    login, personas, supervisor, overdue, htmx
):
    url = reverse("appeals:remind", args=[overdue.pk])
    client = login(supervisor)

    refused = client.post(url, {"order": "1", "note": ""}, **htmx)
    assert refused.status_code == 200 and "督办须写明要求" in refused.content.decode()
    assert not overdue.events.filter(action=AppealEvent.Action.SUPERVISED).exists()

    done = client.post(url, {"order": "1", "note": "三日内答复职工并报督查室"}, **htmx)

    content = done.content.decode()
    assert "<html" not in content and f'id="sv-{overdue.pk}"' in content and "已督办 1 次" in content
    event = overdue.events.get(action=AppealEvent.Action.SUPERVISED)
    assert event.note == "三日内答复职工并报督查室"
    assert Notification.objects.filter(user=personas.cadre, title__startswith="督办").exists()


def test_reminding_outside_the_scope_is_404(login, company, personas, supervisor):
    sibling = make_appeal(
        unit=company.sibling_team, by=personas.outsider, text=CANTEEN, channel=Channel.HOTLINE
    )
    other = UserFactory(username="other_supervisor")
    grant(other, company.unit, "supervisor")

    assert login(other).post(reverse("appeals:remind", args=[sibling.pk])).status_code == 404
    assert not sibling.events.filter(action=AppealEvent.Action.REMINDED).exists()


# --- the three rates -----------------------------------------------------------------------------


@pytest.fixture
def march(company, personas):
    """A small March 2026 with a known hand count (2 March is a Monday; no holiday that month).

    炼钢厂 (U1) receives three appeals in March and one in April; 轧钢厂 (U2) one in March:
      a1 (甲班)      accepted the same day (on time), answered next day (on time), rated satisfied
      a2 (乙班)      accepted on 4 March, after its limit (end of 3 March): late; answered on time;
                     rated dissatisfied (reopens at the parent, still open)
      a3 (一炼钢车间) never accepted: late for the response and, by 20 March, for the answer
      a4 (甲班)      received in April: outside the period
      b1 (丙班)      轧钢厂: accepted on time, answered late (after 9 March)
    """

    def at(day, hour=9):
        return time_machine.travel(dt.datetime(2026, 3, day, hour, 0, tzinfo=CST))

    cadre, outsider = personas.cadre, personas.outsider
    with at(2):
        a1 = make_appeal(unit=company.team, by=personas.worker, text=NIGHT_PAY)
        a2 = make_appeal(unit=company.team2, by=cadre, text=CANTEEN)
        a3 = make_appeal(unit=company.section, by=cadre, text="一炼钢车间的行车司机室没有空调,夏天太热。")
        b1 = make_appeal(unit=company.sibling_team, by=outsider, text="热轧车间澡堂热水不够,下班排长队。")
        services.appeal_accept(appeal=a1, accepted_by=cadre)
        services.appeal_accept(appeal=b1, accepted_by=outsider)
    with at(3):
        services.appeal_answer(appeal=a1, answered_by=cadre, answer="已按新标准补发夜班费。")
        services.appeal_rate(appeal=a1, score="satisfied")
    with at(4):
        services.appeal_accept(appeal=a2, accepted_by=cadre)
        services.appeal_answer(appeal=a2, answered_by=cadre, answer="食堂夜间供应延长到零点。")
        services.appeal_rate(appeal=a2, score="dissatisfied", comment="零点以后还是没有")
    with at(11):
        services.appeal_answer(appeal=b1, answered_by=outsider, answer="已加装热水器。")
    with time_machine.travel(dt.datetime(2026, 4, 1, 9, 0, tzinfo=CST)):
        make_appeal(unit=company.team, by=personas.worker, text="四月的劳保鞋还没发,旧鞋已经开胶。")
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1}


MARCH = {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31"}


def test_rates_of_a_unit_equal_the_hand_count(login, company, personas, march):
    with time_machine.travel(dt.datetime(2026, 3, 20, 9, 0, tzinfo=CST)):
        response = login(personas.cadre).get(STATS, {"unit": company.unit.pk, **MARCH})

    rates = response.context["rates"]
    # received: a1, a2, a3. Response: a1 on time, a2 late, a3 never (its limit passed) -> 1 of 3.
    assert (rates.received, rates.responded_on_time, rates.response_due) == (3, 1, 3)
    # Answers: a1 and a2 on time; a3 past its answer limit unanswered -> 2 of 3.
    assert (rates.answered_on_time, rates.answer_due) == (2, 3)
    # Ratings: a1 satisfied, a2 dissatisfied -> 1 of 2.
    assert (rates.satisfied, rates.basic, rates.dissatisfied, rates.rated) == (1, 0, 1, 2)
    content = response.content.decode()
    assert "33.3%" in content and "66.7%" in content and "50.0%" in content
    assert [child.name for child, _r in response.context["children"]] == ["一炼钢车间"]


def test_parent_unit_counts_its_children_and_lists_their_rates(login, company, personas, march):
    with time_machine.travel(dt.datetime(2026, 3, 20, 9, 0, tzinfo=CST)):
        response = login(personas.parent_cadre).get(STATS, MARCH)

    assert response.context["unit"] == company.secondary
    rates = response.context["rates"]
    assert (rates.received, rates.responded_on_time, rates.response_due) == (4, 2, 4)
    assert (rates.answered_on_time, rates.answer_due) == (2, 4)
    children = {child.name: r for child, r in response.context["children"]}
    assert children["炼钢厂"].received == 3 and children["轧钢厂"].received == 1
    assert (children["轧钢厂"].answered_on_time, children["轧钢厂"].answer_due) == (0, 1)
    chart = response.context["chart"]
    assert chart["labels"] == ["炼钢厂", "轧钢厂"] and chart["series"][0]["data"] == [33.3, 100.0]
    assert 'id="rates-data"' in response.content.decode()
    assert "vendor/echarts/echarts.min.js" in response.content.decode()


def test_stats_default_to_the_users_top_unit_and_this_year(login, company, personas):
    with time_machine.travel(dt.datetime(2026, 5, 20, 9, 0, tzinfo=CST)):
        cadre = login(personas.cadre).get(STATS)
        admin = login(personas.administrator).get(STATS)

    assert cadre.context["unit"] == company.unit and admin.context["unit"] == company.group
    assert (cadre.context["date_from"], cadre.context["date_to"]) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 5, 20),
    )


@pytest.mark.parametrize(
    "period,expected",
    [
        ("this_month", (dt.date(2026, 5, 1), dt.date(2026, 5, 20))),
        ("last_month", (dt.date(2026, 4, 1), dt.date(2026, 4, 30))),
        ("this_year", (dt.date(2026, 1, 1), dt.date(2026, 5, 20))),
    ],
)
def test_quick_periods(login, personas, period, expected):
    with time_machine.travel(dt.datetime(2026, 5, 20, 9, 0, tzinfo=CST)):
        response = login(personas.cadre).get(STATS, {"period": period})

    assert (response.context["date_from"], response.context["date_to"]) == expected


def test_a_custom_period_ending_before_it_starts_is_an_error(login, personas, htmx):
    client = login(personas.cadre)
    bad = {"period": "custom", "date_from": "2026-03-31", "date_to": "2026-03-01"}

    page = client.get(STATS, bad)
    fragment = client.get(STATS, bad, **htmx)

    assert page.status_code == 422 and "rates" not in page.context
    assert fragment.status_code == 200 and "stats-invalid" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_stats_of_a_unit_outside_the_scope_is_404(login, company, personas):
    assert login(personas.cadre).get(STATS, {"unit": company.sibling.pk}).status_code == 404
    assert login(personas.cadre).get(STATS, {"unit": company.secondary.pk}).status_code == 404
    assert login(personas.cadre).get(STATS, {"unit": "x"}).status_code == 404


def test_stats_with_htmx_is_only_the_results(login, company, personas, htmx):
    response = login(personas.cadre).get(STATS, {"period": "this_month"}, **htmx)

    content = response.content.decode()
    assert "<html" not in content and 'id="stats-rates"' in content


# --- publishing ----------------------------------------------------------------------------------


def consultation(company, personas, *, consent=True, confidential=False):
    appeal = make_appeal(
        unit=company.team,
        by=personas.worker,
        text="我叫王小工,电话13812345678,请问职工子女入学补贴怎么申请?",
        kind=Kind.CONSULTATION,
        publish_consent=consent,
        confidential=confidential,
    )
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    services.appeal_answer(
        appeal=appeal,
        answered_by=personas.cadre,
        answer="王小工您好:每年九月向本单位工会提交录取通知书即可。",
    )
    return fresh(appeal)


def test_publish_form_is_prefilled_with_the_personal_details_taken_out(login, company, personas):
    appeal = consultation(company, personas)

    response = login(personas.cadre).get(reverse("appeals:publish", args=[appeal.pk]))

    form = response.context["form"]
    assert response.status_code == 200
    assert "王小工" not in form.initial["question"] and "13812345678" not in form.initial["question"]
    assert "职工子女入学补贴" in form.initial["question"] and "王小工" not in form.initial["answer"]


def test_cadre_publishes_the_edited_question_and_answer(login, company, personas):
    appeal = consultation(company, personas)

    response = login(personas.cadre).post(
        reverse("appeals:publish", args=[appeal.pk]),
        {"question": "职工子女入学补贴怎么申请?", "answer": "每年九月向本单位工会提交录取通知书即可。"},
    )

    assert response.status_code == 302
    public = PublicAnswer.objects.get(appeal=appeal)
    assert public.question == "职工子女入学补贴怎么申请?" and public.published_by == personas.cadre
    again = login(personas.cadre).get(reverse("appeals:publish", args=[appeal.pk]))
    assert again.status_code == 409 and "已经公开过" in again.content.decode()


@pytest.mark.parametrize("consent,confidential", [(False, False), (True, True)])
def test_publishing_is_refused_without_consent_or_when_confidential(
    login, company, personas, consent, confidential
):
    appeal = consultation(company, personas, consent=consent, confidential=confidential)
    url = reverse("appeals:publish", args=[appeal.pk])
    client = login(personas.cadre)

    shown = client.get(url)
    posted = client.post(url, {"question": "职工子女入学补贴怎么申请?", "answer": "提交录取通知书即可。"})

    assert shown.status_code == 409 and 'id="publish-refusal"' in shown.content.decode()
    assert posted.status_code == 409
    assert not PublicAnswer.objects.exists()


def test_publishing_an_open_or_non_consultation_appeal_is_refused(login, company, personas):
    complaint = make_appeal(
        unit=company.team, by=personas.worker, text=NIGHT_PAY, kind=Kind.COMPLAINT, publish_consent=True
    )
    drive(complaint, State.ANSWERED, handler=personas.cadre)
    waiting = make_appeal(unit=company.team, by=personas.worker, text=CANTEEN, publish_consent=True)

    for appeal in (complaint, waiting):
        assert login(personas.cadre).get(reverse("appeals:publish", args=[appeal.pk])).status_code == 409


def test_publishing_needs_the_publish_capability(login, company, personas, supervisor):
    appeal = consultation(company, personas)
    url = reverse("appeals:publish", args=[appeal.pk])

    assert login(supervisor).get(url).status_code == 403  # sees it, may not publish
    assert login(personas.outsider).get(url).status_code == 404
    assert login(personas.worker).get(url).status_code == 404
