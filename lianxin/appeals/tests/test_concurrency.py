"""Two handlers at once, and many intakes at once, on PostgreSQL (real row locks and sequences).

These run only when DATABASE_URL points to PostgreSQL (CI runs the suite on both databases). The
check reads the settings, not the server: with DATABASE_URL set and the server down they fail.
"""

import datetime as dt
import threading
import time
import zoneinfo

import pytest
from django.conf import settings
from django.db import connection, transaction

from lianxin.appeals import services
from lianxin.appeals.categories import CATEGORIES
from lianxin.appeals.models import Appeal, AppealEvent, Category, State
from lianxin.appeals.services import AppealConflict
from lianxin.appeals.tests.factories import make_appeal

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="needs PostgreSQL: set DATABASE_URL=postgres://… (SQLite serializes writers anyway)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _categories():
    """Transactional tests flush the rows data migrations loaded; the intake needs the categories."""
    for order, (code, name, covers, keywords) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "covers": covers, "keywords": keywords, "order": order}
        )


def in_threads(count: int, work) -> list:
    """Run work(i) in `count` threads started together; each result or the exception it raised."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        try:
            start.wait(timeout=10)
            results[i] = work(i)
        except Exception as error:  # the test looks at what each thread got
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_handlers_accepting_at_once_one_wins_and_the_other_gets_a_conflict(company, personas):
    appeal = make_appeal(unit=company.team, by=personas.worker, text="休息室空调坏了两个星期,请尽快维修。")

    def accept(_i):
        return services.appeal_accept(
            appeal=Appeal.objects.get(pk=appeal.pk), accepted_by=personas.cadre, expected_version=1
        )

    results = in_threads(2, accept)
    assert sorted(type(r).__name__ for r in results) == ["Appeal", "AppealConflict"]
    assert AppealEvent.objects.filter(appeal=appeal, action="accepted").count() == 1
    assert Appeal.objects.get(pk=appeal.pk).version == 2


def test_the_second_handler_waits_for_the_first_and_is_told_what_happened(company, personas):
    appeal = make_appeal(unit=company.team, by=personas.worker, text="食堂夜班没有热饭,请延长供应。")
    holding, release = threading.Event(), threading.Event()

    def work(i):
        if i == 0:
            with transaction.atomic():
                services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
                holding.set()
                release.wait(timeout=10)
            return "accepted"
        holding.wait(timeout=10)
        began = time.monotonic()
        try:
            services.appeal_accept(appeal=appeal, accepted_by=personas.parent_cadre)
        except AppealConflict as conflict:
            return (time.monotonic() - began, conflict.message)
        return "accepted twice"

    def let_go():
        holding.wait(timeout=10)
        time.sleep(0.5)
        release.set()

    threading.Thread(target=let_go).start()
    first, second = in_threads(2, work)
    assert first == "accepted"
    waited, message = second
    assert waited >= 0.4  # blocked on the row lock until the first committed
    assert appeal.number in message and "已受理" in message
    assert Appeal.objects.get(pk=appeal.pk).state == State.ACCEPTED


def test_intake_numbers_stay_unique_under_concurrent_submissions(company, personas):
    with connection.cursor() as cursor:  # the year's first intakes race to make its sequence
        cursor.execute("DROP SEQUENCE IF EXISTS appeals_number_2019")
    received = dt.datetime(2019, 6, 3, 9, 0, tzinfo=SH)

    def submit(i):
        numbers = []
        for n in range(5):
            appeal = make_appeal(
                unit=company.team,
                by=personas.liaison,
                text=f"第{i}组第{n}条:车间休息室空调坏了,请尽快维修。",
                received_at=received,
            )
            numbers.append(appeal.number)
        return numbers

    results = in_threads(8, submit)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    numbers = [number for batch in results for number in batch]
    assert sorted(numbers) == [f"SS-2019-{n:06d}" for n in range(1, 41)]
