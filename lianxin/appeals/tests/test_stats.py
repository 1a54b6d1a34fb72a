"""The rates' daily rollup (appeals/stats.py) against a count from the events themselves.

Whatever happened to the appeals, `appeal_rates` (from the rollup) equals `appeal_rates_live` (from
the events): while the touched days are still marked, after the sweep has recomputed them, and
after a rebuild; for every unit of the tree, and for periods that cut across the days.
"""

import datetime as dt
import io
import random
import zoneinfo
from collections import Counter
from dataclasses import asdict

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from lianxin.appeals import services, stats
from lianxin.appeals.models import AppealDayStats, AppealDayStatsMark, AppealEvent
from lianxin.appeals.selectors import appeal_rates, appeal_rates_by_child, appeal_rates_live
from lianxin.appeals.services import AppealError
from lianxin.appeals.tests.factories import make_appeal
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.org.services import unit_move
from lianxin.org.tests.factories import make_unit

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=SH)
PERIODS = [
    (dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
    (dt.date(2026, 11, 4), dt.date(2026, 11, 9)),
    (dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
]
REPLY = "已安排处理,请查看。"


def nov(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=SH)


@pytest.fixture
def chief(company):
    """A cadre of the whole group: handles wherever an appeal is, also after reopening one level up."""
    user = UserFactory(username="chief", full_name="集团干部")
    grant(user, company.group, "cadre")
    return user


def every_unit(company):
    return [
        company.group,
        company.secondary,
        company.unit,
        company.section,
        company.team,
        company.team2,
        company.sibling,
        company.sibling_section,
        company.sibling_team,
    ]


def assert_rollup_equals_events(company, now=NOW, *, from_rollup=True, periods=PERIODS):
    with time_machine.travel(now, tick=False):
        for unit in every_unit(company):
            for date_from, date_to in periods:
                answered = stats.subtree_counts([unit], date_from, date_to) is not None
                assert answered == from_rollup, (unit.name, date_from)
                rolled = appeal_rates(unit=unit, date_from=date_from, date_to=date_to, now=now)
                live = appeal_rates_live(unit=unit, date_from=date_from, date_to=date_to, now=now)
                assert asdict(rolled) == asdict(live), (unit.name, date_from, date_to)


def act(moment: dt.datetime, step, **kwargs) -> bool:
    """Take a step at `moment`; False when the workflow does not allow it then."""
    with time_machine.travel(moment, tick=False):
        try:
            step(**kwargs)
        except (AppealError, ValidationError, PermissionDenied):
            return False
    return True


def lifecycle(rng: random.Random, appeal, chief, *, into) -> None:
    """Drive one appeal through a random course: left alone, rejected, withdrawn, merged, or
    accepted (perhaps extended, perhaps waiting on the worker) and answered and rated, reopened when
    dissatisfied, or left for the rating window to lapse. On time or late, as the dice fall."""
    moment = appeal.received_at

    def step(hours: float, fn, **kwargs) -> bool:
        nonlocal moment
        moment += dt.timedelta(hours=hours)
        return moment < NOW and act(moment, fn, **kwargs)

    course = rng.random()
    if course < 0.08:
        return
    if course < 0.18:
        step(
            rng.uniform(1, 60),
            services.appeal_reject,
            appeal=appeal,
            rejected_by=chief,
            reason="不属于工会受理范围",
        )
        return
    if course < 0.26:
        step(rng.uniform(1, 60), services.appeal_withdraw, appeal=appeal, reason="已自行解决")
        return
    if course < 0.34 and into is not None:
        step(rng.uniform(1, 30), services.appeal_merge, appeal=appeal, merged_by=chief, into=into)
        return
    if not step(rng.uniform(1, 60), services.appeal_accept, appeal=appeal, accepted_by=chief):
        return
    if rng.random() < 0.2:
        step(20, services.appeal_extend, appeal=appeal, extended_by=chief, reason="需财务部门核算")
    if rng.random() < 0.2:
        step(2, services.appeal_request_info, appeal=appeal, requested_by=chief, question="请补充照片")
        step(rng.uniform(2, 72), services.appeal_provide_info, appeal=appeal, text="照片已补充。")
    for _round in range(2):
        if not step(
            rng.uniform(4, 220), services.appeal_answer, appeal=appeal, answered_by=chief, answer=REPLY
        ):
            return
        if rng.random() < 0.25:
            return  # the rating window lapses at the sweep
        score = rng.choice(["satisfied", "basic", "dissatisfied"])
        if not step(
            rng.uniform(1, 100), services.appeal_rate, appeal=appeal, score=score, comment="还是没修好"
        ):
            return
        if score != "dissatisfied":
            return


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_rollup_equals_the_events_for_random_appeals(company, chief, seed):
    rng = random.Random(seed)
    origins = [company.team, company.team2, company.section, company.unit, company.sibling_team]
    made = []
    for number in range(30):
        received = nov(rng.randint(1, 15), rng.randint(0, 23))
        if number % 10 == 9:
            received = dt.datetime(2026, 10, 31, 23, 30, tzinfo=SH)  # the day before the period
        with time_machine.travel(received, tick=False):
            appeal = make_appeal(
                unit=rng.choice(origins), by=chief, text=f"第{number}件:车间休息室空调坏了,请尽快维修。"
            )
        lifecycle(rng, appeal, chief, into=made[-1] if made else None)
        made.append(appeal)
    steps = Counter(AppealEvent.objects.values_list("action", flat=True))
    assert steps["rated"] and steps["reopened"] and steps["rejected"] and steps["withdrawn"]

    assert AppealDayStatsMark.objects.exists()  # nothing summed yet: every day counted from its events
    assert_rollup_equals_events(company)
    stats.refresh()
    assert not AppealDayStatsMark.objects.exists() and AppealDayStats.objects.exists()
    assert_rollup_equals_events(company)
    with time_machine.travel(NOW, tick=False):
        services.appeals_sweep()  # lapsed ratings, overdue marks and escalations; then a refresh
    assert_rollup_equals_events(company)
    stats.rebuild()
    assert_rollup_equals_events(company)


def test_the_rollup_follows_every_kind_of_step(company, chief):
    """After each step (marked, then refreshed) the rollup equals the count from the events."""
    made = {}
    for key, unit in [("a", company.team), ("b", company.team2), ("c", company.section), ("d", company.team)]:
        with time_machine.travel(nov(2, 9), tick=False):
            made[key] = make_appeal(unit=unit, by=chief, text=f"{key}:食堂晚上没有热饭,夜班工友只能吃泡面。")
    with time_machine.travel(nov(3, 9), tick=False):
        made["e"] = make_appeal(unit=company.sibling_team, by=chief, text="e:宿舍热水器坏了一个星期。")
    a, b, c, d, e = (made[key] for key in "abcde")
    steps = [
        (nov(2, 10), services.appeal_accept, {"appeal": a, "accepted_by": chief}),
        (nov(2, 11), services.appeal_merge, {"appeal": b, "merged_by": chief, "into": a}),
        (nov(2, 12), services.appeal_merge, {"appeal": d, "merged_by": chief, "into": c}),
        (nov(4, 9), services.appeal_withdraw, {"appeal": c, "reason": "已自行解决"}),  # d handled alone again
        (
            nov(4, 10),
            services.appeal_reject,
            {"appeal": d, "rejected_by": chief, "reason": "已通过仲裁途径解决"},
        ),
        (nov(5, 9), services.appeal_accept, {"appeal": e, "accepted_by": chief}),  # late
        (nov(5, 10), services.appeal_extend, {"appeal": e, "extended_by": chief, "reason": "需财务部门核算"}),
        (
            nov(5, 11),
            services.appeal_request_info,
            {"appeal": e, "requested_by": chief, "question": "请补充照片"},
        ),
        (nov(6, 9), services.appeal_provide_info, {"appeal": e, "text": "照片已补充。"}),
        (nov(6, 10), services.appeal_answer, {"appeal": a, "answered_by": chief, "answer": REPLY}),  # b too
        (nov(7, 9), services.appeal_rate, {"appeal": a, "score": "dissatisfied", "comment": "配件一直没到"}),
        (
            nov(12, 9),
            services.appeal_answer,
            {"appeal": a, "answered_by": chief, "answer": "已调拨配件修好。"},
        ),
        (nov(12, 10), services.appeal_rate, {"appeal": a, "score": "satisfied"}),
        (nov(13, 9), services.appeal_answer, {"appeal": e, "answered_by": chief, "answer": REPLY}),
    ]
    for moment, step, kwargs in steps:
        assert act(moment, step, **kwargs), step.__name__
        assert_rollup_equals_events(company, moment, periods=PERIODS[:1])
        stats.refresh()
        assert_rollup_equals_events(company, moment, periods=PERIODS[:1])
    with time_machine.travel(nov(25, 9), tick=False):
        services.appeals_sweep()  # e's rating window lapses
    assert_rollup_equals_events(company, nov(25, 9))


def test_a_marked_day_is_counted_from_its_events_until_the_sweep(company, chief):
    with time_machine.travel(nov(2, 9), tick=False):
        appeal = make_appeal(unit=company.team, by=chief)
    stats.refresh()
    act(nov(2, 10), services.appeal_accept, appeal=appeal, accepted_by=chief)
    stored = AppealDayStats.objects.get(unit=company.group, subtree=True, day=dt.date(2026, 11, 2))
    assert stored.responded == 0  # the rows still show the day as the last sweep left it
    rates = appeal_rates(unit=company.group, date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30))
    assert (rates.responded, rates.responded_on_time, rates.response_rate) == (1, 1, 100.0)


def test_the_rates_follow_a_unit_moved_to_another_parent(company, chief):
    with time_machine.travel(nov(2, 9), tick=False):
        for unit in (company.team, company.team2, company.team2):
            make_appeal(unit=unit, by=chief)
    stats.refresh()
    unit_move(unit=company.team2, new_parent=company.sibling_section)
    for unit in every_unit(company):
        unit.refresh_from_db()
    moved = appeal_rates(unit=company.sibling, date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30))
    assert moved.received == 2  # at once, counted from the events
    assert_rollup_equals_events(company, from_rollup=False)
    stats.refresh()  # the sweep sums the subtrees again for the tree as it now stands
    assert_rollup_equals_events(company)
    assert (
        AppealDayStats.objects.get(unit=company.sibling, subtree=True, day=dt.date(2026, 11, 2)).received == 2
    )


