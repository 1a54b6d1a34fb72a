"""The scheduled sweep: overdue once, escalation up the tree by working days, reminders, lapsed ratings.

An appeal raised in 甲班 is handled by 炼钢厂 (U1, the cadre); escalation goes to 燕钢股份公司 (S1:
parent_cadre and a supervisor) and then to the group, never further.
"""

import datetime as dt
import zoneinfo
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command

from lianxin.appeals import selectors, services
from lianxin.appeals.models import Appeal, AppealEvent, State
from lianxin.appeals.tests.factories import drive, make_appeal
from lianxin.core.models import Notification
from lianxin.core.tests.factories import UserFactory, grant

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db
Action = AppealEvent.Action


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def sweep(when: dt.datetime) -> dict[str, int]:
    with time_machine.travel(when, tick=False):
        return services.appeals_sweep()


def actions(appeal: Appeal, action: str) -> int:
    return appeal.events.filter(action=action).count()


@pytest.fixture
def supervisor(company):
    user = UserFactory(username="supervisor", full_name="吴督查")
    grant(user, company.secondary, "supervisor")
    return user


@pytest.fixture
def group_chairman(company):
    user = UserFactory(username="group_chairman", full_name="郑主席")
    grant(user, company.group, "chairman")
    return user


@pytest.fixture
def late(company, personas):
    """Raised Thursday 19 November 2026: to be accepted by the end of Friday 20 November."""
    with time_machine.travel(at(2026, 11, 19, 10, 0), tick=False):
        return make_appeal(unit=company.team, by=personas.worker, text="休息室空调坏了两个星期,请尽快维修。")


def test_an_appeal_past_its_limit_is_marked_overdue_once(late, personas):
    assert sweep(at(2026, 11, 20, 23, 0))["overdue"] == 0
    assert sweep(at(2026, 11, 21, 0, 5))["overdue"] == 1
    assert sweep(at(2026, 11, 21, 0, 20))["overdue"] == 0
    late.refresh_from_db()
    assert late.overdue
    event = late.events.get(action=Action.OVERDUE)
    assert event.data["limit"] == "accept" and not event.visible_to_worker
    assert Notification.objects.filter(user=personas.cadre, title__contains="已超期").count() == 1


def test_escalation_waits_for_the_grace_working_day_across_the_weekend(late, personas, supervisor):
    # Limit: end of Friday 20 Nov. Grace: one working day, Monday 23 Nov.
    for moment in (at(2026, 11, 21, 9, 0), at(2026, 11, 22, 9, 0), at(2026, 11, 23, 23, 0)):
        assert sweep(moment)["escalated"] == 0
    assert sweep(at(2026, 11, 24, 0, 30))["escalated"] == 1
    late.refresh_from_db()
    assert late.escalation_level == 1 and late.escalated_unit.code == "S1"
    assert late.handling_unit.code == "U1"
    titles = Notification.objects.filter(title__contains="超期升级")
    assert {n.user for n in titles} == {personas.parent_cadre, supervisor}


def test_escalation_goes_up_once_per_further_period_and_never_above_the_top(
    late, personas, supervisor, group_chairman
):
    assert sweep(at(2026, 11, 24, 9, 0))["escalated"] == 1  # to S1
    assert sweep(at(2026, 11, 24, 17, 0))["escalated"] == 0
    assert sweep(at(2026, 11, 25, 9, 0))["escalated"] == 1  # to the group
    assert sweep(at(2026, 12, 31, 9, 0))["escalated"] == 0  # the group is the top
    late.refresh_from_db()
    assert late.escalation_level == 2 and late.escalated_unit.code == "G"
    assert [e.data["level"] for e in late.events.filter(action=Action.ESCALATED)] == [1, 2]
    assert Notification.objects.filter(user=group_chairman, title__contains="超期升级").count() == 1
    assert actions(late, Action.OVERDUE) == 1


def test_a_sweep_that_missed_days_escalates_all_the_levels_due_at_once(late):
    assert sweep(at(2026, 12, 1, 9, 0)) == {
        "intakes": 0,
        "overdue": 1,
        "escalated": 2,
        "reminded": 0,
        "lapsed": 0,
    }


def test_the_grace_is_set_in_settings(late, settings):
    settings.LIANXIN_APPEAL_ESCALATION_GRACE_DAYS = 2
    assert sweep(at(2026, 11, 24, 9, 0))["escalated"] == 0
    assert sweep(at(2026, 11, 25, 9, 0))["escalated"] == 1


def test_escalation_skips_the_national_day_holiday(company, personas):
    with time_machine.travel(at(2026, 9, 29, 10, 0), tick=False):
        appeal = make_appeal(unit=company.team, by=personas.worker, text="宿舍热水器坏了一个礼拜了。")
    assert sweep(at(2026, 10, 5, 9, 0)) == {
        "intakes": 0,
        "overdue": 1,
        "escalated": 0,
        "reminded": 0,
        "lapsed": 0,
    }
    assert sweep(at(2026, 10, 8, 18, 0))["escalated"] == 0  # 8 October is the grace day
    assert sweep(at(2026, 10, 9, 9, 0))["escalated"] == 1
    appeal.refresh_from_db()
    assert appeal.escalated_unit == company.secondary


def test_escalated_appeals_appear_in_the_parents_supervision_list(late, company, personas, supervisor):
    sweep(at(2026, 11, 24, 9, 0))
    with time_machine.travel(at(2026, 11, 24, 9, 5), tick=False):
        assert list(selectors.supervision_list(fetched_by=supervisor)) == [late]
        assert list(selectors.supervision_list(fetched_by=personas.outsider)) == []


