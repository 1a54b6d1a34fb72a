"""Mutual-aid claims at the same moment, on PostgreSQL (real row locks).

These run only when DATABASE_URL points to PostgreSQL; SQLite serializes writers anyway.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from lianxin.assistance.models import Claim, ClaimStatus, EntryKind, Fund, FundEntry
from lianxin.assistance.services import mutual_aid as services
from lianxin.assistance.services.base import InsufficientFunds
from lianxin.assistance.services.funds import fund_reconcile
from lianxin.members.tests.factories import make_member

from .factories_mutual import invoice, make_mutual, record_claim

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRESQL, reason="needs PostgreSQL: set DATABASE_URL=postgres://…"),
    pytest.mark.django_db(transaction=True),
]


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


def test_many_approvals_at_once_never_promise_more_than_the_fund_holds(aid, company):
    mutual = make_mutual(aid, company.unit, balance="4970.00")  # 5,000.00 with the worker's premium
    members = [make_member(company.team2, f"职工{i}") for i in range(11)]
    enrolments = services.enrolment_add(actor=aid.cadre, plan=mutual.plan, members=members)
    claims = [
        record_claim(aid.cadre, enrolment, invoice(mutual.plan, "2000.00")) for enrolment in enrolments
    ]  # 600.00 each; 11 × 600 = 6,600 against 5,330 in the fund

    def approve(i):
        claim = Claim.objects.get(pk=claims[i].pk)
        return services.claim_approve(actor=aid.chairman, claim=claim, version=claim.version)

    results = in_threads(len(claims), approve)

    approved = [r for r in results if isinstance(r, Claim)]
    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    assert len(approved) == 8 and len(refused) == 3  # 5,330 // 600
    fund = Fund.objects.get(pk=mutual.fund.pk)
    assert fund.reserved == Decimal("4800.00") and fund.available >= 0
    assert Claim.objects.filter(status=ClaimStatus.APPROVED).count() == 8


def test_the_same_invoice_sent_twice_at_once_is_claimed_once(aid, company):
    mutual = make_mutual(aid, company.unit)
    [other] = services.enrolment_add(actor=aid.cadre, plan=mutual.plan, members=[aid.other_member])
    enrolments = [mutual.enrolment, other]

    def record(i):
        return record_claim(aid.cadre, enrolments[i], invoice(mutual.plan, "3000.00", number="DUP-2026-1"))

    results = in_threads(2, record)

    assert sorted(type(r).__name__ for r in results) == ["Claim", "ValidationError"]
    [error] = [r for r in results if isinstance(r, ValidationError)]
    assert "已在理赔" in error.message_dict["invoices.0.invoice_no"][0]
    assert Claim.objects.count() == 1


def test_paying_at_once_with_one_key_pays_once(aid, company):
    mutual = make_mutual(aid, company.unit)
    claim = record_claim(aid.cadre, mutual.enrolment, invoice(mutual.plan, "5000.00"))
    claim = services.claim_approve(actor=aid.chairman, claim=claim, version=claim.version)

    def pay(_i):
        return services.claim_pay(
            actor=aid.treasurer,
            claim=Claim.objects.get(pk=claim.pk),
            version=claim.version,
            reference="YH-1",
            idempotency_key="same-key",
        )

    in_threads(4, pay)

    assert FundEntry.objects.filter(claim=claim, kind=EntryKind.PAYMENT).count() == 1
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.PAID
    assert fund_reconcile(Fund.objects.get(pk=mutual.fund.pk))["ok"]
