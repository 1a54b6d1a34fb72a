"""Many approvers, treasurers and recorders at once, on PostgreSQL (real row locks).

These run only when DATABASE_URL points to PostgreSQL (SQLite serializes writers anyway). Every
thread has its own connection; the fund's row lock, the application's row lock, the member's row
lock and the unique keys (idempotency, once-per-period) are what keep the money exact.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection

from lianxin.assistance import services
from lianxin.assistance.models import Application, ApplicationStatus, EntryKind, FundEntry, ProgrammeKind
from lianxin.assistance.services import AssistanceError, InsufficientFunds
from lianxin.assistance.tests.factories import make_fund, make_programme
from lianxin.core.idempotency import Outcome

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="needs PostgreSQL: set DATABASE_URL=postgres://… (SQLite serializes writers anyway)",
    ),
    pytest.mark.django_db(transaction=True),
]

Status = ApplicationStatus


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
        thread.join(timeout=120)
    return results


def emergency(aid, company, balance: str):
    """A fund holding `balance` and an emergency programme paying 1,000 yuan grants from it."""
    fund = make_fund(company.unit, aid.chairman, balance=balance, name="应急基金")
    programme = make_programme(
        company.unit,
        fund,
        kind=ProgrammeKind.EMERGENCY,
        code="emergency",
        requires_file=False,
        standard_amount=Decimal("1000.00"),
        min_amount=Decimal("100.00"),
    )
    return fund, programme


def record(aid, programme, count: int) -> list[Application]:
    return [
        services.application_record(
            actor=aid.cadre, programme=programme, member=aid.member, reason=f"第{n}户突发困难", amount="1000"
        )
        for n in range(count)
    ]


def approve(aid, application):
    fresh = Application.objects.get(pk=application.pk)
    return services.application_approve(actor=aid.chairman, application=fresh, version=fresh.version)


def test_twenty_approvals_against_a_fund_for_seven_approve_exactly_seven(aid, company):
    fund, programme = emergency(aid, company, balance="7000.00")
    applications = record(aid, programme, 20)

    results = in_threads(20, lambda i: approve(aid, applications[i]))

    approved = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    assert len(approved) == 7 and len(refused) == 13, results
    assert all("可用余额不足" in error.message and "可用 0.00 元" in error.message for error in refused)
    assert Application.objects.filter(programme=programme, status=Status.APPROVED).count() == 7
    assert Application.objects.filter(programme=programme, status=Status.PENDING).count() == 13
    fund.refresh_from_db()
    assert (fund.balance, fund.reserved) == (Decimal("7000.00"), Decimal("7000.00"))
    assert services.fund_reconcile(fund)["ok"]


def test_the_same_payment_sent_from_eight_threads_pays_once(aid, company):
    fund, programme = emergency(aid, company, balance="5000.00")
    application = approve(aid, record(aid, programme, 1)[0])

    def pay(_i):
        return services.application_pay(
            actor=aid.treasurer,
            application=Application.objects.get(pk=application.pk),
            version=application.version,
            reference="ICBC-20260101-01",
            idempotency_key="pay-once",
        )

    results = in_threads(8, pay)

    assert all(isinstance(r, Outcome) for r in results), results
    assert sorted(r.replayed for r in results) == [False] + [True] * 7
    assert {r.target.pk for r in results} == {application.pk}
    assert FundEntry.objects.filter(application=application, kind=EntryKind.PAYMENT).count() == 1
    fund.refresh_from_db()
    assert (fund.balance, fund.reserved) == (Decimal("4000.00"), Decimal("0.00"))
    assert services.fund_reconcile(fund)["ok"]


def test_concurrent_payments_and_approvals_keep_the_balance_exact_and_never_negative(aid, company):
    fund, programme = emergency(aid, company, balance="10000.00")
    applications = record(aid, programme, 14)
    for application in applications[:10]:
        approve(aid, application)  # the whole fund is promised
    to_pay, to_approve = applications[:10], applications[10:]

    def work(i):
        if i < 10:
            fresh = Application.objects.get(pk=to_pay[i].pk)
            return services.application_pay(
                actor=aid.treasurer,
                application=fresh,
                version=fresh.version,
                reference=f"PZ-{i}",
                idempotency_key=f"pay-{i}",
            )
        return approve(aid, to_approve[i - 10])

    results = in_threads(14, work)

    assert all(isinstance(r, Outcome) for r in results[:10]), results
    assert all(isinstance(r, InsufficientFunds) for r in results[10:]), results
    fund.refresh_from_db()
    assert (fund.balance, fund.reserved) == (Decimal("0.00"), Decimal("0.00"))
    balances = FundEntry.objects.filter(fund=fund).values_list("balance_after", flat=True)
    assert min(balances) == Decimal("0.00")
    assert FundEntry.objects.filter(fund=fund, kind=EntryKind.PAYMENT).count() == 10
    assert services.fund_reconcile(fund)["ok"]


def test_two_records_for_the_same_household_and_period_at_once_one_wins(aid):
    def record_festival(i):
        return services.application_record(
            actor=aid.cadre, programme=aid.festival, member=aid.member, reason=f"春节慰问(第{i}次提交)"
        )

    results = in_threads(2, record_festival)

    winners = [r for r in results if isinstance(r, Application)]
    losers = [r for r in results if isinstance(r, AssistanceError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "每户每周期限一次" in losers[0].message
    assert Application.objects.filter(programme=aid.festival).count() == 1


def test_concurrent_records_cannot_slip_together_under_the_yearly_cap(aid):
    # 大病救助: at most 30,000 yuan a person a year; six records of 10,000 at once
    def record_illness(i):
        return services.application_record(
            actor=aid.cadre,
            programme=aid.illness,
            member=aid.member,
            reason=f"住院费用第{i}批",
            amount="10000",
        )

    results = in_threads(6, record_illness)

    assert sum(isinstance(r, Application) for r in results) == 3, results
    assert all("每人每年上限" in r.message for r in results if isinstance(r, AssistanceError))
    total = sum(a.amount for a in Application.objects.filter(programme=aid.illness))
    assert total == Decimal("30000.00")
