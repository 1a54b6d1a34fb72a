"""Add a million appeals (with their events, ratings and referrals) to the benchmark database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianxin_bench .venv/bin/python bench/scale_appeals.py

Runs on top of `scale_data.py` (the demo group with 300,000 members; run that first). The appeals
are written with COPY, not through the services (a million service calls would take hours): each
row is what the services would have written, and the events follow the rules the three rates are
counted by (`selectors.appeal_rates`):

- every appeal has a `submitted` event at `received_at`;
- its first response is one `accepted`, `rejected` or `merged` event whose `on_time` says whether
  it came before `accept_due` (limits counted on the working-day calendar from `received_at`, as
  `deadlines` does: accept by the end of the next working day, answer by the end of the fifth);
- an answered appeal has one `answered` event with `on_time` against `answer_due`, and
  `answered_at`; the union's own handling (`started`) or a department's (`referred` and
  `referral_answered`, with a `Referral` row) comes before it;
- a rated appeal has a `Rating` row and a `rated` event with the score, then `closed`; an unrated
  one closes with `lapsed` seven days after the answer;
- appeals of the last fortnight are still open in every state (new, accepted, in progress, waiting
  for a department, answered and waiting for a rating), a few of them overdue.

Texts come from the demo's templates (`appeals.demo_data`): a pool of distinct texts is composed
and cut with jieba once (`--pool`), and each appeal takes one, so `search_tokens` are what intake
would have written. Appeal numbers continue each year's numbering, and the PostgreSQL sequences the
intake service draws from are moved past them. The added appeals have no duplicate-detection bands
(`DuplicateBand` rows exist only for open appeals; the 1–2% open here are left out, so intake's
duplicate look-up finds fewer candidates than a live database would). Ends with VACUUM ANALYZE
and the three rates' daily rollup computed from the events (`appeals.stats.rebuild`).

Options: `--appeals` (default 1,000,000), `--years` over which they were received (default 2,
so about 500,000 a year), `--seed`, `--pool`, `--batch`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from lianxin.appeals import demo_data, rules, services, stats  # noqa: E402
from lianxin.appeals.models import (  # noqa: E402
    Appeal,
    AppealDayStats,
    AppealDayStatsMark,
    AppealEvent,
    Category,
    Department,
    Rating,
    Referral,
)
from lianxin.core.models import RoleAssignment  # noqa: E402
from lianxin.core.workdays import is_working_day  # noqa: E402
from lianxin.members.models import Member  # noqa: E402
from lianxin.org import demo_data as org_data  # noqa: E402
from lianxin.org.models import Unit  # noqa: E402

TZ = None
STATE_CHOICES = ["closed", "rejected", "withdrawn", "merged"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pool", type=int, default=4000, help="distinct texts composed and cut with jieba")
    parser.add_argument("--batch", type=int, default=50_000)
    return parser.parse_args()


class Calendar:
    """Limits by received day: (accept due, answer due) at the end of the n-th working day."""

    def __init__(self):
        self.memo: dict[dt.date, tuple[dt.datetime, dt.datetime]] = {}

    def _after(self, day: dt.date, n: int) -> dt.date:
        while n:
            day += dt.timedelta(days=1)
            n -= is_working_day(day)
        return day

    def dues(self, received: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        day = received.date()
        if day not in self.memo:
            end = dt.time(23, 59, 59)
            self.memo[day] = (
                dt.datetime.combine(self._after(day, 1), end, tzinfo=TZ),
                dt.datetime.combine(self._after(day, 5), end, tzinfo=TZ),
            )
        return self.memo[day]

    def office(self, moment: dt.datetime, rng: random.Random) -> dt.datetime:
        if is_working_day(moment.date()) and 8 <= moment.hour < 18:
            return moment
        day = moment.date() if moment.hour < 8 else moment.date() + dt.timedelta(days=1)
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(8, 20), tzinfo=TZ) + dt.timedelta(minutes=rng.randint(0, 120))


def text_pool(rng: random.Random, size: int, teams: list[Unit], units: dict[str, Unit]) -> list[tuple]:
    """(category code, kind, text, normalized, tokens, title, department kind) composed from the templates."""
    categories = list(demo_data.CATEGORY_WEIGHTS)
    weights = list(demo_data.CATEGORY_WEIGHTS.values())
    names = [u.name for u in units.values() if u.level == "unit"]
    pool = []
    now = timezone.localtime()
    for _ in range(size):
        team = rng.choice(teams)
        place = demo_data.Place(
            units[team.path[:-8]].name, units[team.path[:-4]].name, team.name, rng.choice(names)
        )
        text = demo_data.compose(rng, rng.choices(categories, weights)[0], place, now)
        normalized = rules.normalize(text.text)
        tokens = rules.search_tokens(normalized)
        pool.append(
            (text.category, text.kind, text.text, normalized, tokens, rules.title_from(normalized), text)
        )
    return pool


class Generator:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(f"{args.seed}:scale-appeals:{args.appeals}")
        self.calendar = Calendar()
        self.now = timezone.localtime()
        self.root = Unit.objects.get(code=org_data.GROUP[2], depth=1)
        units = list(Unit.objects.filter(path__startswith=self.root.path))
        self.units = {u.path: u for u in units}
        self.teams = [u for u in units if u.level == "team"]
        members = defaultdict(list)
        for member_id, unit_id in Member.objects.filter(status="active", unit__level="team").values_list(
            "id", "unit_id"
        ):
            members[unit_id].append(member_id)
        self.members = members
        self.teams = [t for t in self.teams if members[t.pk]]
        self.team_weights = [len(members[t.pk]) for t in self.teams]
        self.handling = {t.pk: services.handling_unit_for(t, "web") for t in self.teams}
        self.cadre = {}
        for unit in {h.pk: h for h in self.handling.values()}.values():
            row = RoleAssignment.objects.filter(
                unit=unit, role__capabilities__contains=["appeals.handle"]
            ).first()
            self.cadre[unit.pk] = row.user_id if row else None
        self.categories = {c.code: c.pk for c in Category.objects.all()}
        self.departments = {
            (d.unit_id, d.kind): d for d in Department.objects.filter(unit__path__startswith=self.root.path)
        }
        self.handlers = {
            d.pk: d.handlers.values_list("pk", flat=True).first() for d in self.departments.values()
        }
        self.pool = text_pool(self.rng, args.pool, self.teams, self.units)
        self.appeal_columns = [f.column for f in Appeal._meta.concrete_fields]
        self.numbers: dict[int, int] = {}

    # --- one appeal ---------------------------------------------------------------------------

    def next_number(self, year: int) -> str:
        if year not in self.numbers:
            self.numbers[year] = _last_number(year)
        self.numbers[year] += 1
        return f"SS-{year}-{self.numbers[year]:06d}"

    def appeal(self, pk: int, received: dt.datetime, out: dict) -> None:
        rng = self.rng
        team = rng.choices(self.teams, self.team_weights)[0]
        handling = self.handling[team.pk]
        category, kind, text, normalized, tokens, title, composed = rng.choice(self.pool)
        anonymous = rng.random() < 0.18
        accept_due, answer_due = self.calendar.dues(received)
        row = {
            "id": pk, "number": self.next_number(received.year), "channel": rng.choices(
                list(demo_data.CHANNEL_WEIGHTS), demo_data.CHANNEL_WEIGHTS.values())[0],
            "kind": kind, "category_id": self.categories[category], "title": title, "text": text,
            "text_normalized": normalized, "search_tokens": tokens,
            "flag_collective": "collective" in composed.flags, "flag_safety_urgent": "safety_urgent" in composed.flags,
            "flag_distress": "distress" in composed.flags, "flag_arrears": "arrears" in composed.flags,
            "flags_confirmed": True, "origin_unit_id": team.pk, "handling_unit_id": handling.pk,
            "assignee_id": None, "is_anonymous": anonymous,
            "member_id": None if anonymous else rng.choice(self.members[team.pk]),
            "submitted_by_id": None, "recorded_by_id": None, "contact_name": "", "contact_phone": "",
            "track_digest": None, "confidential": False, "publish_consent": False, "state": "submitted",
            "version": 1, "received_at": received, "created_at": received, "accepted_at": None,
            "answered_at": None, "closed_at": None, "accept_due": accept_due, "answer_due": answer_due,
            "extended": False, "paused_at": None, "overdue": False, "escalation_level": 0,
            "escalated_unit_id": None, "reopen_count": 0, "merged_into_id": None, "answer": "", "reject_reason": "",
        }  # fmt: skip
        self.life(row, composed, handling, out)
        out["appeals"].append(tuple(row[column] for column in self.appeal_columns))

    def life(self, row: dict, composed, handling: Unit, out: dict) -> None:  # noqa: C901 - one lifecycle
        rng, now, cal = self.rng, self.now, self.calendar
        pk, unit, actor = row["id"], handling.pk, self.cadre.get(handling.pk)
        events = out["events"]

        def event(action, at, from_state="", to_state="", on_time=None, score="", note=""):
            if at <= now:
                events.append(
                    (
                        pk,
                        action,
                        from_state,
                        to_state or from_state,
                        actor,
                        at,
                        unit,
                        note,
                        True,
                        on_time,
                        score,
                        "{}",
                    )
                )
            return at <= now

        received = row["received_at"]
        event("submitted", received, to_state="submitted")
        fate = rng.random()
        accepted = cal.office(received + dt.timedelta(minutes=rng.uniform(15, 240)), rng)
        if rng.random() < 0.025:
            accepted = cal.office(row["accept_due"] + dt.timedelta(hours=rng.uniform(2, 30)), rng)
        if fate < 0.025:
            if event(
                "rejected",
                accepted,
                "submitted",
                "rejected",
                on_time=accepted <= row["accept_due"],
                note=demo_data.REJECT_REASONS[0],
            ):
                row.update(state="rejected", closed_at=accepted, reject_reason=demo_data.REJECT_REASONS[0])
            return
        if fate < 0.045:
            if event("merged", accepted, "submitted", "merged", on_time=accepted <= row["accept_due"]):
                row.update(state="merged", closed_at=accepted)
            return
        if not event("accepted", accepted, "submitted", "accepted", on_time=accepted <= row["accept_due"]):
            return
        row.update(state="accepted", accepted_at=accepted, assignee_id=actor)
        if fate < 0.065:
            withdrawn = accepted + dt.timedelta(days=rng.uniform(0.5, 3))
            if event("withdrawn", withdrawn, "accepted", "withdrawn"):
                row.update(state="withdrawn", closed_at=withdrawn)
            return
        moment = cal.office(accepted + dt.timedelta(hours=rng.uniform(0.5, 8)), rng)
        department = self.department(composed.department, handling)
        if department is not None and rng.random() < 0.5:
            if not self.refer(row, department, moment, out, event):
                return
            moment = out["referrals"][-1][-1] or moment
        elif event("started", moment, "accepted", "in_progress"):
            row.update(state="in_progress")
        else:
            return
        late = rng.random() < 0.07
        due = row["answer_due"]
        if late:
            answered = cal.office(due + dt.timedelta(days=rng.uniform(1, 5)), rng)
        else:
            span = max((due - moment).total_seconds(), 0)
            answered = min(
                cal.office(moment + dt.timedelta(seconds=span * rng.random() ** 1.6 + 1800), rng),
                max(due, moment + dt.timedelta(hours=1)),
            )
        if late and due + dt.timedelta(minutes=12) <= now:
            event("overdue", due + dt.timedelta(minutes=12), row["state"])
            row["overdue"] = True
        answer = demo_data.answer_for(rng, composed, department.name if department else "")
        if not event("answered", answered, row["state"], "answered", on_time=answered <= due, note=answer):
            return
        row.update(state="answered", answered_at=answered, answer=answer)
        if rng.random() < 0.8:
            rated = answered + dt.timedelta(days=rng.uniform(0.1, 5))
            score = rng.choices(["satisfied", "basic", "dissatisfied"], [76, 16, 8])[0]
            if event("rated", rated, "answered", score=score):
                out["ratings"].append((pk, 1, score, "", rated))
                event("closed", rated, "answered", "closed")
                row.update(state="closed", closed_at=rated)
        else:
            lapsed = answered + dt.timedelta(days=7, minutes=15)
            if event("lapsed", lapsed, "answered", "closed"):
                row.update(state="closed", closed_at=lapsed)

    def department(self, kind: str, handling: Unit):
        if not kind:
            return None
        secondary = self.units.get(handling.path[:8]) if handling.depth >= 2 else self.root
        return self.departments.get((secondary.pk, kind)) or self.departments.get((self.root.pk, kind))

    def refer(self, row: dict, department, moment: dt.datetime, out: dict, event) -> bool:
        if not event("referred", moment, "accepted", "in_progress"):
            return False
        row.update(state="in_progress")
        due = min(row["answer_due"], moment + dt.timedelta(days=3))
        answered = self.calendar.office(moment + dt.timedelta(days=self.rng.uniform(0.3, 2.5)), self.rng)
        answered = answered if answered <= self.now else None
        handler = self.handlers.get(department.pk)
        out["referrals"].append([row["id"], department.pk, demo_data.REFERRAL_NOTES[0], self.cadre.get(row["handling_unit_id"]) or handler,
                                 moment, due, "已核实处理。" if answered else "", handler if answered else None, answered])  # fmt: skip
        if answered:
            event("referral_answered", answered, "in_progress")
        return True

    # --- writing ------------------------------------------------------------------------------

    def run(self) -> None:
        total, batch = self.args.appeals, self.args.batch
        start_pk = (Appeal.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        span = dt.timedelta(days=365 * self.args.years)
        moments = sorted(self.now - span * self.rng.random() for _ in range(total))
        done = 0
        while done < total:
            out = {"appeals": [], "events": [], "ratings": [], "referrals": []}
            for offset, received in enumerate(moments[done : done + batch]):
                received = received.replace(microsecond=0)
                if received.hour < 7 and self.rng.random() < 0.8:
                    received = min(received.replace(hour=self.rng.randint(8, 17)), self.now)
                self.appeal(start_pk + done + offset, received, out)
            self.write(out)
            done += len(out["appeals"])
            print(f"  {done:,} / {total:,} appeals, {len(out['events']):,} events in this batch", flush=True)
        with connection.cursor() as cursor:
            for table in (Appeal, AppealEvent, Rating, Referral):
                name = table._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))"
                )  # noqa: S608
            for year, last in self.numbers.items():
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS appeals_number_{year}")
                cursor.execute("SELECT setval(%s, %s)", [f"appeals_number_{year}", last])

    def write(self, out: dict) -> None:
        tables = [
            (Appeal._meta.db_table, self.appeal_columns, out["appeals"]),
            (AppealEvent._meta.db_table, ["appeal_id", "action", "from_state", "to_state", "actor_id", "at", "unit_id",
                                          "note", "visible_to_worker", "on_time", "score", "data"], out["events"]),
            (Rating._meta.db_table, ["appeal_id", "round", "score", "comment", "rated_at"], out["ratings"]),
            (Referral._meta.db_table, ["appeal_id", "department_id", "note", "referred_by_id", "referred_at", "due",
                                       "answer", "answered_by_id", "answered_at"], out["referrals"]),
        ]  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            for table, columns, rows in tables:
                names = ", ".join(connection.ops.quote_name(c) for c in columns)
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)


def _last_number(year: int) -> int:
    """The last number issued in `year`: the service's sequence, or the highest stored number."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_value FROM pg_sequences WHERE sequencename = %s",
            [f"appeals_number_{year}"],
        )
        found = cursor.fetchone()
    stored = (
        Appeal.objects.filter(number__startswith=f"SS-{year}-")
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    from_rows = int(stored.rsplit("-", 1)[1]) if stored else 0
    return max(from_rows, (found[0] or 0) if found else 0)


def build_rates_rollup() -> None:
    """The three rates' daily rollup, from the events (COPY wrote them without the services' marks)."""
    started = time.monotonic()
    rows = stats.rebuild()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {AppealDayStats._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {AppealDayStatsMark._meta.db_table}")
    print(
        f"rates rollup: {rows:,} unit-days from the events in {time.monotonic() - started:.0f} s", flush=True
    )


def main() -> None:
    global TZ
    args = parse_args()
    if connection.vendor != "postgresql":
        sys.exit(
            "scale_appeals.py writes with COPY: set DATABASE_URL to a PostgreSQL database (see bench/README.md)."
        )
    TZ = timezone.get_current_timezone()
    started = time.monotonic()
    have = Appeal.objects.count()
    if have >= args.appeals:
        print(f"reusing {have:,} appeals")
        if AppealDayStatsMark.objects.exists() or not AppealDayStats.objects.exists():
            build_rates_rollup()  # loaded before the rollup existed, or migrated since
        return
    generator = Generator(args)
    print(f"composed {len(generator.pool):,} texts in {time.monotonic() - started:.0f} s", flush=True)
    generator.args.appeals = args.appeals - have
    generator.run()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    build_rates_rollup()
    counts = dict(Appeal.objects.values_list("state").annotate(n=django.db.models.Count("pk")).order_by())
    print(f"{Appeal.objects.count():,} appeals ({json.dumps(counts)}), "
          f"{AppealEvent.objects.count():,} events in {time.monotonic() - started:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
