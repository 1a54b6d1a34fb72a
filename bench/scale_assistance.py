"""Add 50,000 hardship files and 200,000 aid records (a year of them) to the benchmark database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianxin_bench .venv/bin/python bench/scale_assistance.py

Runs on top of `scale_data.py` (the demo group with 300,000 members) and, optionally,
`scale_appeals.py`. Each secondary company's union gets a relief fund and the demo's six
programmes (`assistance/demo_data.PROGRAMMES`: 两节送温暖, 日常走访慰问, 大病救助, 金秋助学,
应急救助, 夏送清凉), created if missing. Then, written with COPY (200,000 service calls would take
an hour), each row what the services would have written:

- hardship files of team members (levels, causes, household persons with incomes consistent with
  the level against the local standard), each with its `opened` event;
- applications over this year up to today under those programmes, following their rules: a file
  for the programmes that need one, the standard or school-level amounts or within the range,
  once per household and period (`once_key`), caps per person and household; 95 % paid, the rest
  reversed, approved and waiting for payment, pending, returned or voided; events for each step;
  follow-up visits for most paid aid past its follow-up date;
- each fund's ledger: allocations (with a top-up whenever a payment would not be covered),
  donations, one payment entry per payment in the order paid, a reversal entry per reversed payment,
  each with its running balance; the fund's `balance` is the last running balance and `reserved`
  what is approved and unpaid, so `fund_reconcile` holds.

Numbers continue each year's KN/BF series and the counters are moved past them. Ends with
VACUUM ANALYZE. Run it again and it reuses what is there. Options: `--files`, `--aid`, `--seed`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from lianxin.assistance import demo_data as data  # noqa: E402
from lianxin.assistance.models import (  # noqa: E402
    Application,
    ApplicationEvent,
    Counter,
    FileEvent,
    Fund,
    FundEntry,
    HardshipFile,
    HouseholdPerson,
    LocalStandard,
    Programme,
    ProgrammeKind,
    Visit,
)
from lianxin.assistance.services.applications import period_key  # noqa: E402
from lianxin.core.capabilities import DEFAULT_ROLES  # noqa: E402
from lianxin.core.models import Role, RoleAssignment, User  # noqa: E402
from lianxin.members.models import Member  # noqa: E402
from lianxin.org import demo_data as org_data  # noqa: E402
from lianxin.org.models import Unit  # noqa: E402

K = ProgrammeKind
CENT = Decimal("0.01")
# How the year's aid divides among programmes (of the whole, before the rules turn some away).
SHARES = {
    K.FESTIVAL_VISIT: 0.225,
    K.ROUTINE_VISIT: 0.175,
    K.SCHOOL_AID: 0.06,
    K.SERIOUS_ILLNESS: 0.05,
    K.EMERGENCY: 0.03,
    K.IN_KIND: 0.46,
}
# Status of each record: (status, share)
FATES = [("paid", 0.955), ("reversed", 0.007), ("approved", 0.012), ("pending", 0.015), ("returned", 0.006), ("voided", 0.005)]  # fmt: skip
BENCH_USERS = [("bench_bangfu", "cadre", "帮扶干事"), ("bench_shenpi", "chairman", "审批人"), ("bench_caiwu", "treasurer", "出纳")]  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--aid", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def yuan(value) -> Decimal:
    return Decimal(value).quantize(CENT)


class Ids:
    """Next ids per table, continuing what is stored."""

    def __init__(self, *models):
        self.next = {
            m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1 for m in models
        }

    def take(self, model) -> int:
        pk = self.next[model]
        self.next[model] += 1
        return pk


class Numbers:
    """KN/BF numbers per year, continuing the counters."""

    def __init__(self):
        self.last = {(c.series, c.year): c.last for c in Counter.objects.all()}

    def take(self, series: str, year: int) -> str:
        self.last[(series, year)] = self.last.get((series, year), 0) + 1
        digits = {"KN": 5, "BF": 6}[series]
        return f"{series}-{year}-{self.last[(series, year)]:0{digits}d}"

    def save(self) -> None:
        for (series, year), last in self.last.items():
            Counter.objects.update_or_create(series=series, year=year, defaults={"last": last})


class Generator:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(f"{args.seed}:scale-assistance")
        self.tz = timezone.get_current_timezone()
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.year_start = self.today.replace(month=1, day=1)
        self.root = Unit.objects.get(code=org_data.GROUP[2], depth=1)
        self.secondaries = list(
            Unit.objects.filter(path__startswith=self.root.path, depth=2).order_by("path")
        )
        self.users = self._users()
        self.programmes = self._programmes()
        self._standard()
        members = defaultdict(list)
        unit_of = {}
        rows = Member.objects.filter(
            status="active", unit__level="team", unit__path__startswith=self.root.path
        ).values_list("pk", "unit_id", "unit__path", "name")
        for pk, unit_id, path, name in rows:
            members[path[:8]].append(pk)
            unit_of[pk] = (unit_id, path[:8], name)
        self.members, self.unit_of = members, unit_of
        self.ids = Ids(
            HardshipFile, HouseholdPerson, FileEvent, Application, ApplicationEvent, FundEntry, Visit
        )
        self.numbers = Numbers()

    # --- set-up through the ORM (a few rows) ------------------------------------------------------

    def _users(self) -> dict[str, User]:
        roles = {r.code: r for r in Role.objects.filter(code__in=DEFAULT_ROLES)}
        users = {}
        for username, role, name in BENCH_USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"full_name": name})
            if created:
                user.set_unusable_password()
                user.save()
                RoleAssignment.objects.create(user=user, unit=self.root, role=roles[role])
            users[role] = user
        return users

    def _programmes(self) -> dict[str, dict[str, Programme]]:
        """Each secondary company's relief fund and programmes: {secondary path: {kind: programme}}."""
        out = {}
        for unit in self.secondaries:
            fund, _created = Fund.objects.get_or_create(
                unit=unit, name=f"{unit.short_name or unit.name}工会帮扶救助基金"
            )
            by_kind = {}
            for code, name, kind, fields in data.PROGRAMMES:
                programme, _created = Programme.objects.get_or_create(
                    unit=unit, code=code, defaults={"name": name, "kind": kind, "fund": fund, **fields}
                )
                by_kind[kind] = programme
            out[unit.path] = by_kind
        return out

    def _standard(self) -> None:
        LocalStandard.objects.get_or_create(
            unit=self.root, effective_from=dt.date(self.today.year - 3, 1, 1),
            defaults={"monthly_per_head": data.LOCAL_STANDARD, "note": "市城市低保标准"},
        )  # fmt: skip

    def moment(self, day: dt.date, low: int = 8, high: int = 17) -> dt.datetime:
        hour = self.rng.randint(low, high - 1)
        moment = dt.datetime.combine(
            day, dt.time(hour, self.rng.randint(0, 59), self.rng.randint(0, 59)), tzinfo=self.tz
        )
        return min(moment, self.now - dt.timedelta(hours=2))

    def day_in_year(self, months: tuple[int, ...] | None = None) -> dt.date:
        while True:
            day = self.year_start + dt.timedelta(
                days=self.rng.randrange((self.today - self.year_start).days + 1)
            )
            if months is None or day.month in months:
                return day
            if all(dt.date(self.today.year, m, 1) > self.today for m in months):
                return self.today

    # --- files ------------------------------------------------------------------------------------

    def files(self, out: dict) -> dict[int, dict]:
        """Hardship files of `--files` members; returns {member id: file facts}."""
        rng, standard = self.rng, data.LOCAL_STANDARD
        pool = [pk for pks in self.members.values() for pk in pks]
        chosen = rng.sample(pool, min(self.args.files, len(pool)))
        actor = self.users["cadre"].pk
        files = {}
        for member_id in chosen:
            unit_id, secondary, name = self.unit_of[member_id]
            level, causes, _situation = rng.choice(data.SITUATIONS)
            size = rng.choice([2, 3, 3, 3, 4, 4, 5])
            ceiling = {"deep": Decimal("1.00"), "relative": Decimal("1.50"), "accident": Decimal("2.00")}[
                level
            ]
            floor = {"deep": Decimal("0.40"), "relative": Decimal("1.01"), "accident": Decimal("1.01")}[level]
            per_head = yuan(standard * (floor + (ceiling - floor) * Decimal(rng.random())))
            opened = self.today - dt.timedelta(days=rng.randint(20, 3 * 365))
            reviewed = (
                opened
                if (self.today - opened).days < 365
                else self.today - dt.timedelta(days=rng.randint(1, 364))
            )
            pk = self.ids.take(HardshipFile)
            children = []
            persons = [("self", name, 1970 + rng.randint(0, 25), "", "healthy")]
            if size >= 2:
                persons.append(
                    (
                        "spouse",
                        "配偶",
                        1970 + rng.randint(0, 25),
                        "",
                        "serious_illness" if "serious_illness" in causes else "healthy",
                    )
                )
            for _n in range(size - len(persons)):
                school = rng.choice(["junior", "senior", "college", "primary", ""])
                persons.append(("child", "子女", self.today.year - rng.randint(8, 22), school, "healthy"))
                if school in ("junior", "senior", "college"):
                    children.append(school)
            total = per_head * size
            incomes = [total] + [Decimal("0.00")] * (len(persons) - 1)
            if len(persons) > 1 and rng.random() < 0.5:
                part = yuan(total * Decimal("0.3"))
                incomes = [total - part, part] + [Decimal("0.00")] * (len(persons) - 2)
            for (relation, pname, born, school, health), income in zip(persons, incomes, strict=True):
                out["persons"].append(
                    (
                        self.ids.take(HouseholdPerson),
                        pk,
                        pname,
                        relation,
                        born,
                        "",
                        income,
                        school,
                        health,
                        "",
                    )
                )
            situation = _situation.format(
                n=size,
                illness=rng.choice(data.ILLNESSES),
                school=rng.choice(data.SCHOOLS),
                village=rng.choice(data.VILLAGES),
            )
            out["files"].append((
                pk, self.numbers.take("KN", opened.year), unit_id, member_id, level, level, list(causes), situation,
                f"{rng.choice(data.STREETS)}{rng.randint(1, 300)}号", size, total, per_head, standard, "active",
                opened, actor, reviewed if reviewed != opened else None, reviewed + dt.timedelta(days=365), None, "",
                None, 1, self.moment(opened),
            ))  # fmt: skip
            out["file_events"].append(
                (self.ids.take(FileEvent), pk, "opened", actor, self.moment(opened), "", "{}")
            )
            files[member_id] = {"pk": pk, "secondary": secondary, "children": children, "level": level}
        return files

    # --- applications -----------------------------------------------------------------------------

    def amount(self, programme: Programme, school: str = "") -> Decimal:
        rng, kind = self.rng, programme.kind
        if kind == K.SCHOOL_AID:
            return yuan(programme.amounts_by_school_level[school])
        if kind == K.SERIOUS_ILLNESS:
            return yuan(min(20000, max(1000, round(rng.lognormvariate(8.4, 0.6), -2))))
        if kind == K.EMERGENCY:
            return yuan(rng.choice([500, 1000, 1000, 2000, 3000, 5000]))
        if kind == K.FESTIVAL_VISIT:
            return yuan(rng.choice([1000, 1000, 1000, 1500, 2000]))
        return programme.standard_amount

    def plan(self, files: dict[int, dict]) -> list[dict]:
        """Every application's facts (who, what, how much, when, its fate), obeying the rules."""
        rng = self.rng
        file_members = list(files)
        used_once: set[str] = set()
        capped: dict[tuple, Decimal] = defaultdict(Decimal)
        plans = []
        kinds = list(SHARES)
        weights = list(SHARES.values())
        seasons = {K.FESTIVAL_VISIT: (1, 2), K.SCHOOL_AID: (8, 9), K.IN_KIND: (6, 7, 8)}
        attempts = 0
        while len(plans) < self.args.aid and attempts < self.args.aid * 4:
            attempts += 1
            kind = rng.choices(kinds, weights)[0]
            if kind in (K.FESTIVAL_VISIT, K.ROUTINE_VISIT, K.SCHOOL_AID) or (
                kind == K.SERIOUS_ILLNESS and rng.random() < 0.6
            ):
                member = rng.choice(file_members)
                facts = files[member]
            else:
                secondary = rng.choice(self.secondaries).path
                member = rng.choice(self.members[secondary])
                facts = files.get(member)
            secondary = self.unit_of[member][1]
            programme = self.programmes[secondary][kind]
            school = ""
            if kind == K.SCHOOL_AID:
                if not facts["children"]:
                    continue
                school = rng.choice(facts["children"])
            fate = rng.choices([f for f, _s in FATES], [s for _f, s in FATES])[0]
            if fate in ("pending", "approved", "returned", "voided"):
                day = self.today - dt.timedelta(days=rng.randint(0, 20))
            else:
                day = self.day_in_year(seasons.get(kind))
            if day < self.year_start:
                day = self.year_start
            household = f"f{facts['pk']}" if facts else f"m{member}"
            period = period_key(programme.period, day)
            amount = self.amount(programme, school)
            counts = fate not in ("reversed", "voided")
            once = f"{programme.pk}:{household}:{period}" if programme.once_per_period else None
            if once and counts and once in used_once:
                continue
            caps = []
            if programme.cap_per_person_year:
                caps.append(((programme.pk, "m", member), programme.cap_per_person_year))
            if programme.cap_per_household_year:
                caps.append(((programme.pk, "h", household), programme.cap_per_household_year))
            if counts and any(capped[key] + amount > cap for key, cap in caps):
                continue
            if counts:
                if once:
                    used_once.add(once)
                for key, _cap in caps:
                    capped[key] += amount
            plans.append({
                "programme": programme, "member": member, "file": facts["pk"] if facts else None,
                "household": household, "period": period, "once": once if counts else None,
                "amount": amount, "school": school, "fate": fate, "day": day,
            })  # fmt: skip
        return plans

    def applications(self, plans: list[dict], out: dict) -> list[tuple]:
        """Rows for applications, their events and follow-ups; returns the money movements."""
        rng, users = self.rng, self.users
        recorder, approver, payer = users["cadre"].pk, users["chairman"].pk, users["treasurer"].pk
        moves = []  # (moment, fund id, kind, amount, application id, reverses application)
        for p in sorted(plans, key=lambda p: p["day"]):
            programme, fate, day = p["programme"], p["fate"], p["day"]
            pk = self.ids.take(Application)
            recorded = self.moment(max(self.year_start, day - dt.timedelta(days=rng.randint(0, 4))))
            approved_at = paid_at = paid_on = follow_up_due = followed = None
            events = [("recorded", "", "pending", recorder, recorded, "")]
            if fate in ("approved", "paid", "reversed"):
                approved_at = min(
                    recorded + dt.timedelta(hours=rng.uniform(2, 40)), timezone.now() - dt.timedelta(hours=1)
                )
                events.append(("approved", "pending", "approved", approver, approved_at, ""))
            if fate in ("paid", "reversed"):
                paid_on = max(day, approved_at.date())
                paid_at = min(
                    max(self.moment(paid_on, 9, 17), approved_at + dt.timedelta(minutes=5)), timezone.now()
                )
                paid_on = paid_at.astimezone(self.tz).date()
                events.append(("paid", "approved", "paid", payer, paid_at, ""))
                moves.append((paid_at, programme.fund_id, "payment", -p["amount"], pk, None))
                if programme.follow_up_days:
                    follow_up_due = paid_on + dt.timedelta(days=programme.follow_up_days)
            if fate == "reversed":
                reversed_at = paid_at + dt.timedelta(days=rng.uniform(1, 10))
                if reversed_at.date() > self.today:
                    reversed_at = paid_at + dt.timedelta(hours=1)
                events.append(("reversed", "paid", "reversed", payer, reversed_at, data.REVERSE_REASONS[0]))
                moves.append((reversed_at, programme.fund_id, "reversal", p["amount"], pk, pk))
                follow_up_due = None
            if fate == "returned":
                events.append(
                    (
                        "returned",
                        "pending",
                        "returned",
                        approver,
                        recorded + dt.timedelta(hours=20),
                        data.RETURN_REASONS[0],
                    )
                )
            if fate == "voided":
                events.append(
                    (
                        "voided",
                        "pending",
                        "voided",
                        recorder,
                        recorded + dt.timedelta(hours=30),
                        data.VOID_REASONS[0],
                    )
                )
            if follow_up_due and follow_up_due < self.today and rng.random() < 0.85:
                followed = min(
                    self.today,
                    follow_up_due - dt.timedelta(days=rng.randint(0, programme.follow_up_days - 1)),
                )
                followed = max(followed, paid_on)
                unit_id = self.unit_of[p["member"]][0]
                out["visits"].append((
                    self.ids.take(Visit), "follow_up", p["file"], None, pk, unit_id, followed, recorder, True,
                    rng.choice(["improved", "somewhat", "somewhat", "unchanged"]), rng.choice(data.FOLLOW_UP_NOTES), "",
                    self.moment(followed),
                ))  # fmt: skip
            kind = programme.kind
            reason = data.REASONS[kind].format(
                who=rng.choice(data.WHO), illness=rng.choice(data.ILLNESSES), level=p["school"],
                event=rng.choice(data.EMERGENCIES),
            )  # fmt: skip
            unit_id = self.unit_of[p["member"]][0]
            threshold = programme.approval_threshold
            approval_unit = (
                self.root.pk if threshold is not None and p["amount"] > threshold else programme.unit_id
            )
            status = {"paid": "paid", "reversed": "reversed", "approved": "approved"}.get(fate, fate)
            out["applications"].append((
                pk, self.numbers.take("BF", recorded.astimezone(self.tz).year), programme.pk, unit_id, p["member"],
                p["file"], p["household"], p["period"], p["once"], p["amount"],
                data.IN_KIND_GOODS if kind == K.IN_KIND else "", p["school"], reason, status, approval_unit, None,
                recorder, recorded, approver if approved_at and fate != "returned" else None,
                approved_at if fate != "returned" else None, payer if paid_at else None, paid_at, paid_on,
                f"YH{pk:010d}" if paid_at else "", follow_up_due, followed, len(events),
            ))  # fmt: skip
            for action, old, new, actor, at, note in events:
                out["app_events"].append(
                    (self.ids.take(ApplicationEvent), pk, action, old, new, actor, at, note)
                )
        return moves

    # --- the ledgers ------------------------------------------------------------------------------

    def ledgers(self, moves: list[tuple], plans: list[dict], out: dict) -> dict[int, tuple[Decimal, Decimal]]:
        """Entries of every fund in time order with running balances; {fund: (balance, reserved)}.

        Income: the union's allocation in January (55 % of what the fund pays out or has approved),
        the administration's in July (55 %), a dozen donations; a top-up allocation just before any
        payment the balance would not cover."""
        rng = self.rng
        actor = self.users["treasurer"].pk
        spend = defaultdict(Decimal)  # paid out, and approved to be paid: what the allocations cover
        for _at, fund, kind, amount, _app, _rev in moves:
            if kind == "payment":
                spend[fund] -= amount
        reserved = defaultdict(Decimal)
        for p in plans:
            if p["fate"] == "approved":
                reserved[p["programme"].fund_id] += p["amount"]
                spend[p["programme"].fund_id] += p["amount"]
        events = [
            {"at": at, "fund": fund, "kind": kind, "amount": amount, "app": app, "reverses": rev}
            for at, fund, kind, amount, app, rev in moves
        ]
        for fund, total in spend.items():
            mid = dt.date(self.today.year, min(7, self.today.month), 1)
            for day, share, note in (
                (self.year_start, "0.55", "上级工会年度拨款"),
                (mid, "0.55", "行政拨付帮扶资金"),
            ):
                amount = yuan(total * Decimal(share))
                events.append(
                    {
                        "at": self.moment(day, 8, 9),
                        "fund": fund,
                        "kind": "allocation",
                        "amount": amount,
                        "note": note,
                    }
                )
            for _n in range(12):
                donor, anonymous = rng.choice(data.DONORS)
                amount = yuan(rng.choice([2000, 5000, 10000, 50000]))
                events.append({"at": self.moment(self.day_in_year()), "fund": fund, "kind": "donation", "amount": amount,
                               "donor": donor, "anonymous": anonymous, "note": "职工爱心捐款"})  # fmt: skip
        events.sort(key=lambda e: (e["at"], e["kind"] == "payment"))
        balance = defaultdict(Decimal)
        payment_entry: dict[int, int] = {}

        def post(e: dict) -> int:
            fund = e["fund"]
            balance[fund] += e["amount"]
            pk = self.ids.take(FundEntry)
            app = e.get("app")
            out["entries"].append((
                pk, fund, e["kind"], e["amount"], balance[fund], e["at"], actor, e.get("donor", ""),
                e.get("anonymous", False), None, app, None, None, payment_entry.get(e.get("reverses")),
                f"YH{app:010d}" if e["kind"] == "payment" else "", e.get("note", ""),
            ))  # fmt: skip
            return pk

        for e in events:
            short = -(balance[e["fund"]] + e["amount"])
            if e["kind"] == "payment" and short > 0:
                amount = yuan(max(Decimal("1000000"), short))
                post({"at": e["at"] - dt.timedelta(minutes=1), "fund": e["fund"], "kind": "allocation",
                      "amount": amount, "note": "追加拨款"})  # fmt: skip
            pk = post(e)
            if e["kind"] == "payment":
                payment_entry[e["app"]] = pk
        return {fund: (balance[fund], reserved[fund]) for fund in set(balance) | set(reserved)}

    # --- writing ----------------------------------------------------------------------------------

    def write(self, out: dict) -> None:
        tables = [
            (HardshipFile, ["id", "number", "unit_id", "member_id", "level", "suggested_level", "causes", "situation", "address",
                            "household_size", "monthly_income", "income_per_head", "local_standard", "status", "opened_on",
                            "opened_by_id", "reviewed_on", "next_review_on", "exited_on", "exit_reason", "appeal_id", "version",
                            "created_at"], "files"),
            (HouseholdPerson, ["id", "file_id", "name", "relation", "birth_year", "occupation", "monthly_income", "school_level",
                               "health", "note"], "persons"),
            (FileEvent, ["id", "file_id", "action", "actor_id", "at", "note", "detail"], "file_events"),
            (Application, ["id", "number", "programme_id", "unit_id", "member_id", "file_id", "household_key", "period_key",
                           "once_key", "amount", "goods", "school_level", "reason", "status", "approval_unit_id", "appeal_id",
                           "recorded_by_id", "recorded_at", "approved_by_id", "approved_at", "paid_by_id", "paid_at", "paid_on",
                           "payment_reference", "follow_up_due", "followed_up_on", "version"], "applications"),
            (ApplicationEvent, ["id", "application_id", "action", "from_status", "to_status", "actor_id", "at", "note"], "app_events"),
            (FundEntry, ["id", "fund_id", "kind", "amount", "balance_after", "at", "entered_by_id", "donor", "donor_anonymous",
                         "campaign_id", "application_id", "claim_id", "counterpart_id", "reverses_id", "reference", "note"], "entries"),
            (Visit, ["id", "kind", "file_id", "pairing_id", "application_id", "unit_id", "visited_on", "visitor_id", "aid_arrived",
                     "effect", "notes", "needs", "recorded_at"], "visits"),
        ]  # fmt: skip
        import json

        with connection.cursor() as cursor:
            for model, columns, key in tables:
                names = ", ".join(connection.ops.quote_name(c) for c in columns)
                with cursor.cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
                    for row in out[key]:
                        copy.write_row(
                            [
                                json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                                for v in row
                            ]
                        )
                print(f"  {len(out[key]):>9,} {model._meta.db_table}", flush=True)
            for model in (
                HardshipFile,
                HouseholdPerson,
                FileEvent,
                Application,
                ApplicationEvent,
                FundEntry,
                Visit,
            ):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )  # noqa: S608

    def run(self) -> None:
        out = defaultdict(list)
        files = self.files(out)
        print(f"  planned {len(files):,} files", flush=True)
        plans = self.plan(files)
        print(f"  planned {len(plans):,} applications", flush=True)
        moves = self.applications(plans, out)
        funds = self.ledgers(moves, plans, out)
        with transaction.atomic():
            self.write(out)
            for fund_id, (balance, reserved) in funds.items():
                Fund.objects.filter(pk=fund_id).update(balance=balance, reserved=reserved)
            self.numbers.save()


def main() -> None:
    args = parse_args()
    if connection.vendor != "postgresql":
        sys.exit(
            "scale_assistance.py writes with COPY: set DATABASE_URL to a PostgreSQL database (see bench/README.md)."
        )
    started = time.monotonic()
    call_command("migrate", "assistance", interactive=False, verbosity=0)
    have = Application.objects.count()
    if have >= args.aid:
        print(f"reusing {have:,} aid records and {HardshipFile.objects.count():,} hardship files")
        return
    Generator(args).run()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    from lianxin.assistance.services.funds import fund_reconcile

    for fund in Fund.objects.filter(entries__isnull=False).distinct():
        check = fund_reconcile(fund)
        print(
            f"  {fund.name}: balance {fund.balance:,.2f}, reserved {fund.reserved:,.2f}, reconciles: {check['ok']}"
        )
    print(
        f"{HardshipFile.objects.count():,} files, {Application.objects.count():,} applications, "
        f"{FundEntry.objects.count():,} fund entries in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
