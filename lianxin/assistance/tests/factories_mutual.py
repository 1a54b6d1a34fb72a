"""Builders for mutual-aid tests, on top of the `aid` cast (tests/conftest.py).

`make_mutual(aid, company.unit)` gives 炼钢厂's mutual-aid fund (50,000.00 yuan), this year's plan paying from it
(premium 30, deductible 1,000, rate 60 %, 20,000 per claim, 50,000 per member, above 10,000 the
next level up approves) and the worker's enrolment, made through the services as in real use.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from lianxin.assistance.models import Claim, Enrolment, Fund, FundKind, MutualAidPlan
from lianxin.assistance.services import mutual_aid as services

from .factories import make_fund

_invoice_numbers = itertools.count(1)


def make_mutual_fund(unit, actor, *, balance: str = "50000.00") -> Fund:
    return make_fund(unit, actor, balance=balance, name=f"{unit.name}互助保障基金", kind=FundKind.MUTUAL_AID)


def make_plan(unit, fund: Fund, **fields) -> MutualAidPlan:
    """This year's plan (so enrolment is still open today), written directly."""
    year = timezone.localdate().year
    values = {
        "name": f"{year}年职工住院互助保障",
        "starts_on": dt.date(year, 1, 1),
        "ends_on": dt.date(year, 12, 31),
        "premium": Decimal("30.00"),
        "deductible": Decimal("1000.00"),
        "rate": Decimal("0.600"),
        "cap_per_claim": Decimal("20000.00"),
        "cap_per_member": Decimal("50000.00"),
        "approval_threshold": Decimal("10000.00"),
    }
    values.update(fields)
    return MutualAidPlan.objects.create(unit=unit, fund=fund, **values)


def invoice(plan: MutualAidPlan, total: str, eligible: str | None = None, *, number: str = "", day: int = 10):
    """One invoice dated inside the plan's period."""
    return {
        "invoice_no": number or f"0{next(_invoice_numbers):09d}",
        "issued_on": plan.starts_on + dt.timedelta(days=day),
        "total": total,
        "eligible": eligible if eligible is not None else total,
    }


def record_claim(actor, enrolment: Enrolment, *invoices, illness: str = "肺炎住院", **fields) -> Claim:
    plan = enrolment.plan
    return services.claim_record(
        actor=actor,
        enrolment=enrolment,
        illness=illness,
        admitted_on=fields.pop("admitted_on", plan.starts_on + dt.timedelta(days=9)),
        invoices=list(invoices) or [invoice(plan, "5000.00")],
        hospital=fields.pop("hospital", "市第一人民医院"),
        **fields,
    )


@dataclass
class Mutual:
    fund: Fund
    plan: MutualAidPlan
    enrolment: Enrolment


def make_mutual(aid, unit, *, balance: str = "50000.00", **plan_fields) -> Mutual:
    """`unit` (炼钢厂 in the tests) runs the plan; the worker is enrolled by the cadre."""
    fund = make_mutual_fund(unit, aid.chairman, balance=balance)
    plan = make_plan(unit, fund, **plan_fields)
    [enrolment] = services.enrolment_add(actor=aid.cadre, plan=plan, members=[aid.member])
    fund.refresh_from_db()
    return Mutual(fund=fund, plan=plan, enrolment=enrolment)
