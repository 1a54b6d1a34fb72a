"""Fixtures of the org tests: logging a persona in, and rooms, stations and liaisons on the company."""

from __future__ import annotations

import pytest

from lianxin.members.tests.factories import make_member
from lianxin.org.models import PostKind, SixHave
from lianxin.org.tests.factories import make_liaison, make_post

ALL_SIX = [code for code, _label in SixHave.choices]


@pytest.fixture
def mass_work(company, personas):
    """Rooms, stations and liaisons on the company tree; counted by hand in the coverage tests.

    group: a room with all six haves; secondary: no room (vetoed);
    炼钢厂: a station on its 一炼钢车间 with three of the six; 轧钢厂: no station (vetoed);
    甲班 has a liaison, 乙班 and 丙班 have none (丙班 had one, who stepped down).
    """
    room = make_post(company.group, PostKind.ROOM, "集团职工群众工作室", items=ALL_SIX)
    station = make_post(company.section, PostKind.STATION, "一炼钢群众工作站", items=ALL_SIX[:3])
    liaison_member = personas.liaison.member
    liaison = make_liaison(company.team, liaison_member)
    former = make_member(company.sibling_team, "郑前任")
    make_liaison(company.sibling_team, former, ended=True)
    return {"room": room, "station": station, "liaison": liaison}
