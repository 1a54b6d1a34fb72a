"""Time limits: working days on the Chinese calendar, urgent hours, pauses, the one extension, rules as data.

The calendar comes from the holiday table that migration core 0004 loads from chinese-calendar (2026
is there: National Day 1-7 October with make-up Sundays/Saturdays 20 September and 10 October);
2027 is cleared in these tests so that "a year without data" is always what is tested.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lianxin.appeals import deadlines, services
from lianxin.appeals.models import Appeal, AppealEvent, Category, DeadlineRule, Kind, State
from lianxin.appeals.services import AppealConflict
from lianxin.appeals.tests.factories import drive, make_appeal
from lianxin.core.models import CalendarYear, Holiday
from lianxin.core.workdays import calendar_year_publish, missing_years

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db

PLAIN = "班组这个月的夜班费没有按新标准发放,请工会帮忙问问。"
GAS = "三号转炉旁边煤气泄漏,味道很大,随时可能出事,请马上派人来!"
DESPAIR = "欠了一身债,孩子又生病,我真的撑不下去了,不想活了。"


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def end_of(y, m, d) -> dt.datetime:
    return at(y, m, d, 23, 59, 59)


def submit(company, personas, when, text=PLAIN, **extra) -> Appeal:
    with time_machine.travel(when, tick=False):
        return make_appeal(unit=company.team, by=personas.worker, text=text, **extra)


@pytest.fixture(autouse=True)
def _no_2027_calendar(django_capture_on_commit_callbacks):
    """2027's arrangement is not published yet (whatever chinese-calendar ships)."""
    Holiday.objects.filter(date__year=2027).delete()
    CalendarYear.objects.filter(year=2027).delete()


def test_a_friday_appeal_is_due_for_acceptance_on_monday_and_an_answer_the_next_friday(company, personas):
    appeal = submit(company, personas, at(2026, 11, 20, 10, 0))
    assert appeal.accept_due == end_of(2026, 11, 23)
    assert appeal.answer_due == end_of(2026, 11, 27)


def test_a_weekend_appeal_counts_from_monday(company, personas):
    appeal = submit(company, personas, at(2026, 11, 21, 22, 0))  # Saturday night
    assert appeal.accept_due == end_of(2026, 11, 23)
    assert appeal.answer_due == end_of(2026, 11, 27)


def test_national_day_week_is_skipped_and_the_make_up_saturday_counts(company, personas):
    appeal = submit(company, personas, at(2026, 9, 30, 15, 0))
    assert appeal.accept_due == end_of(2026, 10, 8)
    # 8, 9, 10 (a Saturday worked in exchange), 12, 13 October.
    assert appeal.answer_due == end_of(2026, 10, 13)


def test_mid_autumn_is_skipped_and_the_make_up_sunday_is_a_working_day(company, personas):
    before_festival = submit(company, personas, at(2026, 9, 24, 9, 0))  # Thursday; 25-27 off
    assert before_festival.accept_due == end_of(2026, 9, 28)
    on_saturday = submit(company, personas, at(2026, 9, 19, 9, 0))  # Sunday 20 September is worked
    assert on_saturday.accept_due == end_of(2026, 9, 20)


def test_a_year_without_data_counts_weekends_only(company, personas):
    assert missing_years(2027) == [2027]
    appeal = submit(company, personas, at(2026, 12, 31, 16, 0))
    # 1 January 2027 is a Friday and, unpublished, a working day.
    assert appeal.accept_due == end_of(2027, 1, 1)
    assert appeal.answer_due == end_of(2027, 1, 7)


