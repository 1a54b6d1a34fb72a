"""Time the group's yearly aid statistics and a fund's ledger, and pay 200 approvals at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianxin_bench .venv/bin/python bench/bench_assistance.py

Needs the scale data (`scale_data.py`, then `scale_assistance.py`). Prints:

(a) this year's aid statistics for the whole group, as `bench_shenpi` (chairman on the group, made
    by `scale_assistance.py`): `selectors.aid_stats` with every breakdown (by kind, by programme,
    by the group's companies, mutual aid), the same without the breakdown by unit, the stats API
    `GET /api/v1/assistance/stats` (bearer token), the statistics page and the assistance desk.
(b) the ledger of the fund with the most entries: `selectors.fund_ledger` (page 1, 50 entries and
    the capped count), `GET /api/v1/assistance/funds/{id}/ledger` and the fund's page.
(c) 200 payment approvals at once against one fund that can pay 150 of them: a fresh fund
    (`--grants`, `--covered`, `--amount`) and programme of the first company, 200 applications
    recorded through the services, then `--threads` threads (each its own database connection,
    released together by a barrier) approve and pay them, the approver and the treasurer being
    different people as the programme requires. Prints how many were paid and refused, the
    expected and actual balance and reservations, and `fund_reconcile`; then pays one again with
    the same idempotency key (a retried request) and shows the balance did not move.

Each line of (a) and (b): median and p95 wall time over `--runs` (after two warm-ups), median SQL
time, queries per request. `--explain` prints the PostgreSQL plan of the statistics' statement.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from lianxin.assistance import services  # noqa: E402
from lianxin.assistance.models import Application, Fund, FundEntry, Programme, ProgrammeKind  # noqa: E402
from lianxin.assistance.selectors import funds as fund_selectors  # noqa: E402
from lianxin.assistance.selectors import reports  # noqa: E402
from lianxin.assistance.services.applications import (  # noqa: E402
    application_approve,
    application_pay,
    application_record,
)
from lianxin.assistance.services.funds import fund_income, fund_reconcile  # noqa: E402
from lianxin.core.models import User  # noqa: E402
from lianxin.core.permissions import forget_scope  # noqa: E402
from lianxin.core.tokens import api_token_create  # noqa: E402
from lianxin.members.models import Member  # noqa: E402
from lianxin.org import demo_data as org_data  # noqa: E402
from lianxin.org.models import Unit  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--grants", type=int, default=200, help="applications approved and paid at once")
    parser.add_argument("--covered", type=int, default=150, help="how many of them the fund can pay")
    parser.add_argument("--amount", default="1000.00")
    parser.add_argument("--threads", type=int, default=40, help="threads (database connections) at once")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--skip-concurrency", action="store_true")
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, round(share * (len(values) - 1)))] if values else float("nan")


def measure(call, runs: int, warmup: int = 2) -> dict:
    for _ in range(warmup):
        info = call()
    times, sql, queries = [], [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            info = call()
            times.append((time.perf_counter() - started) * 1000)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        queries.append(len(captured.captured_queries))
    times.sort()
    return {"median": statistics.median(times), "p95": percentile(times, 0.95), "sql": statistics.median(sql),
            "queries": max(queries), "info": info}  # fmt: skip


def http(client: Client, url: str, show=lambda response: ""):
    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        return show(response)

    return call


def table(title: str, rows: list[tuple]) -> None:
    print(f"\n{title}\n")
    header = ("what", "median ms", "p95 ms", "sql ms", "queries", "result")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def line(label: str, result: dict) -> tuple:
    return (
        label,
        f"{result['median']:.1f}",
        f"{result['p95']:.1f}",
        f"{result['sql']:.1f}",
        result["queries"],
        result["info"],
    )


# --- (a) statistics --------------------------------------------------------------------------------


def bench_stats(args, user: User, root: Unit) -> None:
    today = timezone.localdate()
    year_start = today.replace(month=1, day=1)
    token = api_token_create(user=user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    pages = Client()
    pages.force_login(user, backend="lianxin.core.auth.UsernameOrPhoneBackend")

    def selector(by_unit: bool):
        def call():
            forget_scope(user)
            stats = reports.aid_stats(fetched_by=user, date_from=year_start, date_to=today, by_unit=by_unit)
            return f"{stats.person_times:,} 人次 {stats.households:,} 户 {stats.amount:,.2f} 元"

        return call

    def api_show(response):
        body = response.json()
        return f"{body['person_times']:,} 人次, {len(body['by_programme'])} programmes, {len(body['by_unit'])} units"

    paid = Application.objects.filter(status="paid", paid_on__gte=year_start).count()
    rows = [
        line("selector aid_stats (all breakdowns)", measure(selector(True), args.runs)),
        line("selector aid_stats (no unit rows)", measure(selector(False), args.runs)),
        line(
            "GET /api/v1/assistance/stats",
            measure(http(api, "/api/v1/assistance/stats", api_show), args.runs),
        ),
        line("page /assistance/reports/", measure(http(pages, "/assistance/reports/"), args.runs)),
        line("page /assistance/ (desk)", measure(http(pages, "/assistance/"), args.runs)),
    ]
    table(
        f"(a) this year's aid for the whole group ({root.name}, {paid:,} paid this year), as {user.username}",
        rows,
    )
    for text in reports.aid_stats(fetched_by=user, date_from=year_start, date_to=today).lines:
        print(f"    {text}")
    if args.explain:
        with CaptureQueriesContext(connection) as captured:
            reports.aid_stats(fetched_by=user, date_from=year_start, date_to=today)
        statement = max(captured.captured_queries, key=lambda q: float(q["time"]))["sql"]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
            print("\n".join(row[0] for row in cursor.fetchall()))


# --- (b) the ledger --------------------------------------------------------------------------------


def bench_ledger(args, user: User) -> None:
    row = FundEntry.objects.values("fund").annotate(n=Count("pk")).order_by("-n").first()
    fund = Fund.objects.get(pk=row["fund"])
    token = api_token_create(user=user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    pages = Client()
    pages.force_login(user, backend="lianxin.core.auth.UsernameOrPhoneBackend")

    def selector():
        page = fund_selectors.fund_ledger(fund=fund, page=1)
        return f"{len(list(page.object_list))} rows of {page.paginator.count:,}"

    rows = [
        line("selector fund_ledger page 1", measure(selector, args.runs)),
        line(
            f"GET /api/v1/assistance/funds/{fund.pk}/ledger",
            measure(
                http(
                    api, f"/api/v1/assistance/funds/{fund.pk}/ledger", lambda r: f"count {r.json()['count']}"
                ),
                args.runs,
            ),
        ),
        line(
            f"page /assistance/funds/{fund.pk}/",
            measure(http(pages, f"/assistance/funds/{fund.pk}/"), args.runs),
        ),
    ]
    table(f"(b) the ledger of {fund.name} ({row['n']:,} entries)", rows)


# --- (c) 200 payment approvals at once -------------------------------------------------------------


def bench_concurrency(args, recorder: User, approver: User, payer: User, root: Unit) -> None:
    amount = Decimal(args.amount)
    company = Unit.objects.filter(path__startswith=root.path, depth=2).order_by("path").first()
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    fund = Fund.objects.create(unit=company, name=f"并发测试基金 {stamp}")
    fund_income(fund=fund, kind="allocation", amount=amount * args.covered, actor=payer, note="并发测试拨款")
    programme = Programme.objects.create(
        unit=company, code=f"bench-{stamp}", name="并发测试应急救助", kind=ProgrammeKind.EMERGENCY, fund=fund,
        requires_file=False, min_amount=amount, max_amount=amount, once_per_period=False, payer_must_differ=True,
        follow_up_days=0,
    )  # fmt: skip
    members = list(
        Member.objects.filter(unit__path__startswith=company.path, unit__level="team", status="active")
        .select_related("unit")
        .order_by("?")[: args.grants]
    )
    started = time.perf_counter()
    grants = [
        application_record(
            actor=recorder, programme=programme, member=m, amount=amount, reason="并发测试:突发变故应急救助"
        )
        for m in members
    ]
    recorded_in = time.perf_counter() - started
    barrier = threading.Barrier(min(args.threads, len(grants)))
    queue = list(grants)
    lock = threading.Lock()
    outcome = {"paid": 0, "refused": 0, "errors": []}
    keys: dict[int, str] = {}
    latencies: list[float] = []

    def worker():
        try:
            barrier.wait()
            while True:
                with lock:
                    if not queue:
                        return
                    grant = queue.pop()
                began = time.perf_counter()
                try:
                    approved = application_approve(actor=approver, application=grant, version=grant.version)
                    key = keys[grant.pk] = uuid.uuid4().hex
                    application_pay(
                        actor=payer, application=approved, version=approved.version,
                        reference=f"BENCH-{grant.pk}", idempotency_key=key,
                    )  # fmt: skip
                    with lock:
                        outcome["paid"] += 1
                except services.InsufficientFunds:
                    with lock:
                        outcome["refused"] += 1
                except Exception as exc:  # noqa: BLE001 - every other failure is reported
                    with lock:
                        outcome["errors"].append(repr(exc)[:200])
                with lock:
                    latencies.append((time.perf_counter() - began) * 1000)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(barrier.parties)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    fund.refresh_from_db()
    check = fund_reconcile(fund)
    expected_paid = min(args.covered, len(grants))
    expected_balance = amount * args.covered - amount * expected_paid
    print(
        f"\n(c) {len(grants)} payment approvals at once against {fund.name}, which holds {amount * args.covered:,.2f}"
    )
    print(f"    recorded {len(grants)} applications through the services in {recorded_in:.1f} s")
    print(f"    {barrier.parties} threads approved and paid in {elapsed:.2f} s "
          f"({len(grants) / elapsed:.0f} per second; per grant median {statistics.median(latencies):.0f} ms, "
          f"p95 {percentile(sorted(latencies), 0.95):.0f} ms)")  # fmt: skip
    print(f"    paid:     expected {expected_paid:>4}   actual {outcome['paid']:>4}")
    print(
        f"    refused:  expected {len(grants) - expected_paid:>4}   actual {outcome['refused']:>4} (InsufficientFunds)"
    )
    print(f"    errors:   {len(outcome['errors'])} {outcome['errors'][:3]}")
    print(f"    balance:  expected {expected_balance:>12,.2f}   actual {fund.balance:>12,.2f}")
    print(f"    reserved: expected {Decimal('0'):>12,.2f}   actual {fund.reserved:>12,.2f}")
    print(
        f"    ledger:   sum of entries {check['sum']:,.2f}, reconciles: {check['ok']}, breaks: {check['breaks']}"
    )
    paid = Application.objects.filter(programme=programme, status="paid").first()
    if paid is not None:
        again = application_pay(
            actor=payer, application=paid, version=paid.version - 1, reference=f"BENCH-{paid.pk}",
            idempotency_key=keys[paid.pk],
        )  # fmt: skip
        fund.refresh_from_db()
        print(
            f"    retry of {paid.number} with its key: replayed={again.replayed}, balance still {fund.balance:,.2f}"
        )


def main() -> None:
    args = parse_args()
    # The approvals notify the treasurers (待发放) by mail: not printed here.
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    root = Unit.objects.get(code=org_data.GROUP[2], depth=1)
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["bench_bangfu", "bench_shenpi", "bench_caiwu"])
    }
    if len(users) < 3 or not Application.objects.exists():
        raise SystemExit("run bench/scale_assistance.py first")
    print(f"{connection.vendor}, {Application.objects.count():,} aid records, "
          f"{FundEntry.objects.count():,} fund entries, {Member.objects.count():,} members")  # fmt: skip
    bench_stats(args, users["bench_shenpi"], root)
    bench_ledger(args, users["bench_shenpi"])
    if not args.skip_concurrency:
        bench_concurrency(args, users["bench_bangfu"], users["bench_shenpi"], users["bench_caiwu"], root)


if __name__ == "__main__":
    main()
