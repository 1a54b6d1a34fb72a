"""The assistance cast, on top of the shared company and personas (lianxin/conftest.py).

- `cadre` (炼钢厂 cadre) records; `chairman` (炼钢厂 chairman) approves; `upper_chairman`
  (股份公司 chairman) approves what is above a programme's threshold; `treasurer` (炼钢厂) pays;
  `outsider` (轧钢厂 cadre) sees nothing of 炼钢厂; `leader` (炼钢厂 leader) is paired with
  households; `worker` is a member in 甲班 with a hardship file.
- `fund`: 炼钢厂's relief fund holding 100,000.00 yuan; `festival`, `school`, `illness`
  programmes of 炼钢厂 paying from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lianxin.assistance.models import ProgrammeKind
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.members.models import Member
from lianxin.members.tests.factories import make_member

from .factories import make_file, make_fund, make_programme


@dataclass
class Aid:
    cadre: object
    chairman: object
    upper_chairman: object
    treasurer: object
    outsider: object
    leader: object
    worker: object
    member: Member
    other_member: Member
    outsider_member: Member
    fund: object
    festival: object
    school: object
    illness: object
    file: object


@pytest.fixture
def aid(company, personas) -> Aid:
    chairman = UserFactory(username="chairman", full_name="吴主席")
    grant(chairman, company.unit, "chairman")
    upper_chairman = UserFactory(username="upper_chairman", full_name="郑主席")
    grant(upper_chairman, company.secondary, "chairman")
    treasurer = UserFactory(username="treasurer", full_name="冯出纳")
    grant(treasurer, company.unit, "treasurer")
    leader = UserFactory(username="leader", full_name="陈厂长")
    grant(leader, company.unit, "leader")
    member = Member.objects.get(user=personas.worker)
    other_member = make_member(company.team2, "刘大姐")
    outsider_member = make_member(company.sibling_team, "何师傅")
    fund = make_fund(company.unit, chairman)
    festival = make_programme(company.unit, fund, kind=ProgrammeKind.FESTIVAL_VISIT)
    school = make_programme(company.unit, fund, kind=ProgrammeKind.SCHOOL_AID)
    illness = make_programme(company.unit, fund, kind=ProgrammeKind.SERIOUS_ILLNESS)
    file = make_file(member, personas.cadre)
    return Aid(
        cadre=personas.cadre,
        chairman=chairman,
        upper_chairman=upper_chairman,
        treasurer=treasurer,
        outsider=personas.outsider,
        leader=leader,
        worker=personas.worker,
        member=member,
        other_member=other_member,
        outsider_member=outsider_member,
        fund=fund,
        festival=festival,
        school=school,
        illness=illness,
        file=file,
    )
