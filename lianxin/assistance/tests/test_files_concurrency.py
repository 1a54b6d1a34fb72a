"""Many cadres opening a file for the same member at once, on PostgreSQL (real row locks).

Runs only when DATABASE_URL points to PostgreSQL; SQLite serializes writers anyway.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from lianxin.assistance.models import HardshipFile, Level, LocalStandard
from lianxin.assistance.services import files as services

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRESQL, reason="needs PostgreSQL: set DATABASE_URL=postgres://…"),
    pytest.mark.django_db(transaction=True),
]


def in_threads(count: int, work) -> list:
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


def test_one_of_many_cadres_opening_a_file_for_the_same_member_at_once_wins(aid, company):
    LocalStandard.objects.create(
        unit=company.unit, monthly_per_head=Decimal("1000.00"), effective_from=dt.date(2020, 1, 1)
    )

    def open_file(i):
        return services.file_open(
            actor=aid.cadre,
            member=aid.other_member,
            causes=["low_income"],
            situation=f"第 {i} 位干部登记",
            persons=[{"name": "刘大姐", "relation": "self", "monthly_income": "900"}],
            level=Level.DEEP,
        )

    results = in_threads(8, open_file)
    opened = [result for result in results if isinstance(result, HardshipFile)]
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert len(opened) == 1 and len(refused) == 7, results
    assert all("已有在档" in error.message_dict["member"][0] for error in refused)
    assert HardshipFile.objects.filter(member=aid.other_member).count() == 1
    numbers = set(HardshipFile.objects.values_list("number", flat=True))
    assert len(numbers) == HardshipFile.objects.count()
