"""Time appeal intake, the cadre's worklist, the search and the group's yearly stats.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianxin_bench .venv/bin/python bench/bench_appeals.py

Needs the scale data (`scale_data.py`, then `scale_appeals.py`). Prints:

(a) intake: `POST /api/v1/appeals` from `--clients` concurrent clients (threads with keep-alive
    connections, default 16) against gunicorn started here on 127.0.0.1 as a deployment runs it
    (DEBUG off; `--workers`, `--worker-class`, `--threads`, `--keep-alive`), each client a worker
    with a bearer token raising appeals for their own team (texts from the demo's templates; the
    category is left to the suggestion). `--requests` per client (default 150) after a warm-up;
    appeals per second, p50/p95/p99 latency, errors; the CPU per intake of gunicorn, of the
    PostgreSQL backends serving it and of the clients (from /proc). Each intake leaves a job (duplicate
    bands, notifications): `--jobs after` (default) starts the job worker when the run ends and
    times how long it takes to empty the queue, `--jobs during` runs it alongside, `--jobs none`
    leaves the queue. Then, in-process on an idle worker: the queries of one intake, and one
    intake's wall, CPU and SQL time split into the whole request, the service alone and the job.
    The clients submit with `?similar=false` (they ran `POST /appeals/check` while the worker typed);
    `--with-similar` measures the answer that looks near-duplicates up again. `--floor` also times a
    token-authenticated GET that answers 404 through the same gunicorn and clients: what a request
    that does nothing costs here.
    Set REDIS_URL for Redis as cache and job queue (a deployment at this rate has it); without it
    the queue is the SQLite file in var/, which syncs to disk on every job enqueued.
(b) the worklist and the search, in-process with Django's test Client like bench_members.py: the
    demo `cadre` (炼钢厂) — worklist page `/appeals/`, `GET /api/v1/appeals?bucket=open`; list
    search page `/appeals/all/?q=…` and `GET /api/v1/appeals?q=…` for the cadre and for `jituan`
    (the group); and the selectors alone: a search's first page (`query`) and the count the list
    page runs, to 1,000 (`count`). `--search-only`: of the reads, only the search lines.
(c) stats for the whole group for the last 365 days: `selectors.appeal_rates` and
    `GET /api/v1/appeals/stats?unit=…&from=…&to=…` as `jituan`; the stats page `/appeals/stats/`
    (the group and its companies) and `selectors.appeal_rates_by_child` (`--stats-only`: only these).

Median and p95 wall time, median SQL time and queries per request. On PostgreSQL `--explain`
prints EXPLAIN (ANALYZE, BUFFERS) of the worklist, search and stats queries. It writes: intake adds
appeals (about `clients × requests`), and tokens for the users it uses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from lianxin.appeals import demo_data, selectors  # noqa: E402
from lianxin.appeals.models import Appeal, AppealEvent  # noqa: E402
from lianxin.appeals.views import office  # noqa: E402
from lianxin.core.models import User  # noqa: E402
from lianxin.core.pagination import capped_count  # noqa: E402
from lianxin.core.permissions import forget_scope  # noqa: E402
from lianxin.core.tokens import api_token_create  # noqa: E402
from lianxin.members.models import Member  # noqa: E402
from lianxin.org import demo_data as org_data  # noqa: E402
from lianxin.org.models import Unit  # noqa: E402

PAGE = 50
SEARCHES = ["夜班费", "食堂", "工資", "劳保用品 发放"]


# --- (a) intake through gunicorn -------------------------------------------------------------------


def intake_users(count: int, root: Unit) -> list[tuple[User, Member, str]]:
    """`count` workers with a login and a token, each in another team of the group."""
    members = (
        Member.objects.filter(
            unit__path__startswith=root.path, unit__level="team", status="active", user=None
        )
        .select_related("unit")
        .order_by("member_no")[: count * 50 : 50]
    )
    out = []
    for index, member in enumerate(members):
        user, _created = User.objects.get_or_create(
            username=f"bench_worker_{index}",
            defaults={"full_name": member.name, "email": f"w{index}@bench.invalid"},
        )
        if not Member.objects.filter(user=user).exists():
            Member.objects.filter(pk=member.pk).update(user=user)
        member = Member.objects.select_related("unit").get(user=user)
        out.append((user, member, api_token_create(user=user)))
    return out


def texts(count: int, member: Member) -> list[str]:
    rng = random.Random(member.pk)
    section = member.unit.get_parent()
    place = demo_data.Place(section.get_parent().name, section.name, member.unit.name, "炼铁厂")
    categories = list(demo_data.CATEGORY_WEIGHTS)
    now = timezone.localtime()
    return [
        demo_data.compose(rng, rng.choice(categories), place, now).text + f"(编号{rng.randrange(10**6)})"
        for _ in range(count)
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(args, port: int) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "lianxin.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--log-level",
        "warning",
        "--timeout",
        "60",
        "--keep-alive",
        str(args.keep_alive),
        "--backlog",
        "256",
    ]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    process = subprocess.Popen(command, cwd=ROOT, env=served_env(), start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise SystemExit("gunicorn did not start within 60 s")


NO_MAIL = "django.core.mail.backends.dummy.EmailBackend"
SERVED = "lianxin-bench-served"


def served_env() -> dict:
    """How a deployment runs (DEBUG off; TLS ends at the proxy in front, so no redirect here). Mail
    goes nowhere: the console backend (the default) would print every notification, and a real
    deployment's SMTP server is not what is measured here."""
    env = {
        **os.environ,
        "LIANXIN_DEBUG": "false",
        "LIANXIN_SSL_REDIRECT": "false",
        "LIANXIN_EMAIL_BACKEND": NO_MAIL,
    }
    url = env.get("DATABASE_URL", "")
    if url.startswith("postgres"):  # its backends are found by this name (their CPU is counted)
        env["DATABASE_URL"] = url + ("&" if "?" in url else "?") + f"application_name={SERVED}"
    return env