def test_once_2027_is_published_new_year_is_skipped(company, personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_publish(
            year=2027,
            days=[(dt.date(2027, 1, 1), False, "元旦")],
            actor=personas.administrator,
            source="国务院办公厅通知",
        )
    appeal = submit(company, personas, at(2026, 12, 31, 16, 0))
    assert appeal.accept_due == end_of(2027, 1, 4)
    assert appeal.answer_due == end_of(2027, 1, 8)


@pytest.mark.parametrize(
    "when",
    [at(2026, 11, 21, 22, 30), at(2026, 10, 3, 3, 0), at(2026, 12, 31, 23, 0)],
    ids=["saturday-night", "national-day", "new-years-eve"],
)
def test_immediate_danger_is_due_for_acceptance_within_two_hours_on_any_day(company, personas, when):
    appeal = submit(company, personas, when, text=GAS)
    assert appeal.flag_safety_urgent
    assert appeal.accept_due == when + dt.timedelta(hours=2)


def test_distress_is_due_for_acceptance_within_two_hours_and_counts_late_after(company, personas):
    appeal = submit(company, personas, at(2026, 10, 3, 21, 0), text=DESPAIR)
    assert appeal.flag_distress and appeal.accept_due == at(2026, 10, 3, 23, 0)
    with time_machine.travel(at(2026, 10, 3, 23, 30), tick=False):
        services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    event = appeal.events.get(action=AppealEvent.Action.ACCEPTED)
    assert event.on_time is False


def test_urgency_confirmed_after_intake_shortens_the_acceptance_limit(company, personas):
    appeal = submit(company, personas, at(2026, 11, 23, 9, 0), text="车间东头那段护栏松了,走过去心里发慌。")
    assert not appeal.flag_safety_urgent and appeal.accept_due == end_of(2026, 11, 24)
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        services.appeal_confirm_flags(appeal=appeal, confirmed_by=personas.cadre, flags=["safety_urgent"])
    appeal.refresh_from_db()
    assert appeal.accept_due == at(2026, 11, 23, 12, 0)


def test_waiting_on_the_worker_moves_the_answer_limit_on_by_the_working_days_waited(company, personas):
    appeal = submit(company, personas, at(2026, 11, 20, 10, 0))
    with time_machine.travel(at(2026, 11, 20, 11, 0), tick=False):
        drive(appeal, State.ACCEPTED, handler=personas.cadre)
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):  # Monday
        services.appeal_request_info(appeal=appeal, requested_by=personas.cadre, question="是哪几天的夜班?")
    with time_machine.travel(at(2026, 11, 30, 9, 0), tick=False):  # next Monday: still waiting
        assert services.appeals_sweep()["overdue"] == 0
    with time_machine.travel(at(2026, 11, 30, 10, 0), tick=False):
        services.appeal_provide_info(
            appeal=appeal, provided_by=personas.worker, text="十一月九日到十五日的夜班"
        )
    appeal.refresh_from_db()
    # Waited Tuesday 24 to Monday 30: five working days, so Friday 27 becomes Friday 4 December.
    assert appeal.paused_at is None and appeal.answer_due == end_of(2026, 12, 4)


def test_waiting_across_national_day_moves_the_limit_by_working_days_only(company, personas):
    appeal = submit(company, personas, at(2026, 9, 28, 9, 0))  # answer due 10 October (make-up Saturday)
    assert appeal.answer_due == end_of(2026, 10, 10)
    with time_machine.travel(at(2026, 9, 28, 10, 0), tick=False):
        drive(appeal, State.ACCEPTED, handler=personas.cadre)
    with time_machine.travel(at(2026, 9, 30, 10, 0), tick=False):
        services.appeal_request_info(appeal=appeal, requested_by=personas.cadre, question="请补充工资条照片")
    with time_machine.travel(at(2026, 10, 8, 9, 0), tick=False):
        services.appeal_provide_info(appeal=appeal, provided_by=personas.worker, text="照片已经补充上传")
    appeal.refresh_from_db()
    # One working day waited (8 October): 10 October becomes 12 October.
    assert appeal.answer_due == end_of(2026, 10, 12)


def test_waiting_on_the_worker_moves_an_hours_limit_by_the_time_waited(company, personas):
    appeal = submit(company, personas, at(2026, 11, 21, 20, 0), text=GAS)
    with time_machine.travel(at(2026, 11, 21, 20, 30), tick=False):
        services.appeal_request_info(appeal=appeal, requested_by=personas.cadre, question="具体是哪个位置?")
    with time_machine.travel(at(2026, 11, 21, 21, 45), tick=False):
        services.appeal_provide_info(appeal=appeal, provided_by=personas.worker, text="三号转炉东侧的阀门")
    appeal.refresh_from_db()
    assert appeal.accept_due == at(2026, 11, 21, 23, 15)  # 22:00 and the 1 h 15 min waited


def test_accepting_while_waiting_on_the_worker_counts_the_clock_when_it_stopped(company, personas):
    appeal = submit(company, personas, at(2026, 11, 23, 9, 0))  # accept by end of Tuesday 24
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        services.appeal_request_info(appeal=appeal, requested_by=personas.cadre, question="请说明是哪个班组")
    with time_machine.travel(at(2026, 11, 26, 10, 0), tick=False):
        services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    assert appeal.events.get(action=AppealEvent.Action.ACCEPTED).on_time is True


