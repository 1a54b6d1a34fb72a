"""Builders for assistance tests. Money enters funds through the fund services, as in real use."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from lianxin.assistance.models import (
    Fund,
    FundKind,
    HardshipFile,
    Level,
    Programme,
    ProgrammeKind,
)
from lianxin.assistance.services.base import next_number
from lianxin.assistance.services.funds import fund_income


def make_fund(
    unit, actor, *, balance: str | Decimal = "100000.00", name: str = "", kind: str = FundKind.RELIEF
) -> Fund:
    fund = Fund.objects.create(unit=unit, name=name or f"{unit.name}帮扶救助基金", kind=kind)
    if Decimal(str(balance)) > 0:
        fund_income(fund=fund, kind="allocation", amount=balance, actor=actor, note="年度拨款")
    fund.refresh_from_db()
    return fund


def make_programme(
    unit, fund: Fund, *, kind: str = ProgrammeKind.FESTIVAL_VISIT, code: str = "", **fields
) -> Programme:
    defaults = {
        ProgrammeKind.FESTIVAL_VISIT: {"name": "两节送温暖", "standard_amount": Decimal("1000.00")},
        ProgrammeKind.SCHOOL_AID: {
            "name": "金秋助学",
            "amounts_by_school_level": {"junior": "800.00", "senior": "1500.00", "college": "3000.00"},
            "requires_file": False,
        },
        ProgrammeKind.SERIOUS_ILLNESS: {
            "name": "大病救助",
            "max_amount": Decimal("20000.00"),
            "approval_threshold": Decimal("5000.00"),
            "cap_per_person_year": Decimal("30000.00"),
            "once_per_period": False,
        },
        ProgrammeKind.EMERGENCY: {
            "name": "应急救助",
            "max_amount": Decimal("5000.00"),
            "once_per_period": False,
        },
        ProgrammeKind.IN_KIND: {
            "name": "夏送清凉",
            "standard_amount": Decimal("200.00"),
            "requires_file": False,
        },
        ProgrammeKind.ROUTINE_VISIT: {"name": "日常走访慰问", "standard_amount": Decimal("500.00")},
    }[kind]
    defaults.update(fields)
    return Programme.objects.create(unit=unit, fund=fund, kind=kind, code=code or kind, **defaults)


def make_file(
    member, actor, *, level: str = Level.DEEP, causes=("serious_illness",), **fields
) -> HardshipFile:
    """A hardship file written directly (the file services are tested on their own)."""
    today = timezone.localdate()
    with transaction.atomic():
        number = next_number("KN", today.year)  # from the series, so file_open continues it
    values = {
        "number": number,
        "unit": member.unit,
        "member": member,
        "level": level,
        "suggested_level": level,
        "causes": list(causes),
        "household_size": 3,
        "monthly_income": Decimal("2400.00"),
        "income_per_head": Decimal("800.00"),
        "local_standard": Decimal("1000.00"),
        "opened_by": actor,
        "next_review_on": today + dt.timedelta(days=365),
    }
    values.update(fields)
    return HardshipFile.objects.create(**values)
