"""An approved application draws from the fund it reserved on (`Application.fund`).

A programme may be moved to another fund while some of its approvals are still unpaid: paying,
returning and reversing those goes on in the fund that promised the money, never the new one, and
both funds' balances, reservations and ledgers stay exact.
"""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from lianxin.assistance import services
from lianxin.assistance.models import Application, ApplicationStatus, EntryKind, Fund, FundEntry
from lianxin.assistance.services import AssistanceError
from lianxin.assistance.tests.factories import make_file, make_fund

pytestmark = pytest.mark.django_db

Status = ApplicationStatus
HUNDRED_K = Decimal("100000.00")
FIFTY_K = Decimal("50000.00")


def record(aid, programme=None):
    return services.application_record(
        actor=aid.cadre, programme=programme or aid.festival, member=aid.member, reason="节日慰问困难职工"
    )


def approve(aid, application):
    return services.application_approve(
        actor=aid.chairman, application=application, version=application.version
    )


def pay(aid, application, key="pay-1"):
    return services.application_pay(
        actor=aid.treasurer,
        application=application,
        version=application.version,
        reference="PZ-2026-101",
        idempotency_key=key,
    ).target


def move_programme(aid, programme) -> Fund:
    """The programme now pays from a second fund of 炼钢厂 holding 50,000.00."""
    second = make_fund(programme.unit, aid.chairman, balance=FIFTY_K, name="炼钢厂第二帮扶基金")
    programme.fund = second
    programme.save(update_fields=["fund"])
    return second


def figures(fund: Fund) -> tuple[Decimal, Decimal]:
    fund.refresh_from_db()
    return fund.balance, fund.reserved


def reconciled(*funds: Fund) -> bool:
    return all(services.fund_reconcile(fund)["ok"] for fund in funds)


def test_approval_records_the_fund_it_reserved_on(aid):
    application = record(aid)
    assert application.fund is None

    application = approve(aid, application)

    assert application.fund == aid.fund
    assert Application.objects.get(pk=application.pk).fund_id == aid.fund.pk
    assert figures(aid.fund) == (HUNDRED_K, Decimal("1000.00"))


def test_payment_comes_from_the_reserving_fund_after_the_programme_moved(aid):
    application = approve(aid, record(aid))
    second = move_programme(aid, aid.festival)

    application = pay(aid, application)

    assert application.status == Status.PAID and application.fund == aid.fund
    payment = FundEntry.objects.get(application=application, kind=EntryKind.PAYMENT)
    assert payment.fund == aid.fund and payment.amount == Decimal("-1000.00")
    assert figures(aid.fund) == (Decimal("99000.00"), Decimal("0.00"))
    assert figures(second) == (FIFTY_K, Decimal("0.00"))
    assert reconciled(aid.fund, second)


def test_a_new_approval_after_the_move_reserves_on_the_new_fund(aid):
    earlier = approve(aid, record(aid))
    second = move_programme(aid, aid.festival)
    later = approve(aid, _second_member(aid))

    assert later.fund == second
    assert figures(aid.fund) == (HUNDRED_K, Decimal("1000.00"))
    assert figures(second) == (FIFTY_K, Decimal("1000.00"))
    pay(aid, earlier, key="pay-earlier")
    pay(aid, later, key="pay-later")
    assert figures(aid.fund) == (Decimal("99000.00"), Decimal("0.00"))
    assert figures(second) == (Decimal("49000.00"), Decimal("0.00"))
    assert reconciled(aid.fund, second)


def _second_member(aid) -> Application:
    make_file(aid.other_member, aid.cadre)
    return services.application_record(
        actor=aid.cadre, programme=aid.festival, member=aid.other_member, reason="节日慰问"
    )