def test_the_rates_by_child_take_the_same_queries_however_many_children(
    company, chief, personas, django_assert_max_num_queries
):
    with time_machine.travel(nov(2, 9), tick=False):
        for unit in (company.team, company.team2, company.sibling_team):
            make_appeal(unit=unit, by=chief)
    stats.refresh()
    period = {"date_from": dt.date(2026, 11, 1), "date_to": dt.date(2026, 11, 30)}

    def by_child():
        return appeal_rates_by_child(fetched_by=chief, unit=company.section, **period)

    by_child()  # the user's scope, cached for the request
    with django_assert_max_num_queries(5) as two:
        rows = by_child()
    assert [(child.name, rates.received) for child, rates in rows] == [("甲班", 1), ("乙班", 1)]
    for number in range(4):
        make_unit(f"新班组{number}", "team", company.section, code=f"U1-1-N{number}")
    with django_assert_max_num_queries(len(two.captured_queries)):
        rows = by_child()
    assert len(rows) == 6
    for child, rates in rows:
        assert asdict(rates) == asdict(appeal_rates_live(unit=child, **period))


def test_the_rebuild_command_repairs_events_changed_outside_the_services(company, chief):
    with time_machine.travel(nov(2, 9), tick=False):
        appeal = make_appeal(unit=company.team, by=chief)
    act(nov(4, 9), services.appeal_accept, appeal=appeal, accepted_by=chief)  # late
    stats.refresh()
    period = {"date_from": dt.date(2026, 11, 1), "date_to": dt.date(2026, 11, 30)}
    # A correction written straight to the table (as a data fix or an import would): no mark.
    AppealEvent.objects.filter(appeal=appeal, action="accepted").update(on_time=True)
    assert appeal_rates(unit=company.unit, **period).response_rate == 0.0
    call_command("appeal_stats_rebuild", "--from", "2026-11-02", "--to", "2026-11-02", stdout=io.StringIO())
    assert appeal_rates(unit=company.unit, **period).response_rate == 100.0
    assert asdict(appeal_rates(unit=company.group, **period)) == asdict(
        appeal_rates_live(unit=company.group, **period)
    )