def test_an_appeal_waiting_on_the_worker_is_not_overdue(late, personas):
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):
        services.appeal_request_info(appeal=late, requested_by=personas.cadre, question="是哪一间休息室?")
    assert sweep(at(2026, 11, 30, 9, 0)) == {
        "intakes": 0,
        "overdue": 0,
        "escalated": 0,
        "reminded": 0,
        "lapsed": 0,
    }


def test_accepting_late_clears_the_flag_and_a_late_answer_is_marked_again(late, personas):
    sweep(at(2026, 11, 23, 9, 0))
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        services.appeal_accept(appeal=late, accepted_by=personas.cadre)
    late.refresh_from_db()
    assert not late.overdue  # answer due end of 26 November
    assert sweep(at(2026, 11, 27, 9, 0))["overdue"] == 1
    assert [e.data["limit"] for e in late.events.filter(action=Action.OVERDUE)] == ["accept", "answer"]


def test_handlers_are_reminded_once_when_the_answer_is_due_within_a_day(late, personas):
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):
        drive(late, State.ACCEPTED, handler=personas.cadre)  # answer due end of 26 November
    assert sweep(at(2026, 11, 25, 23, 0))["reminded"] == 0
    assert sweep(at(2026, 11, 26, 8, 0))["reminded"] == 1
    assert sweep(at(2026, 11, 26, 9, 0))["reminded"] == 0
    assert Notification.objects.filter(user=personas.cadre, title__contains="即将到期").count() == 1


def test_an_answer_not_rated_in_seven_days_closes_unrated(late, personas):
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):
        drive(late, State.ANSWERED, handler=personas.cadre)
    assert sweep(at(2026, 11, 27, 8, 59))["lapsed"] == 0
    assert sweep(at(2026, 11, 27, 9, 1))["lapsed"] == 1
    assert sweep(at(2026, 11, 27, 9, 2))["lapsed"] == 0
    late.refresh_from_db()
    assert late.state == State.CLOSED and not late.ratings.exists()
    assert actions(late, Action.LAPSED) == 1


def test_running_the_sweep_twice_changes_nothing_the_second_time(late, company, personas):
    with time_machine.travel(at(2026, 11, 19, 11, 0), tick=False):
        answered = make_appeal(unit=company.team, by=personas.worker, text="班车改线路后绕远了半小时。")
        drive(answered, State.ANSWERED, handler=personas.cadre)
    first = sweep(at(2026, 11, 30, 9, 0))
    assert first == {"intakes": 0, "overdue": 1, "escalated": 2, "reminded": 0, "lapsed": 1}
    events = AppealEvent.objects.count()
    notifications = Notification.objects.count()
    assert sweep(at(2026, 11, 30, 9, 0)) == {
        "intakes": 0,
        "overdue": 0,
        "escalated": 0,
        "reminded": 0,
        "lapsed": 0,
    }
    assert AppealEvent.objects.count() == events and Notification.objects.count() == notifications


def test_the_sweep_runs_as_a_huey_task_in_immediate_mode(late):
    from huey.contrib.djhuey import HUEY

    from lianxin.appeals.tasks import appeals_sweep_task

    was = HUEY.immediate
    HUEY.immediate = True
    try:
        with time_machine.travel(at(2026, 11, 24, 9, 0), tick=False):
            appeals_sweep_task()  # a periodic task keeps no result: look at what it did
    finally:
        HUEY.immediate = was
    late.refresh_from_db()
    assert late.overdue and late.escalation_level == 1


def test_run_huey_registers_the_sweep_every_few_minutes(settings):
    from huey.contrib.djhuey import HUEY

    with mock.patch.object(HUEY, "create_consumer") as create_consumer:
        call_command("run_huey")
    create_consumer.return_value.run.assert_called_once()
    every = settings.LIANXIN_SWEEP_MINUTES
    due = {task.name for task in HUEY.read_periodic(dt.datetime(2026, 11, 23, 10, every))}
    assert "appeals_sweep_task" in due
    assert "appeals_sweep_task" not in {t.name for t in HUEY.read_periodic(dt.datetime(2026, 11, 23, 10, 1))}


def test_intake_retry_keys_are_forgotten_nightly_after_two_days(personas):
    from huey.contrib.djhuey import HUEY

    from lianxin.appeals.tasks import appeals_submit_keys_purge_task
    from lianxin.core.models import IdempotencyRecord

    old = IdempotencyRecord.objects.create(
        user=personas.worker,
        scope="appeals.submit",
        key="old",
        fingerprint="x",
        created_at=at(2026, 11, 18, 9, 0),
    )
    fresh = IdempotencyRecord.objects.create(
        user=personas.worker,
        scope="appeals.submit",
        key="fresh",
        fingerprint="x",
        created_at=at(2026, 11, 21, 9, 0),
    )
    payment = IdempotencyRecord.objects.create(
        user=personas.worker,
        scope="assistance.payment",
        key="old",
        fingerprint="x",
        created_at=at(2026, 1, 1, 9, 0),
    )
    assert "appeals_submit_keys_purge_task" in {
        t.name for t in HUEY.read_periodic(dt.datetime(2026, 11, 22, 3, 17))
    }
    was = HUEY.immediate
    HUEY.immediate = True
    try:
        with time_machine.travel(at(2026, 11, 22, 3, 17), tick=False):
            appeals_submit_keys_purge_task()
    finally:
        HUEY.immediate = was
    remaining = set(IdempotencyRecord.objects.values_list("pk", flat=True))
    assert old.pk not in remaining and {fresh.pk, payment.pk} <= remaining