def test_a_return_after_the_move_releases_the_reserving_fund_and_the_void_leaves_both_whole(aid):
    application = approve(aid, record(aid))
    second = move_programme(aid, aid.festival)

    application = services.application_return(
        actor=aid.chairman, application=application, version=application.version, reason="材料不全"
    )

    assert application.status == Status.RETURNED and application.fund is None
    assert figures(aid.fund) == (HUNDRED_K, Decimal("0.00"))
    assert figures(second) == (FIFTY_K, Decimal("0.00"))

    application = services.application_void(
        actor=aid.cadre, application=application, version=application.version, reason="重复登记"
    )

    assert application.status == Status.VOIDED and application.fund is None
    assert figures(aid.fund) == (HUNDRED_K, Decimal("0.00"))
    assert figures(second) == (FIFTY_K, Decimal("0.00"))
    assert not FundEntry.objects.filter(application=application).exists()
    assert reconciled(aid.fund, second)


def test_a_returned_application_approved_again_reserves_on_the_programmes_fund_of_then(aid):
    application = approve(aid, record(aid))
    second = move_programme(aid, aid.festival)
    application = services.application_return(
        actor=aid.chairman, application=application, version=application.version, reason="金额有误"
    )
    application = services.application_resubmit(
        actor=aid.cadre, application=application, version=application.version
    )

    application = pay(aid, approve(aid, application))

    assert application.fund == second
    assert figures(aid.fund) == (HUNDRED_K, Decimal("0.00"))
    assert figures(second) == (Decimal("49000.00"), Decimal("0.00"))
    assert reconciled(aid.fund, second)


def test_a_reversal_after_the_move_puts_the_money_back_in_the_fund_it_came_from(aid):
    application = pay(aid, approve(aid, record(aid)))
    second = move_programme(aid, aid.festival)

    application = services.application_reverse(
        actor=aid.treasurer, application=application, version=application.version, reason="重复发放"
    )

    assert application.status == Status.REVERSED and application.fund == aid.fund
    reversal = FundEntry.objects.get(application=application, kind=EntryKind.REVERSAL)
    assert reversal.fund == aid.fund and reversal.amount == Decimal("1000.00")
    assert figures(aid.fund) == (HUNDRED_K, Decimal("0.00"))
    assert figures(second) == (FIFTY_K, Decimal("0.00"))
    assert not FundEntry.objects.filter(fund=second).exclude(kind=EntryKind.ALLOCATION).exists()
    assert reconciled(aid.fund, second)


def test_the_old_fund_cannot_be_taken_out_of_use_while_it_holds_the_moved_programmes_approval(aid):
    approve(aid, record(aid))
    move_programme(aid, aid.festival)

    with pytest.raises(AssistanceError) as refused:
        services.fund_update(actor=aid.chairman, fund=aid.fund, is_active=False)

    assert "1,000.00" in refused.value.message


def test_an_approval_without_a_recorded_fund_is_not_paid_from_a_guess(aid):
    application = approve(aid, record(aid))
    Application.objects.filter(pk=application.pk).update(fund=None)
    application.refresh_from_db()

    with pytest.raises(AssistanceError):
        pay(aid, application)

    assert not FundEntry.objects.filter(application=application).exists()
    assert figures(aid.fund) == (HUNDRED_K, Decimal("1000.00"))


def test_the_migration_gives_older_applications_the_fund_they_used(aid):
    illness_fund = move_programme(aid, aid.illness)
    approved = approve(
        aid,
        services.application_record(
            actor=aid.cadre, programme=aid.illness, member=aid.member, reason="住院", amount="3000.00"
        ),
    )
    paid = pay(aid, approve(aid, record(aid)))
    pending = _second_member(aid)
    festival_now = move_programme(aid, aid.festival)
    Application.objects.update(fund=None)  # as before 0005

    migration = importlib.import_module("lianxin.assistance.migrations.0005_application_fund")
    migration.fill_fund(apps, None)

    by_pk = dict(Application.objects.values_list("pk", "fund_id"))
    assert by_pk[approved.pk] == illness_fund.pk  # its programme's fund
    assert by_pk[paid.pk] == aid.fund.pk  # where its payment was posted, not festival's fund of today
    assert festival_now.pk != aid.fund.pk
    assert by_pk[pending.pk] is None
