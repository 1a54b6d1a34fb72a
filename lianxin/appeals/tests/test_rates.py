"""The three rates from the event rows, against a hand count.

Fifteen appeals received in November 2026 (and one in October, outside the period), driven with the
clock moved: on time and late, reopened, rejected, withdrawn, merged, extended, waiting on the
worker, lapsed, rated each way. Every appeal raised 2 November 09:00 must be accepted by the end of
3 November and answered by the end of 9 November. The rates are read on 20 November at noon.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from lianxin.appeals import services
from lianxin.appeals.selectors import appeal_rates
from lianxin.appeals.tests.factories import make_appeal

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=SH)
NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def nov(day, hour=10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=SH)


# Hand count, one row per appeal: (key, unit, first response on time?, first answer on time?, ratings).
# None: not counted (no response due yet / not due an answer); "late" rows are counted as not on time.
HAND = [
    ("a1", "team", True, True, ["satisfied"]),
    ("a2", "team2", True, True, ["basic"]),
    ("a3", "team", False, False, ["dissatisfied", "satisfied"]),  # reopened at 燕钢股份公司
    ("a4", "team", True, True, []),  # the rating window lapsed
    ("a5", "team2", True, None, []),  # rejected in time
    ("a6", "team", False, None, []),  # rejected late
    ("a7", "team", None, None, []),  # withdrawn before any response
    ("a8", "team", True, None, []),  # merged into a1 in time; gets a1's answer, not counted again
    ("a9", "team", False, False, []),  # never accepted: both limits passed
    ("a10", "team2", True, False, []),  # accepted, still in hand after the answer limit
    ("a11", "team", True, True, ["satisfied"]),  # extended, answered within the extended limit
    ("a12", "team", None, None, []),  # raised yesterday: nothing due yet
    ("a13", "team", True, None, []),  # waiting on the worker since before the answer limit
    ("b1", "sibling_team", True, True, ["satisfied"]),
    ("b2", "sibling_team", False, False, []),
]


def hand_count(units: set[str]) -> dict:
    rows = [row for row in HAND if row[1] in units]
    responses = [r[2] for r in rows if r[2] is not None]
    answers = [r[3] for r in rows if r[3] is not None]
    ratings = [score for r in rows for score in r[4]]
    return {
        "received": len(rows),
        "response_due": len(responses),
        "responded_on_time": responses.count(True),
        "answer_due": len(answers),
        "answered_on_time": answers.count(True),
        "rated": len(ratings),
        "satisfied": ratings.count("satisfied"),
        "basic": ratings.count("basic"),
        "dissatisfied": ratings.count("dissatisfied"),
    }


@pytest.fixture
def november(company, personas):
    p = personas
    unit_of = {"team": company.team, "team2": company.team2, "sibling_team": company.sibling_team}
    made = {}
    for key, unit, *_rest in HAND:
        raised = nov(19) if key == "a12" else nov(2, 9)
        by = p.outsider if unit == "sibling_team" else p.cadre
        with time_machine.travel(raised, tick=False):
            made[key] = make_appeal(
                unit=unit_of[unit], by=by, text=f"{key}:车间休息室空调坏了,请尽快维修({key})"
            )
    with time_machine.travel(dt.datetime(2026, 10, 30, 9, 0, tzinfo=SH), tick=False):
        october = make_appeal(unit=company.team, by=p.cadre, text="十月份的诉求,不在本期统计之内。")
        services.appeal_accept(appeal=october, accepted_by=p.cadre)
    a = made

    def do(when, fn, **kwargs):
        with time_machine.travel(when, tick=False):
            fn(**kwargs)

    accept, answer, rate = services.appeal_accept, services.appeal_answer, services.appeal_rate
    for key in ("a1", "a2", "a4", "a10", "a11", "a13"):
        do(nov(2, 10), accept, appeal=a[key], accepted_by=p.cadre)
    do(nov(2, 10), accept, appeal=a["b1"], accepted_by=p.outsider)
    do(nov(4, 9), accept, appeal=a["a3"], accepted_by=p.cadre)  # late
    do(nov(4, 9), accept, appeal=a["b2"], accepted_by=p.outsider)  # late
    do(nov(2, 11), services.appeal_merge, appeal=a["a8"], merged_by=p.cadre, into=a["a1"])
    do(nov(2, 15), services.appeal_withdraw, appeal=a["a7"], withdrawn_by=p.worker)
    do(nov(3, 9), services.appeal_reject, appeal=a["a5"], rejected_by=p.cadre, reason="不属于工会受理范围")
    do(nov(5, 9), services.appeal_reject, appeal=a["a6"], rejected_by=p.cadre, reason="已通过仲裁途径解决")
    do(nov(4, 10), services.appeal_extend, appeal=a["a11"], extended_by=p.cadre, reason="需财务部门核算")
    do(nov(5, 10), services.appeal_request_info, appeal=a["a13"], requested_by=p.cadre, question="请补充照片")
    for key in ("a1", "a2", "a4"):
        do(nov(5), answer, appeal=a[key], answered_by=p.cadre, answer="已安排维修,请查看。")
    do(nov(5), answer, appeal=a["b1"], answered_by=p.outsider, answer="已安排维修,请查看。")
    do(nov(10), answer, appeal=a["a3"], answered_by=p.cadre, answer="已报修,等待配件。")  # late
    do(nov(16), answer, appeal=a["a11"], answered_by=p.cadre, answer="已核算并补发。")  # within 23 Nov
    do(nov(6), rate, appeal=a["a1"], score="satisfied")
    do(nov(6), rate, appeal=a["a2"], score="basic", comment="修得有点慢")
    do(nov(11), rate, appeal=a["a3"], score="dissatisfied", comment="配件一直没到")
    do(nov(12), answer, appeal=a["a3"], answered_by=p.parent_cadre, answer="股份公司已调拨配件修好。")
    do(nov(13), rate, appeal=a["a3"], score="satisfied")
    do(nov(17), rate, appeal=a["a11"], score="satisfied")
    do(nov(6), rate, appeal=a["b1"], score="satisfied")
    with time_machine.travel(nov(13, 11), tick=False):
        services.appeals_sweep()  # a4 lapses; the late ones are marked and escalated
    return made


def rates_of(unit):
    with time_machine.travel(NOW, tick=False):
        return appeal_rates(unit=unit, date_from=NOVEMBER[0], date_to=NOVEMBER[1], now=NOW)


def as_counted(rates) -> dict:
    return {key: getattr(rates, key) for key in hand_count(set())}


def test_rates_of_a_unit_agree_with_the_hand_count(november, company):
    rates = rates_of(company.unit)
    assert as_counted(rates) == hand_count({"team", "team2"})
    assert (rates.response_rate, rates.resolution_rate, rates.satisfaction_rate) == (72.7, 57.1, 80.0)
    # Still open: a9, a10, a12, a13; overdue among them: a9 and a10 (a13 waits on the worker).
    assert (rates.open, rates.overdue_open) == (4, 2)


def test_rates_of_a_child_unit_count_only_its_own_subtree(november, company):
    rates = rates_of(company.team2)
    assert as_counted(rates) == hand_count({"team2"})
    assert (rates.response_rate, rates.resolution_rate, rates.satisfaction_rate) == (100.0, 50.0, 100.0)


def test_rates_of_the_parent_take_in_every_child(november, company):
    rates = rates_of(company.secondary)
    assert as_counted(rates) == hand_count({"team", "team2", "sibling_team"})
    assert rates.received == 15


def test_a_period_without_appeals_has_no_rates(november, company):
    with time_machine.travel(NOW, tick=False):
        rates = appeal_rates(unit=company.unit, date_from=dt.date(2026, 12, 1), date_to=dt.date(2026, 12, 31))
    assert rates.received == 0 and rates.response_rate is None and rates.satisfaction_rate is None


def test_the_merged_appeal_shows_the_answer_it_was_merged_into(november):
    merged = november["a8"]
    merged.refresh_from_db()
    assert merged.answer == "已安排维修,请查看。" and merged.answered_at is not None
