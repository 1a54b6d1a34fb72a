"""Build (or reuse) a large member registry for the benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianxin_bench .venv/bin/python bench/scale_data.py

Creates the PostgreSQL database if it is missing, migrates, builds the demo company
(`manage.py demo_company`, 10,000 members with history) and then adds members to its teams until
there are `--members` (default 300,000): the same generator as the demo (names, valid ID numbers,
phones, jobs), the same `member_build` (pinyin, encryption, masks), inserted with COPY on PostgreSQL
and bulk_create on SQLite. The added rows get no history rows: nothing benchmarked reads history,
and 290,000 history rows would double the load time. Run it again and it reuses what is there.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")


def ensure_database() -> None:
    """CREATE DATABASE for a PostgreSQL DATABASE_URL whose database does not exist yet."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import dj_database_url
    import psycopg
    from psycopg import sql

    db = dj_database_url.parse(url)
    params = {k: v for k, v in {"host": db["HOST"], "port": db["PORT"], "user": db["USER"]}.items() if v}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            print(f"created database {db['NAME']}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=300_000, help="total members wanted")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch", type=int, default=10_000, help="rows per insert batch")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from lianxin.members.models import Member
    from lianxin.org import demo_data
    from lianxin.org.models import Unit

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    root = Unit.objects.filter(code=demo_data.GROUP[2], depth=1).first()
    if root is None:
        call_command("demo_company", seed=args.seed, members=min(10_000, args.members))
        root = Unit.objects.get(code=demo_data.GROUP[2], depth=1)
    have = Member.objects.filter(unit__path__startswith=root.path).count()
    if have >= args.members:
        print(f"reusing {have:,} members under {root.name}")
        return
    add_members(root=root, count=args.members - have, seed=args.seed, batch=args.batch)
    analyze()
    total = Member.objects.count()
    print(f"{total:,} members in {time.monotonic() - started:.0f} s")


def add_members(*, root, count: int, seed: int, batch: int) -> None:
    """`count` more team members, spread over the demo's teams by each team's weight."""
    from lianxin.members.models import Member
    from lianxin.org import demo_data
    from lianxin.org.models import Unit

    rng = random.Random(f"{seed}:scale:{count}")
    plan = demo_data.tree_plan(random.Random(f"{seed}:tree"))
    teams = [unit for unit in plan.walk() if unit.level == "team"]
    units = {u.code: u for u in Unit.objects.filter(path__startswith=root.path, level="team")}
    used = {"ids": set(), "phones": set()}
    digests = set(Member.objects.exclude(id_number_digest="").values_list("id_number_digest", flat=True))
    numbers = Member.objects.filter(member_no__startswith="1302").values_list("member_no", flat=True)
    next_no = max((int(no[4:]) for no in numbers if no[4:].isdigit()), default=0) + 1
    done = 0
    while done < count:
        size = min(batch, count - done)
        chosen = rng.choices(teams, [t.weight for t in teams], k=size)
        rows = []
        for offset, team in enumerate(chosen):
            rows.append(build_member(rng, team, units[team.code], next_no + done + offset, used, digests))
        insert(rows)
        done += size
        print(f"  {done:,} / {count:,} members added", flush=True)


def build_member(rng, team, unit, number: int, used: dict, digests: set):
    from lianxin.core import crypto
    from lianxin.members.services import member_build
    from lianxin.org import demo_data

    while True:
        person = demo_data.team_member(rng, team, 1, used)
        if crypto.digest(person.id_number) not in digests:
            break
    member = member_build(
        unit=unit,
        member_no=demo_data.member_no(number),
        name=person.name,
        id_number=person.id_number,
        phone=person.phone,
        gender=person.gender,
        birth_date=person.birth_date,
        job=person.job,
        employment_type=person.employment_type,
        joined_on=person.joined_on,
    )
    digests.add(member.id_number_digest)
    return member


def insert(members: list) -> None:
    """COPY on PostgreSQL (several times faster than INSERT), bulk_create elsewhere."""
    from django.db import connection, transaction

    from lianxin.members.models import Member

    if connection.vendor != "postgresql":
        Member.objects.bulk_create(members, batch_size=2000)
        return
    fields = [f for f in Member._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(Member._meta.db_table)
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for member in members:
            copy.write_row([f.get_db_prep_save(getattr(member, f.attname), connection) for f in fields])


def analyze() -> None:
    """Fresh statistics, and on PostgreSQL the visibility map too (as autovacuum would leave it)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


if __name__ == "__main__":
    main()
