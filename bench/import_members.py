"""How long a large member import takes: check, then apply (import the good rows).

    .venv/bin/python bench/import_members.py            # 100,000 rows, 2% of them bad
    .venv/bin/python bench/import_members.py --rows 20000 --bad-every 10

Builds a company tree (group → secondary companies → units → sections → teams) in a throwaway
SQLite database, writes a sheet of generated members with some invalid rows (bad ID check digit,
unknown unit code, duplicate member number, bad phone, bad date, missing name), then times
`imports.member_import_check` and `imports.member_import_apply(on_error=skip_bad_rows)`.
Prints figures only; it asserts nothing about time. The target is under 60 s for 100,000 rows.

With --database-url the run uses that database instead (it is migrated and written to: give it
a scratch database, never a real one).
"""

from __future__ import annotations

import argparse
import atexit
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌鹏宇浩"
BAD_KINDS = ["id_checksum", "unit", "duplicate", "phone", "date", "name"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad-every", type=int, default=50, help="one bad row in this many (default 50)")
    parser.add_argument("--database-url", default="", help="a scratch database to use instead of SQLite")
    parser.add_argument("--profile", action="store_true", help="print the top functions of check and apply")
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "lianxin.settings"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        folder = tempfile.mkdtemp(prefix="lianxin-bench-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        os.environ["LIANXIN_SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_tree() -> tuple[object, list[str]]:
    """group → 4 secondary → 5 units each → 4 sections each → 5 teams each (505 units)."""
    from lianxin.org.models import Unit, UnitLevel

    def child(parent, name, level, code):
        return Unit.objects.add_child(
            Unit.objects.get(pk=parent.pk), instance=Unit(name=name, level=level, code=code)
        )

    group = Unit.objects.add_root(instance=Unit(name="燕山钢铁集团", level=UnitLevel.GROUP, code="G"))
    team_codes: list[str] = []
    for s in range(1, 5):
        secondary = child(group, f"第{s}公司", UnitLevel.SECONDARY, f"S{s}")
        for u in range(1, 6):
            unit = child(secondary, f"第{s}-{u}厂", UnitLevel.UNIT, f"S{s}U{u}")
            for c in range(1, 5):
                section = child(unit, f"第{c}车间", UnitLevel.SECTION, f"S{s}U{u}C{c}")
                for t in range(1, 6):
                    code = f"S{s}U{u}C{c}T{t}"
                    child(section, f"第{t}班", UnitLevel.TEAM, code)
                    team_codes.append(code)
    return group, team_codes


def id_number(n: int) -> str:
    """A valid ID number, different for every n: the birth date moves on every 1,000 numbers."""
    import datetime as dt

    from stdnum.cn import ric

    born = dt.date(1960, 1, 1) + dt.timedelta(days=(n // 1000) * 53)
    body = f"110105{born:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def good_row(n: int, team_codes: list[str]) -> list:
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 7) % len(GIVEN)] + GIVEN[(n // 311) % len(GIVEN)]
    return [
        f"M{n:08d}",
        name,
        "",
        "",
        id_number(n),
        f"13{n % 10}{n:08d}",
        team_codes[n % len(team_codes)],
        "操作工",
        "正式" if n % 5 else "劳务派遣",
        f"{2000 + n % 20}-{1 + n % 12:02d}-01",
        "在会",
    ]


def spoil(row: list, kind: str, n: int) -> list:
    if kind == "id_checksum":
        good = row[4] or id_number(n)
        row[4] = good[:-1] + ("0" if good[-1] != "0" else "1")
    elif kind == "unit":
        row[6] = "NO-SUCH-UNIT"
    elif kind == "duplicate":
        row[0] = f"M{n - 1:08d}"
    elif kind == "phone":
        row[5] = "12345"
    elif kind == "date":
        row[9] = "2020-13-45"
    else:
        row[1] = ""
    return row


def build_sheet(rows: int, bad_every: int, team_codes: list[str]) -> tuple[bytes, int]:
    from openpyxl import Workbook

    from lianxin.members.imports import COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("会员")
    sheet.append(list(COLUMNS))  # the importer's own headers, in its order
    bad = 0
    for n in range(1, rows + 1):
        row = good_row(n, team_codes)
        if n % bad_every == 0:
            row = spoil(row, BAD_KINDS[(n // bad_every) % len(BAD_KINDS)], n)
            bad += 1
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), bad


def timed(label: str, profile: bool, func, **kwargs):
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        started = time.perf_counter()
        result = profiler.runcall(func, **kwargs)
        seconds = time.perf_counter() - started
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    else:
        started = time.perf_counter()
        result = func(**kwargs)
        seconds = time.perf_counter() - started
    print(f"{label:<28}{seconds:8.1f} s")
    return result, seconds


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from lianxin.core.tests.factories import UserFactory, grant
    from lianxin.members import imports
    from lianxin.members.models import Member

    started = time.perf_counter()
    group, team_codes = build_tree()
    user = UserFactory(username="bench", full_name="压测")
    grant(user, group, "cadre")
    content, bad = build_sheet(args.rows, args.bad_every, team_codes)
    print(f"rows {args.rows:,}, bad rows {bad:,}, teams {len(team_codes)}, sheet {len(content) / 1e6:.1f} MB")
    print(f"{'setup (tree, sheet)':<28}{time.perf_counter() - started:8.1f} s")

    batch, check_s = timed(
        "check", args.profile, imports.member_import_check,
        content=content, filename="bench.xlsx", scope_unit=group, checked_by=user,
    )  # fmt: skip
    print(f"  reported good {batch.good_rows:,}, bad {batch.total_rows - batch.good_rows:,}")
    batch, apply_s = timed(
        "apply (skip_bad_rows)", args.profile, imports.member_import_apply,
        batch=batch, on_error=imports.OnError.SKIP_BAD_ROWS, applied_by=user,
    )  # fmt: skip
    history = Member.history.count()
    print(f"  imported {batch.imported_rows:,}; members {Member.objects.count():,}; history rows {history:,}")
    total = check_s + apply_s
    print(f"{'check + apply':<28}{total:8.1f} s  ({args.rows / total:,.0f} rows/s; target < 60 s)")


if __name__ == "__main__":
    main()
