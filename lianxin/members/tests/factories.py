from __future__ import annotations

import itertools
import random

from stdnum.cn import ric

from lianxin.members.models import Member
from lianxin.members.services import member_build

_numbers = itertools.count(1)


def valid_id_number(seed: int, birth: str = "19850312", region: str = "130203") -> str:
    """A resident ID number with a correct GB 11643 check digit."""
    body = f"{region}{birth}{seed % 1000:03d}"
    return body + ric.calc_check_digit(body)


def make_member(unit, name: str = "张伟", *, user=None, with_id: bool = True, **fields) -> Member:
    n = next(_numbers)
    fields.setdefault("member_no", f"M{n:07d}")
    if with_id:
        fields.setdefault("id_number", valid_id_number(n, birth=f"19{random.randint(60, 99)}0101"))
    fields.setdefault("phone", f"138{n:08d}")
    member = member_build(unit=unit, name=name, **fields)
    member.user = user
    member.save()
    return member
