import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from lianxin.core.workdays import (
    add_working_days,
    calendar_year_publish,
    is_working_day,
    missing_years,
    working_days_between,
    years_to_check,
)

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def test_national_day_week_is_skipped_and_make_up_saturday_counts():
    # 2026: 1-7 October off; Saturday 10 October is a make-up working day.
    assert not is_working_day(dt.date(2026, 10, 5))
    assert is_working_day(dt.date(2026, 10, 10))
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert add_working_days(dt.date(2026, 10, 9), 1) == dt.date(2026, 10, 10)
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 12)) == 4


def test_weekend_is_skipped():
    friday = dt.date(2026, 11, 20)
    assert add_working_days(friday, 1) == dt.date(2026, 11, 23)
    assert add_working_days(friday, 5) == dt.date(2026, 11, 27)
    assert working_days_between(friday, dt.date(2026, 11, 23)) == 1
    assert working_days_between(dt.date(2026, 11, 23), friday) == -1


def test_datetime_keeps_its_time_of_day_in_shanghai():
    start = dt.datetime(2026, 12, 31, 16, 30, tzinfo=SH)
    due = add_working_days(start, 2)
    assert due.tzinfo is not None
    assert due.astimezone(SH).replace(tzinfo=None) == dt.datetime(2027, 1, 4, 16, 30)


def test_a_year_without_data_counts_weekends_only_and_never_crashes():
    assert missing_years(2026, 2027) == [2027]
    # 1 January 2027 is a Friday; without the published arrangement it counts as a working day.
    assert is_working_day(dt.date(2027, 1, 1))
    assert add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 1)
    assert working_days_between(dt.date(2026, 12, 25), dt.date(2027, 1, 8)) == 10


def test_publishing_next_year_moves_deadlines_across_new_year(django_capture_on_commit_callbacks, personas):
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_publish(
            year=2027,
            days=[(dt.date(2027, 1, 1), False, "元旦"), (dt.date(2027, 1, 2), False, "元旦")],
            actor=personas.administrator,
            source="国务院办公厅通知",
        )
    assert missing_years(2027) == []
    assert not is_working_day(dt.date(2027, 1, 1))
    assert add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 4)


def test_publish_refuses_days_of_another_year(personas):
    with pytest.raises(ValueError):
        calendar_year_publish(
            year=2027, days=[(dt.date(2026, 1, 1), False, "x")], actor=personas.administrator
        )


def test_from_october_next_year_is_checked_too():
    assert years_to_check(dt.date(2026, 11, 21)) == [2026, 2027]
    assert years_to_check(dt.date(2026, 5, 1)) == [2026]


@time_machine.travel(dt.datetime(2026, 11, 21, 9, 0, tzinfo=SH), tick=False)
def test_cadre_sees_warning_that_next_years_holidays_are_missing(client, personas):
    client.force_login(personas.cadre)
    page = client.get(reverse("core:home")).content.decode()
    assert 'id="calendar-warning"' in page
    assert "2027" in page


@time_machine.travel(dt.datetime(2026, 11, 21, 9, 0, tzinfo=SH), tick=False)
def test_worker_is_not_bothered_with_the_calendar_warning(client, personas):
    client.force_login(personas.worker)
    page = client.get(reverse("core:home")).content.decode()
    assert 'id="calendar-warning"' not in page
