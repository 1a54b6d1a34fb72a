"""One demo company's year of assistance, planned as steps at moments (run by `DemoRun`, in order).

See the package's docstring. A step is (moment, order, callable); the callables close over small
plan objects (`Household`, `Aid`, claims as dicts) whose records are filled in as the steps run.
The first company (`cadres.index == 0`) is planned as it always was, from the same random streams;
the others draw from their own streams and, where a count is fixed, from smaller lists.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from lianxin.appeals.models import Appeal
from lianxin.members.models import Member
from lianxin.org import demo_data as org_data
from lianxin.org.models import Unit

from .. import demo_data as data
from ..models import (
    FundKind,
    HardshipFile,
    Health,
    Level,
    ProgrammeKind,
    Relation,
    SchoolLevel,
    Visit,
)
from ..services import applications as money
from ..services import files as file_services
from ..services import mutual_aid, pairing
from . import create_programmes
from .income import IncomePlanner
from .people import Cadres

K = ProgrammeKind
FUNDED_SCHOOL = [SchoolLevel.JUNIOR, SchoolLevel.SENIOR, SchoolLevel.COLLEGE]


@dataclass
class Household:
    member: Member
    recorder: object
    level: str
    causes: tuple[str, ...]
    situation: str
    persons: list[dict]
    opened_on: dt.date
    appeal: Appeal | None = None
    file: HardshipFile | None = None
    schools: list[str] = field(default_factory=list)


@dataclass
class Aid:
    programme: object
    member: Member
    recorder: object
    day: dt.date
    fate: str  # paid, pending, approved, returned, voided, reversed
    household: Household | None = None
    amount: Decimal | None = None
    school_level: str = ""
    reason: str = ""
    appeal: Appeal | None = None
    record: object = None
    value: Decimal = Decimal("0.00")


class AssistanceBuilder(IncomePlanner):
    def __init__(self, *, run, company: Unit, cadres: Cadres, scale: float = 1.0):
        self.run, self.company, self.cadres, self.scale = run, company, cadres, scale
        self.index = cadres.index
        self.root, self.now, self.seed = run.root, run.now, run.seed
        self.today, self.start, self.tz = run.today, run.start, run.tz
        self.steps, self.stamps, self.summary = run.steps, run.stamps, run.summary
        self.plan_year = (
            self.today.year if self.today >= dt.date(self.today.year, 3, 1) else self.today.year - 1
        )

    def _rng(self, step: str) -> random.Random:
        if self.index:
            step = f"{self.index}:{step}"
        return random.Random(f"{self.seed}:assistance:{step}")

    def last(self, month: int, day: int) -> dt.date:
        """The latest `month`-`day` not after today, within the year shown (this year's once it has
        come, else last year's): the festival, summer and school-start aid are always in the year."""
        this = dt.date(self.today.year, month, day)
        return max(self.start, this if this <= self.today else dt.date(self.today.year - 1, month, day))

    def n(self, count: int) -> int:
        return max(1, round(count * self.scale))

    def at(self, day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
        moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)
        return min(moment, self.now - dt.timedelta(minutes=1))

    def step(self, moment: dt.datetime, call) -> None:
        self.steps.append((moment, len(self.steps), call))

    # --- the whole ------------------------------------------------------------------------------

    def plan(self) -> None:
        self._places()
        self._setup()
        self._plan_households()
        self._plan_aid()
        self._plan_pairings()
        self._plan_mutual_aid()

    def _places(self) -> None:
        """The company's works and the active members of their teams without a login, by works; the
        focus works is 炼钢厂 in the first company, the one with most such members in the others."""
        units = list(Unit.objects.filter(path__startswith=self.company.path, depth__lte=5).order_by("path"))
        works = [u for u in units if u.depth == 3]
        by_path = {u.path: u for u in units}
        members = (
            Member.objects.filter(
                unit__path__startswith=self.company.path, status="active", user__isnull=True
            )
            .select_related("unit")
            .order_by("member_no")
        )
        self.by_works: dict[str, list[Member]] = defaultdict(list)
        for member in members:
            works_path = member.unit.path[: self.company.depth * Unit.steplen + Unit.steplen]
            if member.unit.level == "team" and works_path in by_path:
                self.by_works[works_path].append(member)
        if self.index == 0:
            self.focus = next((u for u in works if u.name == org_data.FOCUS_UNIT), works[0])
        else:
            self.focus = max(works, key=lambda u: len(self.by_works[u.path]))  # the first of equals
        self.other_works = [u for u in works if u != self.focus]
        self.worker_member = None
        if self.index == 0:
            worker = Member.objects.filter(user__username="worker").select_related("unit").first()
            self.worker_member = worker if worker and worker.unit.path.startswith(self.focus.path) else None

    def _setup(self) -> None:
        people = self.cadres
        self.chairman, self.cadre, self.bangfu = people.chairman, people.cadre, people.bangfu
        self.caiwu, self.upper, self.leader = people.caiwu, people.upper, people.leader
        name = self.company.short_name or self.company.name
        self.relief = money.fund_create(
            actor=self.chairman, unit=self.company, name=f"{name}工会帮扶救助基金"
        )
        self.mutual_fund = money.fund_create(
            actor=self.chairman, unit=self.company, name=f"{name}职工互助保障基金", kind=FundKind.MUTUAL_AID
        )
        self.programmes = create_programmes(self.company, self.relief)
        self.summary.programmes += len(self.programmes)
        if self.index == 0:
            self._plan_income()
        else:
            self._plan_smaller_income()

    # --- hardship files -------------------------------------------------------------------------

    def _persons(
        self, rng: random.Random, member: Member, level: str, causes
    ) -> tuple[list[dict], list[str]]:
        size = rng.choice([3, 3, 3, 4, 4, 2, 5])
        ratio = {Level.DEEP: (0.55, 0.95), Level.RELATIVE: (1.05, 1.45), Level.ACCIDENT: (1.05, 1.9)}[level]
        per_head = data.LOCAL_STANDARD * Decimal(str(round(rng.uniform(*ratio), 2)))
        total = (per_head * size).quantize(Decimal("1"))
        born = member.birth_date.year if member.birth_date else 1980
        ill = "serious_illness" in causes
        spouse_income = (
            Decimal("0")
            if "spouse_unemployed" in causes or ill
            else (total * Decimal("0.3")).quantize(Decimal("1"))
        )
        persons = [{"name": member.name, "relation": Relation.SELF, "birth_year": born, "occupation": member.job or "职工",
                    "monthly_income": str(total - spouse_income)}]  # fmt: skip
        if "single_parent" not in causes and size >= 2:
            spouse = org_data.person_name(
                rng, "F" if member.gender == "M" else "M", born + rng.randint(-3, 3)
            )
            persons.append({"name": spouse, "relation": Relation.SPOUSE, "birth_year": born + rng.randint(-3, 3),
                            "occupation": "无固定工作" if spouse_income == 0 else "超市营业员",
                            "monthly_income": str(spouse_income),
                            "health": Health.SERIOUS_ILLNESS if ill else Health.HEALTHY})  # fmt: skip
        schools = []
        surname = member.name[0]
        while len(persons) < size:
            if len(persons) == size - 1 and size >= 4 and rng.random() < 0.5:
                persons.append({"name": org_data.person_name(rng, rng.choice("MF"), born - 28), "relation": Relation.PARENT,
                                "birth_year": born - 28, "occupation": "无退休金", "monthly_income": "0",
                                "health": Health.CHRONIC})  # fmt: skip
                continue
            school = rng.choice([*FUNDED_SCHOOL, SchoolLevel.PRIMARY])
            age = {"primary": 9, "junior": 13, "senior": 16, "college": 19}[school]
            given = org_data.person_name(rng, rng.choice("MF"), self.today.year - age)[1:]
            persons.append({"name": surname + given, "relation": Relation.CHILD, "birth_year": self.today.year - age,
                            "occupation": "学生", "monthly_income": "0", "school_level": school})  # fmt: skip
            if school in FUNDED_SCHOOL:
                schools.append(school)
        return persons, schools

    def _household(self, rng, member: Member, recorder, opened_on: dt.date, appeal=None) -> Household:
        level, causes, template = rng.choice(data.SITUATIONS)
        persons, schools = self._persons(rng, member, level, causes)
        situation = template.format(
            n=len(persons), illness=rng.choice(data.ILLNESSES), school=rng.choice(data.SCHOOLS),
            village=rng.choice(data.VILLAGES),
        )  # fmt: skip
        if appeal is not None:
            situation = f"{situation}(职工通过诉求反映:{appeal.title})"
        return Household(
            member, recorder, level, tuple(causes), situation, persons, opened_on, appeal, schools=schools
        )

    def _plan_households(self) -> None:
        rng = self._rng("files")
        self.households: list[Household] = []
        taken: set[int] = set()
        focus = [m for m in self.by_works[self.focus.path] if m.employment_type == "formal"]
        others = [m for w in self.other_works for m in self.by_works[w.path] if m.employment_type == "formal"]
        picks = [(m, self.cadre) for m in rng.sample(focus, min(self.n(15), len(focus)))]
        picks += [(m, self.bangfu) for m in rng.sample(others, min(self.n(25), len(others)))]
        if self.worker_member is not None:
            picks.insert(0, (self.worker_member, self.cadre))
        for index, (member, recorder) in enumerate(picks):
            if member.pk in taken:
                continue
            taken.add(member.pk)
            if index < 3:  # opened a year and more ago, not yet reviewed: overdue
                opened = self.start - dt.timedelta(days=rng.randint(5, 40))
            elif index < 7:  # their review falls due within the month
                opened = self.today - dt.timedelta(days=rng.randint(340, 360))
            elif index % 3 == 0:  # opened during the year
                opened = self.start + dt.timedelta(days=rng.randint(46, 300))
            else:  # opened in earlier years, reviewed during this one
                opened = self.start - dt.timedelta(days=rng.randint(60, 900))
            household = self._household(rng, member, recorder, opened)
            self.households.append(household)
            if index >= 7 and index % 3:
                reviewed = self.start + dt.timedelta(days=rng.randint(40, 300))
                self.step(self.at(reviewed, 15), lambda h=household, day=reviewed: self._review(h, day))
        from_appeals = 0
        for appeal in self._hardship_appeals():  # two families filed from what they raised
            member = appeal.member
            if from_appeals == 2 or member.pk in taken or member.status != "active":
                continue
            from_appeals += 1
            taken.add(member.pk)
            opened = min(timezone.localdate(appeal.received_at) + dt.timedelta(days=3), self.today)
            recorder = self.cadre if member.unit.path.startswith(self.focus.path) else self.bangfu
            self.households.append(self._household(rng, member, recorder, opened, appeal=appeal))
        for household in self.households:
            self.step(self.at(household.opened_on, 10), lambda h=household: self._open(h))
        exiting = next((h for h in self.households[7:] if h.level == Level.RELATIVE), None)
        self.exit_day = self.today - dt.timedelta(days=20)
        if exiting is not None:
            self.step(self.at(self.exit_day, 16), lambda h=exiting: self._exit(h, self.exit_day))
        self.exiting = exiting

    def _hardship_appeals(self) -> list[Appeal]:
        """The first company's hardship appeals of the year (the others' aid is not linked to appeals)."""
        if self.index:
            return []
        return list(
            Appeal.objects.filter(
                category__code="hardship", member__isnull=False, is_anonymous=False,
                origin_unit__path__startswith=self.company.path, received_at__date__gte=self.start,
            ).select_related("member", "member__unit").order_by("received_at")[:12]
        )  # fmt: skip

    def _open(self, household: Household) -> None:
        household.file = file_services.file_open(
            actor=household.recorder, member=household.member, causes=list(household.causes),
            situation=household.situation, persons=household.persons, level=household.level,
            address=f"{self._rng(f'address{household.member.pk}').choice(data.STREETS)}"
                    f"{household.member.pk % 200 + 1}号",
            appeal=household.appeal, on=household.opened_on,
        )  # fmt: skip
        self.stamps.set(household.file, created_at=self.at(household.opened_on, 10))
        self.summary.files += 1

    def _review(self, household: Household, day: dt.date) -> None:
        file = HardshipFile.objects.get(pk=household.file.pk)
        household.file = file_services.file_review(
            actor=household.recorder, file=file, version=file.version, reviewed_on=day,
            note="年度复核:入户核实家庭收入和人员情况,无明显变化,维持原困难类别。",
        )  # fmt: skip

    def _exit(self, household: Household, day: dt.date) -> None:
        file = HardshipFile.objects.get(pk=household.file.pk)
        file_services.file_exit(
            actor=household.recorder, file=file, version=file.version, on=day,
            reason="子女大学毕业参加工作,爱人重新就业,家庭人均收入已超过认定标准,经本人申请脱困。",
        )  # fmt: skip

    # --- aid ------------------------------------------------------------------------------------

    def _plan_aid(self) -> None:
        rng = self._rng("aid")
        p = self.programmes
        year = self.today.year
        self.aids: list[Aid] = []
        self.once_used: set[tuple] = set()
        self.granted: dict[tuple, Decimal] = defaultdict(Decimal)
        self.household_of = {h.member.pk: h for h in self.households}
        active = self.households
        festival_day = self.last(1, 15)
        for h in active:
            if h.opened_on < festival_day:
                amount = {Level.DEEP: "2000.00", Level.ACCIDENT: "1500.00"}.get(h.level, "1000.00")
                self._aid(
                    p[K.FESTIVAL_VISIT],
                    h,
                    festival_day + dt.timedelta(days=rng.randint(0, 25)),
                    amount=amount,
                )
        for h in (h for h in active if h.level == Level.DEEP):
            quarters = [dt.date(y, m, d) for y in (year - 1, year) for m, d in ((4, 10), (7, 10), (10, 12))]
            for quarter_day in quarters:
                if self.start <= quarter_day and h.opened_on < quarter_day <= self.today - dt.timedelta(
                    days=10
                ):
                    self._aid(p[K.ROUTINE_VISIT], h, quarter_day + dt.timedelta(days=rng.randint(0, 20)))
        for h in (h for h in active if "serious_illness" in h.causes):
            day = max(
                h.opened_on + dt.timedelta(days=10), self.start + dt.timedelta(days=rng.randint(30, 300))
            )
            if day <= self.today - dt.timedelta(days=15):
                amount = f"{rng.choice([3000, 5000, 6000, 8000, 12000, 15000])}.00"
                who = rng.choice(data.WHO)
                reason = data.REASONS[K.SERIOUS_ILLNESS].format(who=who, illness=rng.choice(data.ILLNESSES))
                self._aid(p[K.SERIOUS_ILLNESS], h, day, amount=amount, reason=reason)
        school_day = self.last(8, 25)
        cap = p[K.SCHOOL_AID].cap_per_household_year
        amounts = p[K.SCHOOL_AID].amounts_by_school_level
        for h in active:
            granted = Decimal("0.00")
            for level in h.schools:
                granted += Decimal(amounts[level])
                if h.opened_on < school_day <= self.today and granted <= cap:
                    day = school_day + dt.timedelta(days=rng.randint(0, 20))
                    self._aid(p[K.SCHOOL_AID], h, day, school_level=level)
        for h in (h for h in active if h.level == Level.ACCIDENT and "disaster" in h.causes):
            day = h.opened_on + dt.timedelta(days=2)
            if day <= self.today - dt.timedelta(days=15):
                reason = data.REASONS[K.EMERGENCY].format(event="汛期房屋进水受损")
                self._aid(p[K.EMERGENCY], h, day, amount="3000.00", reason=reason)
        self._plan_appeal_aid(rng)
        summer = self.last(7, 8)
        frontline = [m for m in self.by_works[self.focus.path] if m.job not in ("工会主席", "厂长")]
        for member in rng.sample(frontline, min(self.n(60), len(frontline))):
            if summer <= self.today:
                self._aid(p[K.IN_KIND], None, summer + dt.timedelta(days=rng.randint(0, 12)), member=member,
                          goods=data.IN_KIND_GOODS)  # fmt: skip
        self._plan_recent(rng)
        for aid in self.aids:
            self._schedule(aid, rng)

    def _aid(self, programme, household: Household | None, day: dt.date, *, member=None, fate="paid",
             amount=None, school_level="", reason="", appeal=None, goods="") -> Aid:  # fmt: skip
        member = member or household.member
        recorder = household.recorder if household else (
            self.cadre if member.unit.path.startswith(self.focus.path) else self.bangfu
        )  # fmt: skip
        if not reason:
            reason = data.REASONS[programme.kind].format(
                who="本人",
                illness="",
                level=SchoolLevel(school_level).label if school_level else "",
                event="",
            )
        day = min(max(day, self.start + dt.timedelta(days=10)), self.today)  # after the first allocation
        household = household or self.household_of.get(member.pk)
        value = self._fits(programme, member, household, day, amount, school_level)
        if value is None:
            return None
        aid = Aid(
            programme,
            member,
            recorder,
            day,
            fate,
            household,
            amount,
            school_level,
            reason,
            appeal,
        )
        aid.goods, aid.value = goods, value
        self.aids.append(aid)
        return aid

    def _fits(self, programme, member, household, day: dt.date, amount, school_level: str) -> Decimal | None:
        """The aid's amount if the programme's rules let it through — once per period, the caps per
        person and household per year — counting everything planned before it (the services would
        refuse the rest), else None. A family that left hardship gets nothing after."""
        if household is not None and household is self.exiting and day >= self.exit_day:
            return None
        if amount:
            value = Decimal(amount)
        elif school_level:
            value = Decimal(programme.amounts_by_school_level[school_level])
        else:
            value = programme.standard_amount or Decimal("0.00")
        home = f"h{id(household)}" if household is not None else f"m{member.pk}"
        once = (programme.pk, home, money.period_key(programme.period, day))
        if programme.once_per_period and once in self.once_used:
            return None
        caps = [
            (cap, (programme.pk, key, day.year))
            for cap, key in (
                (programme.cap_per_person_year, f"m{member.pk}"),
                (programme.cap_per_household_year, home),
            )
            if cap is not None
        ]
        if any(self.granted[key] + value > cap for cap, key in caps):
            return None
        self.once_used.add(once)
        for _cap, key in caps:
            self.granted[key] += value
        return value

    def _plan_appeal_aid(self, rng) -> None:
        """Aid started from hardship appeals ("start assistance" on the appeal): illness or emergency."""
        p = self.programmes
        for appeal in self._hardship_appeals()[1:7]:
            if appeal.member.status != "active":
                continue
            text = appeal.text
            if any(word in text for word in ("灾", "房子进水", "受灾")):
                programme, amount = p[K.EMERGENCY], "2000.00"
            elif any(word in text for word in ("病", "住院", "医院")):
                programme, amount = p[K.SERIOUS_ILLNESS], f"{rng.choice([5000, 8000])}.00"
            else:  # school fees, childcare, a claim question: a one-off relief while the rest is sorted out
                programme, amount = p[K.EMERGENCY], "1000.00"
            day = min(
                timezone.localdate(appeal.received_at) + dt.timedelta(days=5),
                self.today - dt.timedelta(days=2),
            )
            household = next((h for h in self.households if h.member.pk == appeal.member_id), None)
            reason = f"职工诉求 {appeal.number} 反映:{appeal.title}。经入户核实,申请{programme.name}。"
            self._aid(
                programme, household, day, member=appeal.member, amount=amount, reason=reason, appeal=appeal
            )

    def _plan_recent(self, rng) -> None:
        """The last weeks' aid still moving: waiting for approval or payment, returned, voided, and
        one payment reversed (a bank returned it). A smaller company has one waiting for approval,
        one for payment and one returned."""
        p = self.programmes
        quiet = {"serious_illness", "disaster", "accident"}
        choices = [
            h
            for h in self.households
            if h is not self.exiting
            and not quiet & set(h.causes)
            and h.opened_on < self.today - dt.timedelta(days=40)
        ] or [h for h in self.households if h is not self.exiting]
        recent = [
            ("pending", p[K.SERIOUS_ILLNESS], "6000.00", 2), ("pending", p[K.SERIOUS_ILLNESS], "12000.00", 1),
            ("pending", p[K.EMERGENCY], "2000.00", 0), ("approved", p[K.EMERGENCY], "1500.00", 4),
            ("approved", p[K.SERIOUS_ILLNESS], "4000.00", 5), ("returned", p[K.SERIOUS_ILLNESS], "20000.00", 6),
            ("voided", p[K.EMERGENCY], "1000.00", 9), ("reversed", p[K.EMERGENCY], "2500.00", 30),
        ]  # fmt: skip
        if self.index:
            recent = [recent[0], recent[3], recent[5]]
        picks = rng.sample(choices, min(len(recent), len(choices)))
        if not picks:
            return
        for index, (fate, programme, amount, days_ago) in enumerate(recent):
            household = picks[index % len(picks)]
            reason = data.REASONS[programme.kind].format(
                who=rng.choice(data.WHO),
                illness=rng.choice(data.ILLNESSES),
                event=rng.choice(data.EMERGENCIES),
            )
            self._aid(
                programme,
                household,
                self.today - dt.timedelta(days=days_ago),
                fate=fate,
                amount=amount,
                reason=reason,
            )

    def _schedule(self, aid: Aid, rng) -> None:
        """record → approve → pay (or stop on the way), then the follow-up visit when it is due."""
        day = aid.day
        recorded = self.at(day, 9, rng.randint(0, 50))
        self.step(recorded, lambda: self._record(aid))
        if aid.fate in ("pending",):
            return
        if aid.fate == "voided":
            self.step(self.at(day, 16), lambda: self._void(aid))
            return
        approved = self.at(day + dt.timedelta(days=1), 10, rng.randint(0, 50))
        if aid.fate == "returned":
            self.step(approved, lambda: self._return(aid))
            return
        self.step(approved, lambda: self._approve(aid, approved))
        if aid.fate == "approved":
            return
        paid_on = min(day + dt.timedelta(days=rng.randint(2, 5)), self.today)
        paid = self.at(paid_on, 14, rng.randint(0, 50))
        self.step(paid, lambda: self._pay(aid, paid))
        if aid.fate == "reversed":
            back = min(paid_on + dt.timedelta(days=3), self.today)
            self.step(self.at(back, 11), lambda: self._reverse(aid))
            return
        days = aid.programme.follow_up_days
        if days and paid_on + dt.timedelta(days=days) < self.today and rng.random() < 0.9:
            visited = paid_on + dt.timedelta(days=rng.randint(5, days - 1))
            self.step(self.at(visited, 15), lambda: self._follow_up(aid, visited, rng))

    def _record(self, aid: Aid) -> None:
        aid.record = money.application_record(
            actor=aid.recorder, programme=aid.programme, member=aid.member, reason=aid.reason,
            amount=aid.amount, school_level=aid.school_level, goods=getattr(aid, "goods", ""),
            file=aid.household.file if aid.household else None, appeal=aid.appeal, on=aid.day,
        )  # fmt: skip
        self.summary.applications[aid.fate] += 1

    def _approver(self, aid: Aid):
        """The company's chairman, or the group's above the programme's threshold."""
        threshold = aid.programme.approval_threshold
        return self.upper if threshold is not None and aid.record.amount > threshold else self.chairman

    def _approve(self, aid: Aid, moment: dt.datetime) -> None:
        aid.record = money.application_approve(
            actor=self._approver(aid), application=aid.record, version=aid.record.version
        )
        self.stamps.set(aid.record, approved_at=moment)

    def _return(self, aid: Aid) -> None:
        aid.record = money.application_return(
            actor=self._approver(aid), application=aid.record, version=aid.record.version,
            reason=data.RETURN_REASONS[0],
        )  # fmt: skip

    def _void(self, aid: Aid) -> None:
        aid.record = money.application_void(
            actor=aid.recorder,
            application=aid.record,
            version=aid.record.version,
            reason=data.VOID_REASONS[0],
        )

    def _pay(self, aid: Aid, moment: dt.datetime) -> None:
        self.run.keys += 1
        key = self.run.keys
        outcome = money.application_pay(
            actor=self.caiwu, application=aid.record, version=aid.record.version,
            reference=f"YH{moment:%Y%m%d}{key:04d}", idempotency_key=f"demo-pay-{key}",
            paid_on=timezone.localdate(moment),
        )  # fmt: skip
        aid.record = outcome.target
        self.stamps.set(aid.record, paid_at=moment)
        self.summary.paid_amount += aid.record.amount

    def _reverse(self, aid: Aid) -> None:
        aid.record = money.application_reverse(
            actor=self.caiwu,
            application=aid.record,
            version=aid.record.version,
            reason=data.REVERSE_REASONS[0],
        )
        self.summary.paid_amount -= aid.record.amount

    def _follow_up(self, aid: Aid, day: dt.date, rng) -> None:
        pairing.visit_record(
            actor=aid.recorder, kind=Visit.Kind.FOLLOW_UP, visited_on=day, application=aid.record,
            aid_arrived=True, effect=rng.choice(["improved", "somewhat", "somewhat", "unchanged"]),
            notes=rng.choice(data.FOLLOW_UP_NOTES), needs=rng.choice(data.NEEDS),
        )  # fmt: skip
        self.summary.visits += 1

    # --- pairings -------------------------------------------------------------------------------

    def _plan_pairings(self) -> None:
        """The works' director (`leader`) with four deep households of 炼钢厂, one of them behind on
        visits; the company's chairman with two households elsewhere (in the other companies, which
        have no `leader`, the union's approver with two households, the second behind)."""
        rng = self._rng("pairings")
        focus = [h for h in self.households if h.recorder is self.cadre and h is not self.exiting]
        others = [h for h in self.households if h.recorder is self.bangfu and h is not self.exiting]
        plans = []
        if self.leader is not None:
            plans += [(h, self.leader, self.cadre) for h in focus[:4]]
        plans += [(h, self.chairman, self.bangfu) for h in others[:2]]
        for index, (household, leader, actor) in enumerate(plans):
            started = max(household.opened_on + dt.timedelta(days=7), self.start + dt.timedelta(days=20))
            if started > self.today - dt.timedelta(days=60):
                continue
            holder = {}

            def create(household=household, leader=leader, actor=actor, started=started, holder=holder):
                holder["pairing"] = pairing.pairing_create(
                    actor=actor, file=household.file, leader=leader, visits_per_year=4, on=started
                )
                self.summary.pairings += 1

            self.step(self.at(started, 11), create)
            gap = 400 if index == 1 else rng.randint(70, 95)  # the second pairing is behind
            day = started + dt.timedelta(days=rng.randint(5, 20))
            while day <= self.today - dt.timedelta(days=3):
                self.step(
                    self.at(day, 16),
                    lambda day=day, leader=leader, holder=holder: self._visit(holder, leader, day, rng),
                )
                day += dt.timedelta(days=gap)

    def _visit(self, holder: dict, leader, day: dt.date, rng) -> None:
        pairing.visit_record(
            actor=leader, kind=Visit.Kind.PAIRING, pairing=holder["pairing"], visited_on=day,
            notes=rng.choice(data.VISIT_NOTES), needs=rng.choice(data.NEEDS),
        )  # fmt: skip
        self.summary.visits += 1

    # --- mutual aid -----------------------------------------------------------------------------

    def _plan_mutual_aid(self) -> None:
        """This year's hospitalisation plan (last year's in January and February, before this year's
        has claims): the focus works enrols everyone (in a smaller company, a share of it), the other
        works a share; claims through the year, most paid, one waiting, one returned for a missing
        invoice."""
        rng = self._rng("mutual")
        year = self.plan_year
        starts, ends = dt.date(year, 1, 1), dt.date(year, 12, 31)
        holder = {}
        created = self.at(max(self.start, dt.date(year, 1, 3)), 9)

        def create_plan():
            holder["plan"] = mutual_aid.plan_create(
                actor=self.chairman, unit=self.company, name=f"{year}年度职工住院医疗互助保障计划",
                fund=self.mutual_fund, starts_on=starts, ends_on=ends, premium="30.00", rate="0.600",
                deductible="800.00", cap_per_claim="15000.00", cap_per_member="30000.00",
                approval_threshold="8000.00",
            )  # fmt: skip

        self.step(created, create_plan)
        enrol_day = max(self.start, dt.date(year, 1, 10))
        focus = self.by_works[self.focus.path]
        others = [m for w in self.other_works for m in self.by_works[w.path]]
        extra = rng.sample(others, min(self.n(400), len(others)))
        groups = [(self.cadre, focus[: self.n(len(focus))]), (self.bangfu, extra)]
        self.enrolled: dict[int, object] = {}

        def enrol(actor, members):
            for enrolment in mutual_aid.enrolment_add(
                actor=actor, plan=holder["plan"], members=members, on=enrol_day
            ):
                self.enrolled[enrolment.member_id] = enrolment
            self.summary.enrolled += len(members)

        for actor, members in groups:
            if members:
                self.step(self.at(enrol_day, 10), lambda actor=actor, members=members: enrol(actor, members))
        self.claimants = claimants = rng.sample(
            [m for _a, ms in groups for m in ms], min(self.n(14), sum(len(ms) for _a, ms in groups))
        )
        last = min(self.today, ends)  # stays end within the plan's cover
        hospitals = ["唐山市工人医院", "开滦总医院", "唐山市人民医院", "华北理工大学附属医院"]
        for index, member in enumerate(claimants):
            admitted = enrol_day + dt.timedelta(days=rng.randint(10, max(11, (last - enrol_day).days - 25)))
            days = rng.randint(4, 15)
            total = Decimal(rng.randrange(4000, 26000, 100))
            eligible = (total * Decimal("0.8")).quantize(Decimal("1.00"))
            fate = (
                "pending"
                if index == 0
                else "returned"
                if index == 1
                else "approved"
                if index == 2
                else "paid"
            )
            if fate != "paid":
                admitted = last - dt.timedelta(days=days + 8)
            invoices = [{"invoice_no": f"{13000000 + member.pk * 10 + 1}", "issued_on": admitted + dt.timedelta(days=days),
                         "total": str(total), "eligible": str(eligible)}]  # fmt: skip
            claim = {
                "member": member, "fate": fate, "admitted": admitted, "discharged": admitted + dt.timedelta(days=days),
                "invoices": invoices, "hospital": rng.choice(hospitals),
                "illness": rng.choice(["肺炎", "冠心病支架手术", "腰椎间盘突出手术", "胆囊切除术", "骨折内固定术", "脑梗死"]),
            }  # fmt: skip
            self._schedule_claim(claim, rng)

    def _schedule_claim(self, claim: dict, rng) -> None:
        recorded = claim["discharged"] + dt.timedelta(days=rng.randint(3, 10))
        recorded = min(recorded, self.today)
        member = claim["member"]
        recorder = self.cadre if member.unit.path.startswith(self.focus.path) else self.bangfu
        state = {}

        def record():
            state["claim"] = mutual_aid.claim_record(
                actor=recorder, enrolment=self.enrolled[member.pk], illness=claim["illness"],
                admitted_on=claim["admitted"], discharged_on=claim["discharged"], invoices=claim["invoices"],
                hospital=claim["hospital"],
            )  # fmt: skip
            self.stamps.set(state["claim"], recorded_at=self.at(recorded, 10))
            self.summary.claims += 1

        self.step(self.at(recorded, 10), record)
        if claim["fate"] == "pending":
            return
        decided = min(recorded + dt.timedelta(days=2), self.today)
        if claim["fate"] == "returned":
            self.step(self.at(decided, 11), lambda: mutual_aid.claim_return(
                actor=self._claim_approver(state["claim"]), claim=state["claim"], version=state["claim"].version,
                reason="请补充出院小结和费用明细清单。",
            ))  # fmt: skip
            return

        def approve():
            claim_row = state["claim"]
            approver = self._claim_approver(claim_row)
            state["claim"] = mutual_aid.claim_approve(
                actor=approver, claim=claim_row, version=claim_row.version
            )
            self.stamps.set(state["claim"], approved_at=self.at(decided, 11))

        self.step(self.at(decided, 11), approve)
        if claim["fate"] == "approved":
            return
        paid_on = min(decided + dt.timedelta(days=3), self.today)

        def pay():
            self.run.keys += 1
            key = self.run.keys
            outcome = mutual_aid.claim_pay(
                actor=self.caiwu, claim=state["claim"], version=state["claim"].version,
                reference=f"YH{paid_on:%Y%m%d}{key:04d}", idempotency_key=f"demo-claim-{key}",
            )  # fmt: skip
            state["claim"] = outcome.target
            self.stamps.set(state["claim"], paid_on=paid_on, paid_at=self.at(paid_on, 15))

        self.step(self.at(paid_on, 15), pay)

    def _claim_approver(self, claim):
        return self.upper if claim.approval_unit_id != self.company.pk else self.chairman
