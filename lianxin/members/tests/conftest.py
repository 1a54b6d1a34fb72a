"""Fixtures of the member tests: logging a persona in, htmx headers, members on the company tree."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lianxin.members.models import Member
from lianxin.members.tests.factories import make_member


@dataclass
class Roster:
    zhang: Member  # 甲班, the cadre's and the liaison's team
    li: Member  # 乙班, the cadre's unit, not the liaison's team
    chen: Member  # 丙班, the sibling unit: the outsider's


@pytest.fixture
def roster(company, personas) -> Roster:
    return Roster(
        zhang=make_member(company.team, "张伟", member_no="M0012345", phone="13812345678"),
        li=make_member(company.team2, "李娜", member_no="M0020001"),
        chen=make_member(company.sibling_team, "陈静", member_no="M0030001"),
    )
