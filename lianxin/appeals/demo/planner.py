"""Planning the demo's appeals: every appeal's life as steps at planned moments (no writes but the
worker logins a plan needs). Limits are counted as `deadlines` counts them."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from lianxin.core.models import User
from lianxin.core.workdays import is_working_day as core_is_working_day
from lianxin.members.models import Member
from lianxin.org.models import Unit

from .. import deadlines, services
from .. import demo_data as data
from ..models import (
    Appeal,
    DeadlineRule,
    Department,
    Referral,
)

DEMO_EMAIL_DOMAIN = "demo.lianxin.invalid"
SELF_CHANNELS = {"web", "chairman_mailbox", "manager_mailbox", "qa_board"}
# (username, role code, where: "group" or a secondary company's index, department kind or "")
DEMO_LOGINS = [
    ("operator", "operator", "group", ""),
    ("jituan", "chairman", "group", ""),
    ("hr", "handler", 0, "hr"),
    ("care", "cadre", 0, ""),
    ("kuangye", "cadre", 1, ""),
    ("wuliu", "cadre", 2, ""),
    ("zhuangbei", "cadre", 3, ""),
]
LOGIN_NAMES = [username for username, *_rest in DEMO_LOGINS]
MEETING_DAYS = {"unit": (1, 14), "secondary": (3, 28), "group": (3, 56)}
"""Deliberation meetings: (weekday, every n days) by level of the unit that holds them."""


@dataclass
class Step:
    at: dt.datetime
    action: str
    plan: Plan | None
    seq: int
    on_time: bool | None = None
    data: dict = field(default_factory=dict)


@dataclass
class Plan:
    index: int
    received: dt.datetime
    origin: Unit
    channel: str
    text: data.Text
    flags: tuple[str, ...]
    anonymous: bool
    member: Member | None
    submitter: User | None
    recorder: User | None
    handling: Unit
    rule: DeadlineRule
    lead: Plan | None = None
    steps: list[Step] = field(default_factory=list)
    appeal: Appeal | None = None
    referral: Referral | None = None
    accepted_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    paused_at: dt.datetime | None = None
    accept_due: dt.datetime | None = None
    answer_due: dt.datetime | None = None
    defer_answered: bool = False
    publish_consent: bool = False


class Planner:
    """The planning half of `AppealsBuilder`: fills `self.plans` and `self.meeting_steps`."""

    # --- planning -----------------------------------------------------------------------------

    def _plan_all(self) -> None:
        rng = self._rng("plan")
        self.handling_cache: dict[tuple[int, str], Unit] = {}
        self._traditional_written = False
        recent = max(round(self.count * 14 / 365), min(40, self.count // 4))
        forced = list(FORCED)
        index = 0
        grouped = False
        while index < self.count:
            # A few joint appeals (several workers, one problem: merged into one); at least one,
            # right after the forced fates, so even a small demo shows merging.
            chance = rng.random() < 0.012
            group = (
                index > 0 and index + 3 < self.count and (chance or (index == len(FORCED) and not grouped))
            )
            if group:
                grouped = True
                index += self._plan_group(rng, index)
                continue
            target = forced.pop(0) if forced else None
            self._plan_one(rng, index, target=target, recent=index < recent)
            index += 1
        self._plan_meetings()

    def _received(self, rng: random.Random, recent: bool) -> dt.datetime:
        days = rng.uniform(0, 14) if recent else rng.uniform(14, 365)
        moment = self.now - dt.timedelta(days=days)
        local = timezone.localtime(moment)
        if rng.random() < 0.8 and (local.hour < 7 or local.hour > 20):
            local = local.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59))
        return min(local, self.now - dt.timedelta(minutes=5))

    def _origin(self, rng: random.Random, focus: bool = False) -> Unit:
        if focus or rng.random() < 0.22:
            teams = [t for t in self.teams if t.path.startswith(self.focus.path)]
        else:
            teams = self.teams
        return rng.choices(teams, [len(self.by_team[t.pk]) for t in teams])[0]

    def _place(self, rng: random.Random, team: Unit) -> data.Place:
        section = self.units[team.path[:-4]]
        works = self.units[team.path[:-8]]
        others = [u.name for u in self.units.values() if u.level == "unit" and u.pk != works.pk]
        return data.Place(works.name, section.name, team.name, rng.choice(others))

    def _handling(self, origin: Unit, channel: str) -> Unit:
        key = (origin.pk, channel)
        if key not in self.handling_cache:
            self.handling_cache[key] = services.handling_unit_for(origin, channel)
        return self.handling_cache[key]

    def _new_plan(self, rng, index, *, received, origin, channel, text, anonymous=None, member=None) -> Plan:
        members = self.by_team[origin.pk]
        if anonymous is None:
            anonymous = rng.random() < (0.22 if channel in SELF_CHANNELS else 0.06)
        if "distress" in text.flags:
            anonymous = False
        use_worker = self.worker_member is not None and origin.pk == self.worker_member.unit_id
        if member is None:
            member = self.worker_member if use_worker and rng.random() < 0.5 else rng.choice(members)
        submitter = recorder = None
        if channel in SELF_CHANNELS:
            submitter = self._worker_login(member)
        elif channel == "hotline":
            recorder = self.operator
        elif channel == "liaison" and use_worker:
            recorder = self.demo_users["liaison"]
        handling = self._handling(origin, channel)
        if recorder is None and channel not in SELF_CHANNELS:
            recorder = self.cadres[handling.pk][0]
        category = self.categories[text.category]
        rule = deadlines.rule_for(
            category_id=category.pk, kind=text.kind, flags=list(text.flags), rules=self.rules
        )
        plan = Plan(
            index=index,
            received=received,
            origin=origin,
            channel=channel,
            text=text,
            flags=text.flags,
            anonymous=anonymous,
            member=None if anonymous else member,
            submitter=submitter,
            recorder=recorder,
            handling=handling,
            rule=rule,
        )
        plan.publish_consent = text.kind == "consultation" and rng.random() < 0.45
        plan.accept_due = _accept_due(received, rule)
        plan.answer_due = _answer_due(received, rule)
        return plan

    def _plan_one(self, rng: random.Random, index: int, *, target: str | None, recent: bool) -> None:
        category = list(data.CATEGORY_WEIGHTS)[index] if index < len(data.CATEGORY_WEIGHTS) else None
        category = category or rng.choices(list(data.CATEGORY_WEIGHTS), data.CATEGORY_WEIGHTS.values())[0]
        channels = list(data.CHANNEL_WEIGHTS)
        channel = (
            channels[index]
            if index < len(channels)
            else rng.choices(channels, data.CHANNEL_WEIGHTS.values())[0]
        )
        origin = self._origin(rng, focus=target is not None)
        if target is not None and channel in ("manager_mailbox", "chairman_mailbox"):
            channel = "web"
        first = None if target else self._received(rng, recent)
        text = data.compose(rng, category, self._place(rng, origin), first or self.now)
        if channel in SELF_CHANNELS and (rng.random() < 0.05 or not self._traditional_written):
            # Some workers type traditional characters; the demo always has at least one such text.
            converted = data.to_traditional(text.text)
            self._traditional_written = self._traditional_written or converted != text.text
            text.text = converted
        use_worker = self.worker_member is not None and origin.pk == self.worker_member.unit_id
        member = (
            self.worker_member if use_worker and rng.random() < 0.5 else rng.choice(self.by_team[origin.pk])
        )
        for _attempt in range(60):
            received = self._received_for(rng, target) if target else first
            plan = self._new_plan(
                rng, index, received=received, origin=origin, channel=channel, text=text, member=member
            )
            options = self._options(rng, plan, target)
            self._life(rng, plan, options)
            if target is None or _reached(plan, target, self.now):
                break
        self.plans.append(plan)

    def _received_for(self, rng: random.Random, target: str) -> dt.datetime:
        hours = {
            "submitted": (0.2, 1.5),
            "accepted": (2, 30),
            "deliberating": (30, 200),
            "referred": (20, 70),
            "answered": (40, 150),
            "paused": (6, 60),
            "overdue": (200, 420),
            "reopened": (100, 240),
            "withdrawn": (100, 2000),
            "rejected": (100, 2000),
        }[target]
        return self.now - dt.timedelta(hours=rng.uniform(*hours))

    def _plan_group(self, rng: random.Random, index: int) -> int:
        """Several workers of one team write in about the same thing within two days: the first is
        handled, the copies are merged into it."""
        origin = self._origin(rng)
        which = rng.randrange(len(data.COLLECTIVE_TEMPLATES))
        received = self._received(rng, recent=False)
        text = data.compose_collective(rng, which, self._place(rng, origin), received)
        size = rng.randint(3, 5)
        channels = ["web", "liaison", "hotline"]
        lead = self._new_plan(
            rng, index, received=received, origin=origin, channel=rng.choice(channels), text=text
        )
        copies = []
        for offset in range(1, size):
            copy_text = data.Text(**{**vars(text), "text": data.variant(rng, text.text)})
            moment = received + dt.timedelta(hours=rng.uniform(1, 40))
            plan = self._new_plan(
                rng,
                index + offset,
                received=moment,
                origin=origin,
                channel=rng.choice(channels),
                text=copy_text,
            )
            plan.lead = lead
            copies.append(plan)
        last_merge = lead.received
        for plan in copies:
            accept_at = self._office(rng, plan.received + dt.timedelta(minutes=rng.uniform(20, 200)))
            self._add(plan, plan.received, "submit")
            self._add(plan, accept_at, "merge", on_time=accept_at <= plan.accept_due)
            plan.closed_at = accept_at
            last_merge = max(last_merge, accept_at)
        options = self._options(rng, lead, None)
        route = "deliberate" if self._meets(lead) else ("refer" if options["department"] else "self")
        options.update(reject=False, withdraw=False, route=route)
        options["not_before"] = last_merge + dt.timedelta(hours=1)
        self._life(rng, lead, options)
        self.plans += [lead, *copies]
        return size

    def _meets(self, plan: Plan) -> bool:
        return plan.handling.pk in (self.focus.pk, self.secondaries[0].pk, self.root.pk)

    def _options(self, rng: random.Random, plan: Plan, target: str | None) -> dict:
        kind, category = plan.text.kind, plan.text.category
        department = self._department(plan)
        if department is None:
            route = rng.choice(["direct", "self", "self"])
        elif kind == "consultation":
            route = rng.choices(["direct", "self", "refer"], [5, 3, 2])[0]
        else:
            route = rng.choices(["self", "refer", "deliberate"], [4, 6, 1 if self._meets(plan) else 0])[0]
        if "safety_urgent" in plan.flags:
            route = "refer" if department else "self"
        if "distress" in plan.flags:
            route = "self"
        late_answer = rng.random() < 0.07
        score = rng.choices(["satisfied", "basic", "dissatisfied"], [75, 16, 25 if late_answer else 9])[0]
        options = {
            "route": route,
            "department": department,
            "reject": rng.random() < 0.025 and not plan.flags,
            "withdraw": rng.random() < 0.02 and not plan.flags,
            "late_accept": rng.random() < 0.025,
            "late_answer": late_answer,
            "paused": rng.random() < 0.04 and not plan.anonymous,
            "extend": rng.random() < 0.05 or category == "legal_dispute" and rng.random() < 0.3,
            "rated": rng.random() < 0.82,
            "score": score,
            "score2": rng.choices(["satisfied", "basic", "dissatisfied"], [65, 30, 5])[0],
            "publish": plan.publish_consent and rng.random() < 0.4,
            "not_before": None,
        }
        _force(options, target, self._meets(plan), department)
        return options

    def _department(self, plan: Plan) -> Department | None:
        kind = plan.text.department
        if not kind:
            return None
        secondary = plan.origin.path[:8]
        unit = self.units.get(secondary) if plan.handling.depth >= 2 else self.root
        return self.departments.get((unit.pk, kind)) or self.departments[(self.root.pk, kind)]

    # --- one appeal's life --------------------------------------------------------------------

    def _add(self, plan: Plan | None, at: dt.datetime, action: str, **extra) -> Step:
        self.seq += 1
        step = Step(at=at, action=action, plan=plan, seq=self.seq, **extra)
        if plan is not None:
            plan.steps.append(step)
        return step

    def _office(self, rng: random.Random, moment: dt.datetime) -> dt.datetime:
        """The moment, or the next office hour of a working day."""
        local = timezone.localtime(moment)
        if is_working_day(local.date()) and 8 <= local.hour < 18:
            return local
        day = local.date() if local.hour < 8 else local.date() + dt.timedelta(days=1)
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        start = dt.datetime.combine(day, dt.time(8, 20)) + dt.timedelta(minutes=rng.randint(0, 100))
        return timezone.make_aware(start, timezone.get_current_timezone())

    def _life(self, rng: random.Random, plan: Plan, opt: dict) -> None:
        plan.steps = []
        plan.answer_due = _answer_due(plan.received, plan.rule)
        self._add(plan, plan.received, "submit")
        urgent = any(flag in plan.flags for flag in ("safety_urgent", "distress"))
        if urgent:
            t = plan.received + dt.timedelta(minutes=rng.uniform(8, 80))
        elif opt["late_accept"]:
            t = self._office(rng, plan.accept_due + dt.timedelta(hours=rng.uniform(2, 30)))
            self._add(plan, plan.accept_due + dt.timedelta(minutes=10), "overdue")
        else:
            t = self._office(rng, plan.received + dt.timedelta(minutes=rng.uniform(15, 240)))
            t = min(t, plan.accept_due - dt.timedelta(minutes=5)) if t > plan.accept_due else t
        if opt["reject"]:
            self._add(plan, t, "reject", on_time=t <= plan.accept_due)
            return
        if plan.channel in SELF_CHANNELS and plan.flags:
            self._add(plan, t - dt.timedelta(minutes=1), "confirm")
        self._add(plan, t, "accept", on_time=t <= plan.accept_due)
        if opt["withdraw"]:
            self._add(plan, t + dt.timedelta(days=rng.uniform(0.5, 3)), "withdraw")
            return
        t = self._handle(rng, plan, opt, t)
        self._answer_and_rate(rng, plan, opt, t)

    def _handle(self, rng: random.Random, plan: Plan, opt: dict, t: dt.datetime) -> dt.datetime:
        """From acceptance to the moment the union can answer: pause, route, extension."""
        if opt["paused"]:
            asked = t + dt.timedelta(hours=rng.uniform(1, 5))
            back = self._office(rng, asked + dt.timedelta(days=rng.uniform(0.3, 3)))
            new_due = _moved_for_pause(plan.answer_due, paused_at=asked, resumed_at=back)
            self._add(plan, asked, "info")
            self._add(plan, back, "provide", data={"answer_due": new_due})
            plan.answer_due, t = new_due, back
        extended = deadlines.end_of_day(
            add_working_days(
                timezone.localdate(plan.answer_due),
                plan.rule.extended_working_days - plan.rule.answer_working_days,
            )
        )
        route = opt["route"]
        gap = dt.timedelta(hours=rng.uniform(0.5, 20))
        if route == "self":
            t = self._office(rng, t + gap / 4)
            self._add(plan, t, "start")
        elif route == "refer":
            t = self._office(rng, t + gap / 4)
            self._refer(rng, plan, opt["department"], t)
            t = plan.steps[-1].at if plan.steps[-1].action == "referral_answer" else t
        elif route == "deliberate":
            t = self._deliberate(rng, plan, opt, t, extended)
        if opt["extend"] and route != "deliberate":
            at = self._office(rng, t + dt.timedelta(hours=1))
            self._add(plan, at, "extend", data={"answer_due": extended, "overdue": extended < at})
            plan.answer_due, t = extended, at
        return t

    def _refer(self, rng: random.Random, plan: Plan, department: Department, t: dt.datetime) -> None:
        due = min(plan.answer_due, deadlines.end_of_day(add_working_days(timezone.localdate(t), 3)))
        self._add(plan, t, "refer", data={"department": department, "due": due})
        quick = "safety_urgent" in plan.flags
        late = rng.random() < 0.06
        delay = dt.timedelta(hours=rng.uniform(1, 3)) if quick else dt.timedelta(days=rng.uniform(0.3, 2.5))
        answered = self._office(rng, t + delay) if not quick else t + delay
        if late:
            answered = self._office(rng, due + dt.timedelta(days=rng.uniform(0.5, 3)))
        self._add(plan, answered, "referral_answer", data={"department": department})

    def _deliberate(self, rng, plan: Plan, opt: dict, t: dt.datetime, extended: dt.datetime) -> dt.datetime:
        sent = self._office(rng, t + dt.timedelta(hours=rng.uniform(1, 8)))
        self._add(plan, sent, "deliberate")
        held = self._meeting_time(plan.handling, sent + dt.timedelta(days=1))
        if held > plan.answer_due - dt.timedelta(days=2):
            at = sent + dt.timedelta(minutes=30)
            self._add(plan, at, "extend", data={"answer_due": extended, "overdue": False})
            plan.answer_due = extended
        self.meetings[(plan.handling.pk, held)].append(plan)
        department = opt["department"]
        decision = "refer" if department is not None else rng.choice(["self", "self", "answer"])
        position = len(self.meetings[(plan.handling.pk, held)])
        decided = held + dt.timedelta(minutes=5 * position)
        self._add(
            plan, decided, "decide", data={"decision": decision, "department": department, "held": held}
        )
        if decision == "refer":
            answered = self._office(rng, decided + dt.timedelta(days=rng.uniform(0.5, 2.5)))
            self._add(plan, answered, "referral_answer", data={"department": department})
            return answered
        if decision == "answer":
            plan.steps[-1].on_time = decided <= plan.answer_due
            plan.steps[-1].data["answered"] = True
            return decided
        return decided

    def _meeting_time(self, unit: Unit, after: dt.datetime) -> dt.datetime:
        level = "group" if unit.depth == 1 else ("secondary" if unit.depth == 2 else "unit")
        weekday, every = MEETING_DAYS[level]
        anchor = dt.date(2024, 1, 1) + dt.timedelta(days=(weekday - dt.date(2024, 1, 1).weekday()) % 7)
        day = timezone.localdate(after)
        day += dt.timedelta(days=(every - (day - anchor).days % every) % every)
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        held = timezone.make_aware(dt.datetime.combine(day, dt.time(15, 0)), timezone.get_current_timezone())
        return held if held > after else self._meeting_time(unit, after + dt.timedelta(days=1))

    def _answer_and_rate(self, rng: random.Random, plan: Plan, opt: dict, t: dt.datetime) -> None:
        if plan.steps[-1].data.get("answered"):
            answered = plan.steps[-1].at
        else:
            answered = self._answer_time(rng, plan, opt, t)
            self._add(plan, answered, "answer", on_time=answered <= plan.answer_due)
        if not opt["rated"]:
            self._add(plan, answered + dt.timedelta(days=7, minutes=rng.uniform(5, 60)), "lapse")
            return
        plan.steps[-1].data["defer"] = True
        rated = answered + dt.timedelta(days=rng.uniform(0.1, 5))
        if opt["score"] != "dissatisfied":
            self._add(plan, rated, "rate", data={"score": opt["score"]})
            self._publish(rng, plan, opt, rated)
            return
        reopened_due = _answer_due(rated, plan.rule)
        self._add(plan, rated, "rate", data={"score": "dissatisfied", "answer_due": reopened_due})
        start = self._office(rng, rated + dt.timedelta(hours=rng.uniform(2, 30)))
        self._add(plan, start, "start", data={"round": 2})
        second = self._office(rng, start + dt.timedelta(days=rng.uniform(0.5, 4)))
        second = min(second, reopened_due - dt.timedelta(hours=1))
        self._add(
            plan, max(second, start + dt.timedelta(hours=1)), "answer", data={"round": 2, "defer": True}
        )
        rated = plan.steps[-1].at + dt.timedelta(days=rng.uniform(0.2, 4))
        self._add(plan, rated, "rate", data={"score": opt["score2"], "round": 2})

    def _answer_time(self, rng: random.Random, plan: Plan, opt: dict, t: dt.datetime) -> dt.datetime:
        earliest = max(t + dt.timedelta(hours=rng.uniform(0.5, 6)), opt["not_before"] or t)
        due = plan.answer_due
        if not opt["late_answer"]:
            span = max((due - earliest).total_seconds(), 0)
            answered = self._office(rng, earliest + dt.timedelta(seconds=span * rng.random() ** 1.6))
            return answered if answered <= due or span == 0 else earliest + (due - earliest) / 2
        answered = self._office(rng, due + dt.timedelta(days=rng.uniform(1, 6)))
        answered = max(answered, earliest)
        self._add(plan, due + dt.timedelta(minutes=12), "overdue")
        moment = due
        for level in range(2):
            moment = _next_working_morning(moment)
            if moment < answered and plan.handling.depth > 1 + level:
                self._add(plan, moment + dt.timedelta(minutes=15), "escalate")
        if moment + dt.timedelta(hours=2) < answered:
            self._add(plan, moment + dt.timedelta(hours=2), "remind", data={"order": False})
        order_at = _next_working_morning(moment) + dt.timedelta(hours=1)
        if order_at < answered:
            self._add(plan, order_at, "remind", data={"order": True})
        return answered

    def _publish(self, rng: random.Random, plan: Plan, opt: dict, closed: dt.datetime) -> None:
        if opt["publish"] and not plan.flags:
            self._add(plan, self._office(rng, closed + dt.timedelta(days=rng.uniform(1, 6))), "publish")

    def _plan_meetings(self) -> None:
        self.meeting_steps = [
            self._add(
                None, held - dt.timedelta(minutes=1), "meeting", data={"key": (unit_pk, held), "plans": plans}
            )
            for (unit_pk, held), plans in sorted(self.meetings.items(), key=lambda item: item[0][1])
        ]


FORCED = ["submitted", "accepted", "referred", "answered", "paused", "overdue", "reopened", "deliberating",
          "withdrawn", "rejected", "submitted", "answered", "referred"]  # fmt: skip
"""Fates given to the first appeals, so even a small demo shows every state near `now`."""


def _force(options: dict, target: str | None, meets: bool, department) -> None:
    if target is None:
        return
    options.update(
        reject=False, withdraw=False, late_accept=False, late_answer=False, paused=False, extend=False
    )
    options.update(rated=True, score="satisfied")
    if target in ("referred",) and department is not None:
        options["route"] = "refer"
    elif target == "deliberating" and meets:
        options["route"] = "deliberate"
    elif target == "paused":
        options["paused"] = True
    elif target == "overdue":
        options["late_answer"] = True
    elif target == "reopened":
        options["score"] = "dissatisfied"
    elif target == "withdrawn":
        options["withdraw"] = True
    elif target == "rejected":
        options["reject"] = True


def _reached(plan: Plan, target: str, now: dt.datetime) -> bool:
    done = [step for step in plan.steps if step.at <= now]
    if not done:
        return False
    last = done[-1].action
    pending = [step.action for step in plan.steps if step.at > now]
    return {
        "submitted": last == "submit",
        "accepted": last in ("accept", "start") and bool(pending),
        "referred": last == "refer",
        "answered": last == "answer",
        "paused": last == "info",
        "overdue": "escalate" in [s.action for s in done] and "answer" in pending,
        "reopened": last == "rate" and bool(pending),
        "deliberating": last in ("deliberate", "extend") and "decide" in pending,
        "withdrawn": last == "withdraw",
        "rejected": last == "reject",
    }[target]


# The planner counts limits as `deadlines` does, on the same calendar, remembering each day's answer
# (the core calendar asks the cache on every call; planning asks a hundred thousand times).
_WORKING: dict[dt.date, bool] = {}


def forget_calendar() -> None:
    """Before a build: the calendar may have changed since the last one."""
    _WORKING.clear()


def is_working_day(day: dt.date) -> bool:
    if day not in _WORKING:
        _WORKING[day] = core_is_working_day(day)
    return _WORKING[day]


def add_working_days(start: dt.date, n: int) -> dt.date:
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        counted += is_working_day(day)
    return day


def _accept_due(received: dt.datetime, rule: DeadlineRule) -> dt.datetime:
    if rule.accept_hours:
        return received + dt.timedelta(hours=rule.accept_hours)
    return deadlines.end_of_day(add_working_days(timezone.localdate(received), rule.accept_working_days))


def _answer_due(received: dt.datetime, rule: DeadlineRule) -> dt.datetime:
    return deadlines.end_of_day(add_working_days(timezone.localdate(received), rule.answer_working_days))


def _moved_for_pause(due: dt.datetime, *, paused_at: dt.datetime, resumed_at: dt.datetime) -> dt.datetime:
    first, last = timezone.localdate(paused_at), timezone.localdate(resumed_at)
    waited = sum(is_working_day(first + dt.timedelta(days=i)) for i in range(1, (last - first).days + 1))
    return deadlines.end_of_day(add_working_days(timezone.localdate(due), waited)) if waited > 0 else due


def _next_working_morning(moment: dt.datetime) -> dt.datetime:
    day = timezone.localdate(moment) + dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)), timezone.get_current_timezone())