def test_one_extension_to_the_extended_limit_with_a_reason(company, personas):
    appeal = submit(company, personas, at(2026, 9, 28, 9, 0))
    with time_machine.travel(at(2026, 9, 29, 9, 0), tick=False):
        drive(appeal, State.IN_PROGRESS, handler=personas.cadre)
        with pytest.raises(ValidationError):
            services.appeal_extend(appeal=appeal, extended_by=personas.cadre, reason="")
        services.appeal_extend(
            appeal=appeal, extended_by=personas.cadre, reason="需要财务部门核算三个月的明细"
        )
    appeal.refresh_from_db()
    # 10 October + 10 working days: 12-16, 19-23 October.
    assert appeal.extended and appeal.answer_due == end_of(2026, 10, 23)
    assert appeal.events.filter(action=AppealEvent.Action.EXTENDED).count() == 1
    with pytest.raises(AppealConflict):
        services.appeal_extend(appeal=appeal, extended_by=personas.cadre, reason="还要再等一等财务")


def test_an_answer_within_the_extended_limit_is_on_time(company, personas):
    appeal = submit(company, personas, at(2026, 11, 20, 10, 0))
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        drive(appeal, State.ACCEPTED, handler=personas.cadre)
        services.appeal_extend(appeal=appeal, extended_by=personas.cadre, reason="涉及多个部门协调")
    with time_machine.travel(at(2026, 12, 8, 10, 0), tick=False):  # past 27 Nov, within 11 Dec
        services.appeal_answer(appeal=appeal, answered_by=personas.cadre, answer="已协调补发夜班费")
    assert appeal.events.get(action=AppealEvent.Action.ANSWERED).on_time is True


def test_a_category_rule_overrides_the_default(company, personas):
    wages = Category.objects.get(code="wages")
    DeadlineRule.objects.create(
        category=wages, accept_working_days=1, answer_working_days=3, extended_working_days=8
    )
    wage_appeal = submit(company, personas, at(2026, 11, 20, 10, 0), code="wages")
    canteen = submit(
        company, personas, at(2026, 11, 20, 10, 0), text="食堂夜班没有热饭。", code="living_conditions"
    )
    assert wage_appeal.answer_due == end_of(2026, 11, 25)
    assert canteen.answer_due == end_of(2026, 11, 27)
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        drive(wage_appeal, State.ACCEPTED, handler=personas.cadre)
        services.appeal_extend(appeal=wage_appeal, extended_by=personas.cadre, reason="需要核对考勤")
    wage_appeal.refresh_from_db()
    assert wage_appeal.answer_due == end_of(2026, 12, 2)  # 25 Nov + (8 - 3) working days


def test_the_most_specific_rule_wins_and_urgent_flags_win_over_all(company, personas):
    wages = Category.objects.get(code="wages")
    DeadlineRule.objects.create(category=wages, answer_working_days=3, extended_working_days=8)
    DeadlineRule.objects.create(kind=Kind.LEGAL_AID, answer_working_days=10, extended_working_days=20)
    DeadlineRule.objects.create(
        category=wages, kind=Kind.LEGAL_AID, answer_working_days=7, extended_working_days=20
    )
    rules = list(DeadlineRule.objects.all())

    def rule(category=None, kind=Kind.CONSULTATION, flags=()):
        return deadlines.rule_for(category_id=category, kind=kind, flags=list(flags), rules=rules)

    assert rule().answer_working_days == 5
    assert rule(wages.pk).answer_working_days == 3
    assert rule(kind=Kind.LEGAL_AID).answer_working_days == 10
    assert rule(wages.pk, Kind.LEGAL_AID).answer_working_days == 7
    assert rule(wages.pk, Kind.LEGAL_AID, ["distress"]).accept_hours == 2


def test_one_rule_per_category_kind_and_flag(company):
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineRule.objects.create(category=None, kind="", flag="")


def test_a_reopened_appeal_gets_a_fresh_answer_limit_from_the_reopening(company, personas):
    appeal = submit(company, personas, at(2026, 11, 20, 10, 0))
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        drive(appeal, State.ANSWERED, handler=personas.cadre)
    with time_machine.travel(at(2026, 11, 25, 9, 0), tick=False):
        services.appeal_rate(appeal=appeal, score="dissatisfied", comment="只补了一个月")
    appeal.refresh_from_db()
    assert appeal.state == State.ACCEPTED and appeal.answer_due == end_of(2026, 12, 2)
