"""Time the member list page and API on the scale data, in-process with Django's test Client.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianxin_bench .venv/bin/python bench/bench_members.py

For two users — the demo `admin` (administrator on the group: every member) and `bench_cadre`
(cadre on the first secondary company, created here if missing) — and four searches (none, pinyin
initials, a Chinese name, a member number) it runs `--runs` times each:

  page   GET /members/?q=…            session login, the HTML page
  api    GET /api/v1/members?q=…      bearer token, JSON with the total count
  query  selectors.member_list(…)     the first 50 rows plus the capped count, without HTTP

and prints median and p95 wall time, the median time spent in SQL and the number of queries, counted
with CaptureQueriesContext (so DEBUG does not matter). On PostgreSQL it then prints
EXPLAIN (ANALYZE, BUFFERS) of the list query and of its count for every user and search.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from lianxin.core.models import Role, RoleAssignment, User  # noqa: E402
from lianxin.core.pagination import capped_count  # noqa: E402
from lianxin.core.permissions import forget_scope  # noqa: E402
from lianxin.core.tokens import api_token_create  # noqa: E402
from lianxin.members import selectors  # noqa: E402
from lianxin.members.models import Member  # noqa: E402
from lianxin.org import demo_data  # noqa: E402
from lianxin.org.models import Unit, UnitLevel  # noqa: E402

PAGE = 50


def bench_cadre(secondary: Unit) -> User:
    user, _created = User.objects.get_or_create(
        username="bench_cadre", defaults={"full_name": "压测干部", "email": "bench_cadre@bench.invalid"}
    )
    RoleAssignment.objects.get_or_create(user=user, unit=secondary, role=Role.objects.get(code="cadre"))
    return user


def searches(secondary: Unit) -> list[tuple[str, str]]:
    """A real member of the cadre's company gives the name, initials and number searched for."""
    scoped = Member.objects.filter(unit__path__startswith=secondary.path, unit__level=UnitLevel.TEAM)
    middle = scoped.count() // 2
    sample = next(m for m in scoped.order_by("member_no")[middle : middle + 50] if len(m.name) == 3)
    return [
        ("(none)", ""),
        ("initials", sample.name_initials[:2]),
        ("name", sample.name),
        ("name 2 chars", sample.name[:2]),
        ("member no", sample.member_no),
    ]


def http_call(client: Client, url: str) -> Callable[[], tuple[bool, object]]:
    def call():
        response = client.get(url)
        if response.status_code != 200:
            return False, f"HTTP {response.status_code}"
        return True, response.json().get("count") if url.startswith("/api/") else ""

    return call


def query_call(user: User, q: str) -> Callable[[], tuple[bool, object]]:
    def call():
        forget_scope(user)  # as in a fresh request
        members = selectors.member_list(fetched_by=user, q=q)
        list(members[:PAGE])
        return True, capped_count(members)

    return call


def measure(call: Callable[[], tuple[bool, object]], runs: int, warmup: int = 3) -> dict:
    """Median and p95 wall time, median SQL time and query count of `runs` calls."""
    for _ in range(warmup):
        ok, count = call()
        if not ok:
            return {"error": count}
    times, sql_times, queries = [], [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            ok, count = call()
            times.append((time.perf_counter() - started) * 1000)
        sql_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        queries.append(len(captured.captured_queries))
    times.sort()
    return {
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "sql": statistics.median(sql_times),
        "queries": max(queries),
        "count": count,
    }


def row_of(endpoint: str, label: str, search: str, q: str, result: dict) -> tuple:
    if "error" in result:
        return (endpoint, label, search, q, result["error"], "", "", "", "")
    numbers = (f"{result[key]:.1f}" for key in ("median", "p95", "sql"))
    return (endpoint, label, search, q, *numbers, result["queries"], result["count"])


def clients(user: User) -> tuple[Client, Client]:
    page = Client(raise_request_exception=False)
    page.force_login(user, backend="lianxin.core.auth.UsernameOrPhoneBackend")
    token = api_token_create(user=user)
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
    return page, api


def _width(text: str) -> int:
    return len(text.encode("gbk", "replace"))  # a Chinese character takes two columns


def print_table(rows: list[tuple]) -> None:
    header = ("endpoint", "user", "search", "q", "median ms", "p95 ms", "sql ms", "queries", "count")
    cells = [header] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(header))]
    for index, row in enumerate(cells):
        print("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def as_is_plans(users: dict[str, User], cases: list[tuple[str, str]]) -> str:
    out = []
    for label, user in users.items():
        for search, q in cases:
            members = selectors.member_list(fetched_by=user, q=q)
            out.append(f"\n=== list, {label}, search {search} {q}\n{explain(members[:PAGE])}")
            out.append(
                f"\n=== count, {label}, search {search} {q}\n{explain(members.order_by().values('pk'))}"
            )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    root = Unit.objects.get(code=demo_data.GROUP[2], depth=1)
    secondary = Unit.objects.filter(path__startswith=root.path, depth=2).order_by("path").first()
    users = {
        "cadre@" + secondary.short_name: bench_cadre(secondary),
        "admin": User.objects.get(username="admin"),
    }
    cases = searches(secondary)
    explain = connection.vendor == "postgresql" and not args.no_explain
    print(f"{connection.vendor}, {Member.objects.count():,} members, {args.runs} runs per line\n")
    rows = measure_as_is(users, cases, args.runs)
    order = {"page": 0, "api": 1, "query": 2}
    rows.sort(key=lambda row: (list(users).index(row[1]), [c[0] for c in cases].index(row[2]), order[row[0]]))
    print_table(rows)
    if explain:
        print(as_is_plans(users, cases))


def measure_as_is(users: dict[str, User], cases: list[tuple[str, str]], runs: int) -> list[tuple]:
    rows = []
    for label, user in users.items():
        page, api = clients(user)
        for search, q in cases:
            suffix = f"?q={q}" if q else ""
            calls = {
                "page": http_call(page, "/members/" + suffix),
                "api": http_call(api, "/api/v1/members" + suffix),
                "query": query_call(user, q),
            }
            for endpoint, call in calls.items():
                rows.append(row_of(endpoint, label, search, q, measure(call, runs)))
    return rows


if __name__ == "__main__":
    main()
