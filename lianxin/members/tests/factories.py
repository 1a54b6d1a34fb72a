from __future__ import annotations

import itertools
import random

from stdnum.cn import ric

from lianxin.members.models import Member
from lianxin.members.services import member_build

_numbers = itertools.count(1)


def valid_id_number(seed: int, birth: str = "19850312", region: str = "110105") -> str:
    """A resident ID number with a correct GB 11643 check digit.

    `ric.calc_check_digit` expects the number *with* a check digit in place and ignores the last
    character, so a placeholder is appended to the 17-digit body.
    """
    body = f"{region}{birth}{seed % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


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


def make_sheet(rows: list[list], headers: list[str] | None = None) -> bytes:
    """An .xlsx (as Excel would save it: shared strings) with a header row and `rows`."""
    import io

    from openpyxl import Workbook

    from lianxin.members.imports import COLUMNS

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers if headers is not None else list(COLUMNS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sheet_row(
    member_no: str, name: str, unit_code: str, *, id_number: str = "", phone: str = "", **extra
) -> list:
    """A row in the import's column order; `extra` names other columns by field (gender='女')."""
    from lianxin.members.imports import COLUMNS

    values = {
        "member_no": member_no,
        "name": name,
        "unit_code": unit_code,
        "id_number": id_number,
        "phone": phone,
    }
    values |= extra
    return [values.get(field, "") for field in COLUMNS.values()]
