"""The workflow services: intake, each transition's guard, the event per step, privacy of anonymous workers."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, AppealEvent, MeetingItem, State, YearCounter
from lianxin.appeals.services import AppealConflict, AppealError
from lianxin.appeals.tests.factories import drive, make_appeal, make_department
from lianxin.core.tests.factories import UserFactory, grant

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db
Action = AppealEvent.Action


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def appeal(company, personas):
    return make_appeal(
        unit=company.team, by=personas.worker, text="食堂晚上十点以后就没有热饭了,请延长供应。"
    )


@pytest.fixture
def anonymous(company, personas):
    return make_appeal(
        unit=company.team, by=personas.worker, anonymous=True, text="班长天天骂人,请工会管一管。"
    )


# --- intake ---


def test_numbers_count_up_per_year_of_receipt(company, personas):
    with time_machine.travel(at(2026, 12, 31, 23, 0), tick=False):
        first = make_appeal(unit=company.team, by=personas.worker)
        second = make_appeal(unit=company.team, by=personas.worker)
    with time_machine.travel(at(2027, 1, 1, 0, 30), tick=False):
        third = make_appeal(unit=company.team, by=personas.worker)
    assert (first.number, second.number, third.number) == (
        "SS-2026-000001",
        "SS-2026-000002",
        "SS-2027-000001",
    )


def test_a_number_is_still_issued_after_an_error_earlier_in_the_transaction(company, personas):
    from django.db import IntegrityError

    with transaction.atomic():
        try:
            with transaction.atomic():
                YearCounter.objects.create(year=1999, last=1)
                YearCounter.objects.create(year=1999, last=2)
        except IntegrityError:
            pass
        appeal = make_appeal(unit=company.team, by=personas.worker)
    assert appeal.number.endswith("000001")


def test_an_anonymous_appeal_keeps_no_identity_and_gives_a_follow_up_code(anonymous):
    assert anonymous.is_anonymous and anonymous.member is None and anonymous.submitted_by is None
    assert anonymous.contact_name == "" and anonymous.track_code
    assert anonymous.events.get().actor is None
    assert services.worker_may_act(anonymous, track_code=anonymous.track_code)
    assert not services.worker_may_act(anonymous, track_code="AAAA-BBBB-CCCC")


def test_a_worker_cannot_raise_an_appeal_for_another_unit(company, personas):
    with pytest.raises(ValidationError):
        make_appeal(unit=company.sibling_team, by=personas.worker)


def test_a_worker_cannot_use_a_recording_channel(company, personas):
    with pytest.raises(PermissionDenied):
        make_appeal(unit=company.team, by=personas.worker, channel="hotline")


def test_too_short_a_text_is_refused_on_the_field(company, personas):
    with pytest.raises(ValidationError) as error:
        make_appeal(unit=company.team, by=personas.worker, text="帮帮")
    assert "text" in error.value.message_dict


def test_the_chairmans_mailbox_goes_to_the_nearest_union_with_a_chairman(company, personas):
    chairman = UserFactory(username="chairman")
    grant(chairman, company.secondary, "chairman")
    appeal = make_appeal(unit=company.team, by=personas.worker, channel="chairman_mailbox")
    assert appeal.handling_unit == company.secondary


def test_the_managers_mailbox_goes_to_the_top(company, personas):
    appeal = make_appeal(unit=company.team, by=personas.worker, channel="manager_mailbox")
    assert appeal.handling_unit == company.group


# --- guards and conflicts ---


def test_each_step_writes_one_event_and_raises_the_version(appeal, personas):
    version = appeal.version
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre, expected_version=version)
    appeal.refresh_from_db()
    assert appeal.version == version + 1
    assert list(appeal.events.values_list("action", "from_state", "to_state")) == [
        ("submitted", "", "submitted"),
        ("accepted", "submitted", "accepted"),
    ]


def test_a_stale_version_is_a_conflict_that_says_what_happened(appeal, personas):
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    with pytest.raises(AppealConflict) as conflict:
        services.appeal_start(appeal=appeal, started_by=personas.cadre, expected_version=1)
    assert appeal.number in conflict.value.message and "已受理" in conflict.value.message


def test_accepting_twice_is_a_conflict(appeal, personas):
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    with pytest.raises(AppealConflict):
        services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    assert appeal.events.filter(action=Action.ACCEPTED).count() == 1


def test_an_outsider_may_not_act_on_the_appeal(appeal, personas):
    with pytest.raises(PermissionDenied):
        services.appeal_accept(appeal=appeal, accepted_by=personas.outsider)


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (State.SUBMITTED, "answer"),
        (State.SUBMITTED, "start"),
        (State.ANSWERED, "accept"),
        (State.ANSWERED, "extend"),
        (State.CLOSED, "withdraw"),
        (State.CLOSED, "reject"),
        (State.IN_PROGRESS, "rate"),
    ],
)
def test_steps_out_of_order_are_conflicts(appeal, personas, state, step):
    if state != State.SUBMITTED:
        drive(appeal, state, handler=personas.cadre)
    cadre = personas.cadre
    calls = {
        "answer": lambda: services.appeal_answer(appeal=appeal, answered_by=cadre, answer="已经处理好了"),
        "start": lambda: services.appeal_start(appeal=appeal, started_by=cadre),
        "accept": lambda: services.appeal_accept(appeal=appeal, accepted_by=cadre),
        "extend": lambda: services.appeal_extend(appeal=appeal, extended_by=cadre, reason="情况比较复杂"),
        "withdraw": lambda: services.appeal_withdraw(appeal=appeal),
        "reject": lambda: services.appeal_reject(appeal=appeal, rejected_by=cadre, reason="不属于受理范围"),
        "rate": lambda: services.appeal_rate(appeal=appeal, score="satisfied"),
    }
    events = appeal.events.count()
    with pytest.raises(AppealConflict):
        calls[step]()
    assert appeal.events.count() == events


def test_no_answer_while_waiting_on_the_worker(appeal, personas):
    drive(appeal, State.ACCEPTED, handler=personas.cadre)
    services.appeal_request_info(appeal=appeal, requested_by=personas.cadre, question="请问是哪个食堂?")
    with pytest.raises(AppealConflict):
        services.appeal_answer(appeal=appeal, answered_by=personas.cadre, answer="已经延长供应时间")


def test_rating_after_the_window_is_refused(appeal, personas):
    with time_machine.travel(at(2026, 11, 2, 9, 0), tick=False):
        drive(appeal, State.ANSWERED, handler=personas.cadre)
    with time_machine.travel(at(2026, 11, 9, 9, 1), tick=False), pytest.raises(AppealConflict):
        services.appeal_rate(appeal=appeal, score="satisfied")


def test_dissatisfied_needs_a_reason(appeal, personas):
    drive(appeal, State.ANSWERED, handler=personas.cadre)
    with pytest.raises(ValidationError):
        services.appeal_rate(appeal=appeal, score="dissatisfied", comment="")


# --- the anonymous worker's own steps ---


def test_an_anonymous_worker_supplies_information_by_follow_up_code_and_stays_unnamed(anonymous, personas):
    services.appeal_request_info(appeal=anonymous, requested_by=personas.cadre, question="是哪个班组?")
    with pytest.raises(PermissionDenied):
        services.appeal_provide_info(appeal=anonymous, text="一炼钢车间甲班", track_code="AAAA-BBBB-CCCC")
    services.appeal_provide_info(
        appeal=anonymous, provided_by=personas.worker, text="一炼钢车间甲班", track_code=anonymous.track_code
    )
    anonymous.refresh_from_db()
    assert anonymous.paused_at is None
    assert anonymous.events.get(action=Action.INFO_PROVIDED).actor is None


def test_an_anonymous_workers_rating_and_withdrawal_name_no_one(company, anonymous, personas):
    drive(anonymous, State.ANSWERED, handler=personas.cadre)
    services.appeal_rate(
        appeal=anonymous, score="basic", rated_by=personas.worker, track_code=anonymous.track_code
    )
    other = make_appeal(unit=company.team, by=personas.worker, anonymous=True, text="澡堂热水不够用。")
    services.appeal_withdraw(appeal=other, withdrawn_by=personas.worker, track_code=other.track_code)
    assert not AppealEvent.objects.filter(actor=personas.worker).exists()


def test_a_named_workers_own_steps_carry_their_name(appeal, personas):
    drive(appeal, State.ANSWERED, handler=personas.cadre)
    services.appeal_rate(appeal=appeal, score="satisfied", rated_by=personas.worker)
    assert appeal.events.get(action=Action.RATED).actor == personas.worker
    assert services.worker_may_act(appeal, user=personas.worker)
    assert not services.worker_may_act(appeal, user=personas.cadre)


# --- reopening ---


def test_dissatisfied_reopens_once_at_the_parent_then_closes(appeal, company, personas):
    drive(appeal, State.ANSWERED, handler=personas.cadre)
    services.appeal_rate(appeal=appeal, score="dissatisfied", comment="十点以后还是没有")
    appeal.refresh_from_db()
    assert appeal.state == State.ACCEPTED and appeal.handling_unit == company.secondary
    event = appeal.events.get(action=Action.REOPENED)
    assert event.data["to_unit"] == company.secondary.pk and event.note == "十点以后还是没有"
    services.appeal_answer(appeal=appeal, answered_by=personas.parent_cadre, answer="已要求食堂供应到凌晨")
    services.appeal_rate(appeal=appeal, score="dissatisfied", comment="还是不行")
    appeal.refresh_from_db()
    assert appeal.state == State.CLOSED and appeal.reopen_count == 1


def test_reopening_skips_a_parent_where_nobody_handles_appeals(company, personas):
    team_cadre = UserFactory(username="team_cadre")
    grant(team_cadre, company.team, "cadre")
    appeal = make_appeal(unit=company.team, by=personas.worker, text="甲班更衣室的柜子坏了好几个。")
    assert appeal.handling_unit == company.team
    drive(appeal, State.ANSWERED, handler=team_cadre)  # nobody handles appeals at the section above
    services.appeal_rate(appeal=appeal, score="dissatisfied", comment="还没修")
    appeal.refresh_from_db()
    assert appeal.handling_unit == company.unit


def test_an_appeal_handled_at_the_top_reopens_at_the_top(company, personas):
    appeal = make_appeal(unit=company.team, by=personas.worker, channel="manager_mailbox")
    drive(appeal, State.ANSWERED, handler=personas.administrator)
    services.appeal_rate(appeal=appeal, score="dissatisfied", comment="没有解决")
    appeal.refresh_from_db()
    assert appeal.state == State.ACCEPTED and appeal.handling_unit == company.group
    assert appeal.reopen_count == 1


# --- referrals and meetings ---


def test_a_department_handler_answers_a_referral_on_the_record(appeal, company, personas):
    handler = UserFactory(username="hr_handler")
    hr = make_department(company.unit, handlers=[handler])
    drive(appeal, State.ACCEPTED, handler=personas.cadre)
    referral = services.appeal_refer(appeal=appeal, referred_by=personas.cadre, department=hr, note="请核实")
    with pytest.raises(PermissionDenied):
        services.referral_answer(referral=referral, answered_by=personas.outsider, answer="已处理")
    services.referral_answer(referral=referral, answered_by=handler, answer="已安排食堂延长供应")
    with pytest.raises(AppealConflict):
        services.referral_answer(referral=referral, answered_by=handler, answer="再答一次")
    assert appeal.events.filter(action=Action.REFERRAL_ANSWERED).count() == 1


def test_a_department_of_another_branch_cannot_take_a_referral(appeal, company, personas):
    elsewhere = make_department(company.sibling, name="轧钢厂人力资源部")
    drive(appeal, State.ACCEPTED, handler=personas.cadre)
    with pytest.raises(ValidationError):
        services.appeal_refer(appeal=appeal, referred_by=personas.cadre, department=elsewhere)


@pytest.mark.parametrize(
    "decision", [MeetingItem.Decision.SELF, MeetingItem.Decision.ANSWER, MeetingItem.Decision.REJECT]
)
def test_a_meeting_decision_is_carried_out(appeal, company, personas, decision):
    drive(appeal, State.ACCEPTED, handler=personas.cadre)
    meeting = services.meeting_create(
        unit=company.unit,
        created_by=personas.cadre,
        held_at=at(2026, 11, 20, 15, 0),
        attendees="赵干部、钱主任",
    )
    services.appeal_send_to_deliberation(appeal=appeal, sent_by=personas.cadre, meeting=meeting)
    item = meeting.items.get()
    services.meeting_decide(
        item=item, decided_by=personas.cadre, decision=decision, note="由工会协调食堂解决"
    )
    appeal.refresh_from_db()
    assert (
        appeal.state
        == {"self": State.IN_PROGRESS, "answer": State.ANSWERED, "reject": State.REJECTED}[decision]
    )
    with pytest.raises(AppealConflict):
        services.meeting_decide(item=item, decided_by=personas.cadre, decision=decision, note="再决定一次")


def test_a_referral_decision_needs_a_department_and_changes_nothing_without_one(appeal, company, personas):
    drive(appeal, State.ACCEPTED, handler=personas.cadre)
    meeting = services.meeting_create(
        unit=company.unit, created_by=personas.cadre, held_at=at(2026, 11, 20, 15, 0), attendees="赵干部"
    )
    services.appeal_send_to_deliberation(appeal=appeal, sent_by=personas.cadre, meeting=meeting)
    item = meeting.items.get()
    with pytest.raises(ValidationError):
        services.meeting_decide(item=item, decided_by=personas.cadre, decision="refer")
    item.refresh_from_db()
    assert item.decision == "" and not appeal.events.filter(action=Action.DECIDED).exists()


# --- supervision ---


def test_a_supervision_order_needs_supervise_and_a_requirement(appeal, company, personas):
    supervisor = UserFactory(username="supervisor")
    grant(supervisor, company.secondary, "supervisor")
    with pytest.raises(PermissionDenied):
        services.appeal_remind(appeal=appeal, reminded_by=personas.cadre)
    with pytest.raises(ValidationError):
        services.appeal_remind(appeal=appeal, reminded_by=supervisor, order=True, note="")
    services.appeal_remind(appeal=appeal, reminded_by=supervisor, order=True, note="三日内答复职工")
    event = appeal.events.get(action=Action.SUPERVISED)
    assert not event.visible_to_worker and event.actor == supervisor


def test_published_answers_need_consent_and_an_answered_consultation(company, personas):
    appeal = make_appeal(
        unit=company.team, by=personas.worker, text="年休假怎么计算天数?", publish_consent=False
    )
    drive(appeal, State.ANSWERED, handler=personas.cadre)
    with pytest.raises(AppealError):
        services.public_answer_publish(
            appeal=appeal, published_by=personas.cadre, question="年休假怎么计算?", answer="按工龄计算。"
        )
    assert Appeal.objects.get(pk=appeal.pk).state == State.ANSWERED