def start_jobs(workers: int) -> subprocess.Popen:
    """The job worker, without the periodic jobs (the sweep is not what is measured)."""
    command = [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "run_huey", "--workers", str(workers),
               "--no-periodic", "--quiet", "--delay", "0.05", "--max-delay", "0.5"]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=served_env(), start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def cpu_ticks(pids) -> dict[int, int]:
    """User + system CPU of each process still running, in clock ticks (from /proc)."""
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_used(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU seconds used between two readings (processes started in between count in full)."""
    ticks = sum(used - before.get(pid, 0) for pid, used in after.items())
    return ticks / os.sysconf("SC_CLK_TCK")


def group_pids(leader: int) -> list[int]:
    """The processes of a process group (gunicorn's master and workers, the job worker's)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == leader:
                pids.append(int(entry.name))
    return pids


def postgres_pids() -> list[int]:
    """The PostgreSQL backends serving gunicorn and the job worker (other helpers' are left out)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [SERVED])
        return [pid for (pid,) in cursor.fetchall()]


def client_loop(
    port: int, token: str, member: Member, bodies: list[str], results: list, errors: list, path: str
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for text in bodies:
        body = json.dumps(
            {"origin_unit": member.unit_id, "text": text, "channel": "web", "kind": "complaint"}
        )
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body.encode(), headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            errors.append(repr(exc))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if status == 201:
            results.append((time.perf_counter(), elapsed))
        else:
            errors.append(status)
    conn.close()


def intake_path(args) -> str:
    """A phone that showed near-duplicates while the worker typed (`POST /appeals/check`) submits
    with `?similar=false`; `--with-similar` measures the answer that looks them up again."""
    return "/api/v1/appeals" + ("" if args.with_similar else "?similar=false")


def pending_jobs() -> int:
    from huey.contrib.djhuey import HUEY

    return HUEY.pending_count()


def drain_jobs(jobs: subprocess.Popen | None, workers: int) -> tuple[int, float, float]:
    """Wait until the job queue is empty (starting a job worker if none runs): (jobs left when the
    intake run ended, seconds to empty the queue from then, CPU seconds of the job worker)."""
    left = pending_jobs()
    started = time.perf_counter()
    own = jobs is None
    if own:
        jobs = start_jobs(workers)
    cpu_before = cpu_ticks(group_pids(jobs.pid))
    while pending_jobs() and time.perf_counter() - started < 900:
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    cpu = cpu_used(cpu_before, cpu_ticks(group_pids(jobs.pid)))
    if own:
        stop(jobs)
    return left, seconds, cpu


def bench_intake(args, root: Unit) -> dict:
    users = intake_users(args.clients, root)
    port = free_port()
    stale = pending_jobs()
    process = start_gunicorn(args, port)
    jobs = start_jobs(args.job_workers) if args.jobs == "during" else None
    try:
        warm = [
            threading.Thread(target=client_loop, args=(port, t, m, texts(5, m), [], [], intake_path(args)))
            for _u, m, t in users
        ]
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
        results: list = []
        errors: list = []
        threads = [
            threading.Thread(
                target=client_loop,
                args=(port, token, member, texts(args.requests, member), results, errors, intake_path(args)),
            )
            for _user, member, token in users
        ]

        def reading():
            jobs_pids = group_pids(jobs.pid) if jobs else []
            return (cpu_ticks(group_pids(process.pid)), cpu_ticks(postgres_pids()), cpu_ticks([os.getpid()]),
                    cpu_ticks(jobs_pids))  # fmt: skip

        cpu_before = reading()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        cpu_after = reading()
    finally:
        stop(process)
    left, drain_seconds, drain_cpu = drain_jobs(jobs, args.job_workers) if args.jobs != "none" else (0, 0, 0)
    if jobs is not None:
        stop(jobs)
    created = len(results)
    per = [
        cpu_used(before, after) * 1000 / max(created, 1)
        for before, after in zip(cpu_before, cpu_after, strict=True)
    ]
    latencies = sorted(elapsed for _at, elapsed in results)
    return {
        "clients": args.clients,
        "workers": f"{args.workers} {args.worker_class}" + (f"×{args.threads}" if args.worker_class == "gthread" else ""),
        "requests": len(results) + len(errors),
        "created": created,
        "errors": len(errors),
        "error_sample": errors[:3],
        "seconds": wall,
        "per_second": created / wall if wall else 0,
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "queries": intake_queries(users[0], intake_path(args)),
        "cpu_web": per[0], "cpu_db": per[1], "cpu_client": per[2], "cpu_jobs": per[3],
        "jobs": args.jobs, "stale_jobs": stale, "jobs_left": left, "drain_seconds": drain_seconds,
        "drain_cpu": drain_cpu * 1000 / max(left, 1),
        "load": os.getloadavg()[0],
    }  # fmt: skip


def bench_floor(args, root: Unit) -> dict:
    """The floor under intake: the same gunicorn and clients asking a token-authenticated
    `GET /api/v1/org/units/{id}` that finds nothing (a worker holds no org.view: 404 after the token,
    the unit and the caller's roles; no write). What this stack costs for a request that does nothing."""
    users = intake_users(args.clients, root)
    port = free_port()
    process = start_gunicorn(args, port)
    latencies: list[float] = []

    def loop(token: str, unit_id: int, count: int, into: list) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(count):
            started = time.perf_counter()
            conn.request("GET", f"/api/v1/org/units/{unit_id}", headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            response.read()
            if response.status == 404:
                into.append((time.perf_counter() - started) * 1000)
        conn.close()

    try:
        for count, into in ((5, []), (args.requests, latencies)):
            threads = [threading.Thread(target=loop, args=(t, m.unit_id, count, into)) for _u, m, t in users]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
    finally:
        stop(process)
    latencies.sort()
    return {"per_second": len(latencies) / wall, "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
            "answered": len(latencies)}  # fmt: skip


def intake_queries(user_member_token, path: str) -> int:
    """Queries of one intake request, counted in-process on the same endpoint (after one request
    that fills the process's copy of categories, rules and roles, as every served request finds it)."""
    _user, member, token = user_member_token
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
    for text in texts(2, member):
        body = {"origin_unit": member.unit_id, "text": text, "channel": "web", "kind": "complaint"}
        with CaptureQueriesContext(connection) as captured, override_settings(EMAIL_BACKEND=NO_MAIL):
            response = api.post(path, data=body, content_type="application/json")
        assert response.status_code == 201, response.content[:300]
    return len(captured.captured_queries)


def intake_split(root: Unit, runs: int, path: str) -> list[tuple]:
    """Where one intake's time goes, in-process on an idle worker: the whole request (Django, ninja,
    authentication, the answer), the service alone, and the job after the commit; wall, CPU of this
    thread, and SQL (the database's share, as seen from here)."""
    from lianxin.appeals import services

    _user, member, token = intake_users(1, root)[0]
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
    bodies = texts(runs + 2, member)
    made: list[int] = []

    def request(text):
        body = {"origin_unit": member.unit_id, "text": text, "channel": "web", "kind": "complaint"}
        response = api.post(path, data=body, content_type="application/json")
        made.append(response.json()["id"])

    def service(text):
        made.append(
            services.appeal_submit(submitted_by=member.user, origin_unit=member.unit, text=text, kind="complaint", find_similar="similar=false" not in path).appeal.pk
        )  # fmt: skip

    def job(_text):
        services.appeal_intake_finish(appeal_id=made.pop())

    rows = []
    for label, call in (("request", request), ("service", service), ("job", job)):
        walls, cpus, sqls, counts = [], [], [], []
        for text in bodies:
            with CaptureQueriesContext(connection) as captured, override_settings(EMAIL_BACKEND=NO_MAIL):
                wall, cpu = time.perf_counter(), time.thread_time()
                call(text)
                cpus.append((time.thread_time() - cpu) * 1000)
                walls.append((time.perf_counter() - wall) * 1000)
            sqls.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            counts.append(len(captured.captured_queries))
        walls, cpus, sqls = walls[2:], cpus[2:], sqls[2:]  # two warm-ups
        rows.append((label, f"{statistics.median(walls):.1f}", f"{statistics.median(cpus):.1f}",
                     f"{statistics.median(sqls):.1f}", max(counts[2:])))  # fmt: skip
    return rows


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(share * (len(values) - 1)))]


# --- (b), (c) in-process ---------------------------------------------------------------------------


def measure(call, runs: int, warmup: int = 2) -> dict:
    for _ in range(warmup):
        ok, info = call()
        if not ok:
            return {"error": info}
    times, sql, queries = [], [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            ok, info = call()
            times.append((time.perf_counter() - started) * 1000)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        queries.append(len(captured.captured_queries))
    times.sort()
    return {"median": statistics.median(times), "p95": percentile(times, 0.95), "sql": statistics.median(sql),
            "queries": max(queries), "info": info}  # fmt: skip


def http_call(client: Client, url: str):
    def call():
        response = client.get(url)
        if response.status_code != 200:
            return False, f"HTTP {response.status_code}"
        if url.startswith("/api/"):
            body = response.json()
            return True, body.get("count", body.get("received", ""))
        return True, ""

    return call


def list_call(user: User, **filters):
    def call():
        forget_scope(user)
        rows = selectors.appeal_list(fetched_by=user, filters=selectors.AppealFilters(**filters))
        return True, len(list(rows[:PAGE]))

    return call


def search_count_call(user: User, q: str):
    """The capped count of a search, as the list page runs it (to 1,000)."""

    def call():
        forget_scope(user)
        rows = selectors.appeal_list(fetched_by=user, filters=selectors.AppealFilters(q=q))
        return True, capped_count(rows, office.SEARCH_COUNT_CAP)

    return call


def counts_call(user: User):
    def call():
        forget_scope(user)
        return True, selectors.worklist_counts(fetched_by=user)["open"]

    return call


def rates_call(unit: Unit, date_from: dt.date, date_to: dt.date):
    def call():
        rates = selectors.appeal_rates(unit=unit, date_from=date_from, date_to=date_to)
        return (
            True,
            f"{rates.received} rec, {rates.response_rate}/{rates.resolution_rate}/{rates.satisfaction_rate}%",
        )

    return call


def by_child_call(user: User, unit: Unit, date_from: dt.date, date_to: dt.date):
    def call():
        forget_scope(user)
        rows = selectors.appeal_rates_by_child(
            fetched_by=user, unit=unit, date_from=date_from, date_to=date_to
        )
        return True, f"{len(rows)} children, {sum(rates.received for _child, rates in rows)} rec"

    return call


def clients_for(user: User) -> tuple[Client, Client]:
    page = Client(raise_request_exception=False)
    page.force_login(user, backend="lianxin.core.auth.UsernameOrPhoneBackend")
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")
    return page, api


def bench_reads(args, root: Unit) -> list[tuple]:
    cadre = User.objects.get(username="cadre")
    group = User.objects.get(username="jituan")
    today = timezone.localdate()
    year_ago = today - dt.timedelta(days=365)
    rows = []
    cadre_page, cadre_api = clients_for(cadre)
    group_page, group_api = clients_for(group)
    lines = [
        ("worklist", "page", "cadre", "/appeals/", http_call(cadre_page, "/appeals/")),
        ("worklist", "api", "cadre", "bucket=open", http_call(cadre_api, "/api/v1/appeals?bucket=open")),
        ("worklist", "query", "cadre", "bucket=open", list_call(cadre, bucket="open")),
        ("worklist", "counts", "cadre", "tabs", counts_call(cadre)),
    ]
    for q in SEARCHES:
        lines += [
            ("search", "page", "cadre", q, http_call(cadre_page, f"/appeals/all/?q={q}")),
            ("search", "api", "cadre", q, http_call(cadre_api, f"/api/v1/appeals?q={q}")),
            ("search", "query", "cadre", q, list_call(cadre, q=q)),
            ("search", "count", "cadre", q, search_count_call(cadre, q)),
            ("search", "api", "jituan", q, http_call(group_api, f"/api/v1/appeals?q={q}")),
            ("search", "query", "jituan", q, list_call(group, q=q)),
        ]
    if args.stats_only:
        lines = []
    stats_url = f"/api/v1/appeals/stats?unit={root.pk}&from={year_ago}&to={today}"
    page_url = f"/appeals/stats/?unit={root.pk}&period=custom&date_from={year_ago}&date_to={today}"
    lines += [
        ("stats", "api", "jituan", "year, group", http_call(group_api, stats_url)),
        ("stats", "query", "jituan", "year, group", rates_call(root, year_ago, today)),
        ("stats", "page", "jituan", "year, by company", http_call(group_page, page_url)),
        ("stats", "children", "jituan", "year, by company", by_child_call(group, root, year_ago, today)),
    ]
    if args.search_only:
        lines = [line for line in lines if line[0] == "search"]
    for what, endpoint, user, detail, call in lines:
        result = measure(call, args.runs)
        if "error" in result:
            rows.append((what, endpoint, user, detail, result["error"], "", "", "", ""))
            continue
        numbers = (f"{result[k]:.1f}" for k in ("median", "p95", "sql"))
        rows.append((what, endpoint, user, detail, *numbers, result["queries"], str(result["info"])[:40]))
    return rows


def explain_all(root: Unit) -> str:
    cadre = User.objects.get(username="cadre")
    group = User.objects.get(username="jituan")
    today = timezone.localdate()
    out = []
    cases = [
        ("worklist cadre bucket=open", selectors.appeal_list(fetched_by=cadre, filters=selectors.AppealFilters(bucket="open"))[:PAGE]),
    ]  # fmt: skip
    for label, queryset in cases:
        out.append(f"\n=== {label}\n{explain(queryset)}")
    for user, q in [(cadre, "工資"), (cadre, "劳保用品 发放"), (group, "夜班费")]:
        for label, sql in search_sql(user, q):
            out.append(f"\n=== search {user.username} q={q}: {label}\n{explain_sql(sql, None)}")
    for label, sql, params in stats_sql(root, today - dt.timedelta(days=365), today):
        out.append(f"\n=== stats {label}\n{explain_sql(sql, params)}")
    return "\n".join(out)


def search_sql(user: User, q: str):
    """The queries of a search's first page as the list page runs them: its capped count, then the
    page (one query per window tried), captured as SQL."""
    forget_scope(user)
    found = selectors.appeal_list(fetched_by=user, filters=selectors.AppealFilters(q=q))
    with CaptureQueriesContext(connection) as captured:
        capped_count(found, office.SEARCH_COUNT_CAP)
        list(found[:PAGE])
    for index, query in enumerate(captured.captured_queries, start=1):
        yield ("count" if "COUNT(" in query["sql"] else "page") + f" (query {index})", query["sql"]


def stats_sql(unit: Unit, date_from: dt.date, date_to: dt.date):
    """The two aggregates appeal_rates runs, captured as SQL."""
    with CaptureQueriesContext(connection) as captured:
        selectors.appeal_rates(unit=unit, date_from=date_from, date_to=date_to)
    for index, query in enumerate(captured.captured_queries):
        yield f"query {index + 1}", query["sql"], None


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    return explain_sql(sql, params)


def explain_sql(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _width(text: str) -> int:
    return len(text.encode("gbk", "replace"))


def print_table(header: tuple, rows: list[tuple]) -> None:
    cells = [header] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(header))]
    for index, row in enumerate(cells):
        print("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, default=3, help="gunicorn workers (2 cores: 3 sync workers served most)"
    )
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--keep-alive", type=int, default=5, help="seconds (gthread keeps connections)")
    parser.add_argument("--requests", type=int, default=150, help="intake requests per client")
    parser.add_argument(
        "--jobs",
        default="after",
        choices=["after", "during", "none"],
        help="job worker for the intakes' jobs: started after the run to empty the queue (default), "
        "running during it, or none",
    )
    parser.add_argument("--with-similar", action="store_true", help="intake answers with the similar look-up")
    parser.add_argument("--job-workers", type=int, default=2, help="threads of the job worker")
    parser.add_argument("--split-runs", type=int, default=30, help="in-process intakes timed for the split")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--skip-intake", action="store_true")
    parser.add_argument("--floor", action="store_true", help="also time a request that does nothing (404)")
    parser.add_argument("--skip-reads", action="store_true")
    parser.add_argument("--stats-only", action="store_true", help="of the reads, only (c) stats")
    parser.add_argument("--search-only", action="store_true", help="of the reads, only (b) search")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    root = Unit.objects.get(code=org_data.GROUP[2], depth=1)
    print(
        f"{connection.vendor}, {Appeal.objects.count():,} appeals, {AppealEvent.objects.count():,} events\n"
    )
    if not args.skip_intake:
        result = bench_intake(args, root)
        print("(a) intake: POST /api/v1/appeals through gunicorn")
        print_table(
            ("clients", "workers", "requests", "created", "errors", "seconds", "appeals/s", "p50 ms", "p95 ms", "p99 ms", "queries"),
            [(result["clients"], result["workers"], result["requests"], result["created"], result["errors"],
              f"{result['seconds']:.1f}", f"{result['per_second']:.0f}", f"{result['p50']:.0f}", f"{result['p95']:.0f}",
              f"{result['p99']:.0f}", result["queries"])],
        )  # fmt: skip
        if result["error_sample"]:
            print("errors, e.g.:", result["error_sample"])
        from huey.contrib.djhuey import HUEY

        print(
            f"\nCPU per intake (ms): gunicorn {result['cpu_web']:.1f}, PostgreSQL {result['cpu_db']:.1f} (its "
            f"backends serving the run), the clients {result['cpu_client']:.1f}, job worker "
            f"{result['cpu_jobs']:.1f}; load average {result['load']:.1f} after the run"
        )
        print(
            f"jobs ({type(HUEY).__name__}, job worker {result['jobs']} the run): {result['jobs_left']} "
            f"queued when the run ended ({result['stale_jobs']} before it), queue empty "
            f"{result['drain_seconds']:.1f} s later ({result['jobs_left'] / max(result['drain_seconds'], 0.001):.0f} "
            f"jobs/s), {result['drain_cpu']:.1f} ms CPU of the job worker per job"
        )
        if args.floor:
            floor = bench_floor(args, root)
            print(
                f"floor (a token-authenticated GET answering 404, same gunicorn and clients): "
                f"{floor['per_second']:.0f}/s, p50 {floor['p50']:.0f} ms, p99 {floor['p99']:.0f} ms "
                f"({floor['answered']} answered)"
            )
        print(f"\none intake in-process, {args.split_runs} runs (median ms; sql as seen from Django)")
        print_table(
            ("part", "wall", "cpu", "sql", "queries"), intake_split(root, args.split_runs, intake_path(args))
        )
        print()
    if not args.skip_reads:
        print(f"(b) worklist and search, (c) stats — {args.runs} runs per line, in-process")
        header = ("what", "endpoint", "user", "detail", "median ms", "p95 ms", "sql ms", "queries", "result")
        print_table(header, bench_reads(args, root))
    if args.explain and connection.vendor == "postgresql":
        print(explain_all(root))


if __name__ == "__main__":
    main()
