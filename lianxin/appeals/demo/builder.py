"""Running the planned steps through the services and moving the rows to their moments."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models.signals import post_save
from django.utils import timezone

from lianxin.core.models import AuditEvent, Notification, Role, RoleAssignment, User
from lianxin.members.models import Member
from lianxin.org import demo_data as org_data
from lianxin.org.models import UnionBody, Unit

from .. import deadlines, services, stats
from .. import demo_data as data
from ..models import (
    Appeal,
    AppealEvent,
    CareContact,
    Category,
    DeadlineRule,
    Department,
    Meeting,
    MeetingItem,
    PublicAnswer,
    Rating,
    Referral,
)
from .planner import (
    DEMO_EMAIL_DOMAIN,
    DEMO_LOGINS,
    SELF_CHANNELS,
    Plan,
    Planner,
    Step,
    add_working_days,
    forget_calendar,
)


@dataclass
class Summary:
    appeals: int
    states: Counter
    logins: list[tuple[str, str, str, str]]
    meetings: int
    published: int


class AppealsBuilder(Planner):
    def __init__(self, *, root: Unit, now: dt.datetime, seed: int, count: int, password: str):
        self.root, self.now, self.seed, self.count, self.password = root, now, seed, count, password
        self.password_hash = ""
        self.seq = 0
        self.plans: list[Plan] = []
        self.meetings: dict[tuple[int, dt.datetime], list[Plan]] = defaultdict(list)
        self.logins: list[tuple[str, str, str, str]] = []
        self.touched: list[tuple[type, int, bool]] = []
        self.stamps: list[tuple[Step, list[tuple[type, int, bool]], int, int]] = []
        self.meeting_rows: dict[tuple[int, dt.datetime], Meeting] = {}

    def _rng(self, step: str) -> random.Random:
        return random.Random(f"{self.seed}:appeals:{step}")

    # --- people and places --------------------------------------------------------------------

    def build(self) -> None:
        forget_calendar()
        self._load_places()
        self._create_people()
        self._plan_all()
        self._run()
        self._stamp()
        stats.rebuild()  # the stamps moved events and their on_time outside the services

    def _load_places(self) -> None:
        units = list(Unit.objects.filter(path__startswith=self.root.path).order_by("path"))
        self.units = {unit.path: unit for unit in units}
        self.secondaries = [u for u in units if u.depth == 2]
        self.teams = [u for u in units if u.level == "team"]
        members = Member.objects.filter(unit__path__startswith=self.root.path, status="active")
        self.by_team: dict[int, list[Member]] = defaultdict(list)
        by_pk = {unit.pk: unit for unit in units}
        for member in members.order_by("member_no"):
            member.unit = by_pk[member.unit_id]
            if member.unit.level == "team":
                self.by_team[member.unit_id].append(member)
        self.teams = [team for team in self.teams if self.by_team[team.pk]]
        self.categories = {c.code: c for c in Category.objects.all()}
        self.rules = list(DeadlineRule.objects.all())
        logins = User.objects.filter(
            username__in=["admin", "cadre", "chairman", "liaison", "worker", "handler"]
        )
        self.demo_users = {user.username: user for user in logins}
        self.supervisor = User.objects.filter(username="supervisor").first()
        focus = [u for u in units if u.level == "unit" and u.name == "炼钢厂"]
        self.focus = focus[0] if focus else units[2]
        worker = Member.objects.filter(user__username="worker").select_related("unit").first()
        self.worker_member = worker

    def _user(self, username: str, name: str, member: Member | None = None) -> User:
        user = User(username=username, full_name=name, email=f"{username}@{DEMO_EMAIL_DOMAIN}")
        user.password = self.password_hash
        user.save()
        if member is not None and member.user_id is None:
            Member.objects.filter(pk=member.pk).update(user=user)
            member.user_id = user.pk
        return user

    def _create_people(self) -> None:
        """Office logins (printed), department handlers, care contacts and the workers who write in."""
        roles = {role.code: role for role in Role.objects.all()}
        bodies = {
            b.unit_id: b for b in UnionBody.objects.filter(unit__depth__lte=2).select_related("chairman")
        }
        self.cadres: dict[int, list[User]] = defaultdict(list)
        self.cadres[self.focus.pk].append(self.demo_users["cadre"])
        self.cadres[self.secondaries[0].pk].append(self.demo_users["chairman"])
        made: dict[str, User] = {}
        rng = self._rng("logins")
        for username, role_code, where, _kind in DEMO_LOGINS:
            unit = self.root if where == "group" else self.secondaries[where]
            body = bodies.get(unit.pk)
            person = body.chairman if (body and role_code in ("chairman", "cadre") and where != 0) else None
            name = (
                person.name
                if person
                else org_data.person_name(rng, rng.choice("MF"), rng.randint(1972, 1992))
            )
            user = self._user(username, name, person)
            RoleAssignment.objects.create(user=user, unit=unit, role=roles[role_code])
            made[username] = user
            if role_code in ("chairman", "cadre") and username != "care":
                self.cadres[unit.pk].append(user)
            self.logins.append((username, str(roles[role_code].name), unit.name, name))
        self.operator, self.care = made["operator"], made["care"]
        self._create_departments(made)
        CareContact.objects.create(unit=self.root, user=self.care, note="集团工会职工心理关爱联系人")
        CareContact.objects.create(unit=self.secondaries[0], user=self.care, note="股份公司工会关爱联系人")
        for secondary in self.secondaries[1:]:
            CareContact.objects.create(unit=secondary, user=self.cadres[secondary.pk][0])
        self.worker_logins: dict[int, User] = {}
        if self.worker_member is not None:
            self.worker_logins[self.worker_member.pk] = self.demo_users["worker"]

    def _create_departments(self, made: dict[str, User]) -> None:
        rng = self._rng("departments")
        self.departments: dict[tuple[int, str], Department] = {}
        self.dept_handlers: dict[int, User] = {}
        for unit in [self.root, *self.secondaries]:
            for name, kind in data.DEPARTMENTS:
                department = Department.objects.create(unit=unit, name=name, kind=kind)
                if unit == self.secondaries[0] and kind == "hr":
                    handlers = [made["hr"], self.demo_users["handler"]]
                else:
                    username = f"dept_{unit.pk}_{kind}"
                    name = org_data.person_name(rng, rng.choice("MF"), rng.randint(1968, 1994))
                    handlers = [self._user(username, name)]
                department.handlers.set(handlers)
                self.departments[(unit.pk, kind)] = department
                self.dept_handlers[department.pk] = handlers[0]

    def _worker_login(self, member: Member) -> User:
        """Workers who write in themselves have a login (made on their first appeal)."""
        user = self.worker_logins.get(member.pk)
        if user is None and member.user_id is not None:
            user = self.worker_logins[member.pk] = User.objects.get(pk=member.user_id)
        if user is None:
            user = self._user(f"m{member.member_no}", member.name, member)
            self.worker_logins[member.pk] = user
        return user

    # --- running ------------------------------------------------------------------------------

    def _run(self) -> None:
        steps = [step for plan in self.plans for step in plan.steps] + self.meeting_steps
        steps = sorted((s for s in steps if s.at <= self.now), key=lambda s: (s.at, s.seq))
        steps.append(Step(at=self.now, action="sweep", plan=None, seq=self.seq + 1))
        receiver = self._touched
        models = (AppealEvent, Rating, Referral, PublicAnswer, Meeting, AuditEvent)
        for model in models:
            post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"demo-{model.__name__}")
        try:
            last_note = _max_id(Notification)
            for step in steps:
                self.touched = []
                getattr(self, f"_do_{step.action}")(step)
                note = _max_id(Notification)
                self.stamps.append((step, self.touched, last_note, note))
                last_note = note
        finally:
            for model in models:
                post_save.disconnect(sender=model, dispatch_uid=f"demo-{model.__name__}")

    def _touched(self, sender, instance, created, **kwargs) -> None:
        self.touched.append((sender, instance.pk, created))

    def _actor(self, plan: Plan) -> User:
        return self.cadres[plan.handling.pk][0]

    def _fix(self, plan: Plan, **fields) -> None:
        Appeal.objects.filter(pk=plan.appeal.pk).update(**fields)

    def _do_submit(self, step: Step) -> None:
        plan = step.plan
        recorded = plan.channel not in SELF_CHANNELS
        intake = services.appeal_submit(
            submitted_by=plan.recorder if recorded else plan.submitter,
            origin_unit=plan.origin,
            text=plan.text.text,
            channel=plan.channel,
            kind=plan.text.kind,
            category=self.categories[plan.text.category],
            anonymous=plan.anonymous,
            member=plan.member if recorded else None,
            contact_name=plan.member.name if (recorded and plan.member) else "",
            contact_phone=_phone(plan) if plan.channel == "hotline" and not plan.anonymous else "",
            received_at=plan.received,
            confidential="distress" in plan.flags,
            publish_consent=plan.publish_consent,
            flags=list(plan.flags) if recorded else None,
        )
        services.appeal_intake_finish(appeal_id=intake.appeal.pk)  # the job's part, at the same moment
        plan.appeal = intake.appeal
        plan.accept_due, plan.answer_due = intake.appeal.accept_due, intake.appeal.answer_due

    def _do_confirm(self, step: Step) -> None:
        services.appeal_confirm_flags(
            appeal=step.plan.appeal, confirmed_by=self._actor(step.plan), flags=list(step.plan.flags)
        )

    def _do_accept(self, step: Step) -> None:
        plan = step.plan
        note = data.ACCEPT_NOTES[plan.index % len(data.ACCEPT_NOTES)]
        services.appeal_accept(appeal=plan.appeal, accepted_by=self._actor(plan), note=note)
        plan.accepted_at = step.at

    def _do_reject(self, step: Step) -> None:
        plan = step.plan
        reason = data.REJECT_REASONS[plan.index % len(data.REJECT_REASONS)]
        services.appeal_reject(appeal=plan.appeal, rejected_by=self._actor(plan), reason=reason)
        plan.closed_at = step.at

    def _do_merge(self, step: Step) -> None:
        plan = step.plan
        services.appeal_merge(
            appeal=plan.appeal,
            merged_by=self._actor(plan),
            into=plan.lead.appeal,
            note="同一班组反映的同一问题,合并办理。",
        )
        plan.closed_at = step.at

    def _do_withdraw(self, step: Step) -> None:
        plan = step.plan
        reason = data.WITHDRAW_REASONS[plan.index % len(data.WITHDRAW_REASONS)]
        services.appeal_withdraw(appeal=plan.appeal, withdrawn_by=plan.submitter, reason=reason)
        plan.closed_at = step.at

    def _do_info(self, step: Step) -> None:
        plan = step.plan
        question = data.INFO_QUESTIONS[plan.index % len(data.INFO_QUESTIONS)]
        services.appeal_request_info(appeal=plan.appeal, requested_by=self._actor(plan), question=question)
        plan.paused_at = step.at
        self._fix(plan, paused_at=step.at)

    def _do_provide(self, step: Step) -> None:
        plan = step.plan
        services.appeal_provide_info(
            appeal=plan.appeal,
            provided_by=plan.submitter,
            text=data.INFO_ANSWERS[plan.index % len(data.INFO_ANSWERS)],
        )
        plan.paused_at, plan.answer_due = None, step.data["answer_due"]
        self._fix(plan, answer_due=plan.answer_due, accept_due=plan.accept_due)

    def _do_deliberate(self, step: Step) -> None:
        services.appeal_send_to_deliberation(
            appeal=step.plan.appeal, sent_by=self._actor(step.plan), note="提交集中议事会研究。"
        )

    def _do_start(self, step: Step) -> None:
        services.appeal_start(appeal=step.plan.appeal, started_by=self._actor(step.plan))

    def _do_extend(self, step: Step) -> None:
        plan = step.plan
        reason = data.EXTEND_REASONS[plan.index % len(data.EXTEND_REASONS)]
        services.appeal_extend(appeal=plan.appeal, extended_by=self._actor(plan), reason=reason)
        plan.answer_due = step.data["answer_due"]
        self._fix(plan, answer_due=plan.answer_due, overdue=step.data["overdue"])

    def _do_refer(self, step: Step) -> None:
        plan = step.plan
        note = data.REFERRAL_NOTES[plan.index % len(data.REFERRAL_NOTES)]
        plan.referral = services.appeal_refer(
            appeal=plan.appeal, referred_by=self._actor(plan), department=step.data["department"], note=note
        )

    def _do_referral_answer(self, step: Step) -> None:
        plan = step.plan
        if plan.referral is None:
            return
        department = step.data["department"]
        answers = data.DEPARTMENT_ANSWERS.get(department.kind, data.DEPARTMENT_ANSWERS["hr"])
        services.referral_answer(
            referral=plan.referral,
            answered_by=self.dept_handlers[department.pk],
            answer=answers[plan.index % len(answers)],
        )

    def _do_answer(self, step: Step) -> None:
        plan = step.plan
        rng = random.Random(f"{self.seed}:answer:{plan.index}:{step.seq}")
        department = plan.referral.department.name if plan.referral else ""
        services.appeal_answer(
            appeal=plan.appeal,
            answered_by=self._actor(plan),
            answer=data.answer_for(rng, plan.text, department),
        )
        plan.answered_at = step.at
        plan.defer_answered = bool(step.data.get("defer"))
        if not plan.defer_answered:
            self._fix(plan, answered_at=step.at)

    def _do_rate(self, step: Step) -> None:
        plan = step.plan
        score = step.data["score"]
        comments = {"satisfied": data.SATISFIED, "basic": data.BASIC, "dissatisfied": data.DISSATISFIED}[
            score
        ]
        comment = comments[(plan.index + step.seq) % len(comments)]
        services.appeal_rate(appeal=plan.appeal, score=score, comment=comment, rated_by=plan.submitter)
        plan.defer_answered = False
        if "answer_due" in step.data:  # reopened one level up
            plan.answer_due = step.data["answer_due"]
            plan.answered_at = None
            plan.handling = Unit.objects.get(
                pk=Appeal.objects.values_list("handling_unit", flat=True).get(pk=plan.appeal.pk)
            )
            self._fix(plan, answer_due=plan.answer_due)
        else:
            plan.closed_at = step.at

    def _do_lapse(self, step: Step) -> None:
        plan = step.plan
        if services.appeal_lapse(appeal=plan.appeal, now=step.at) is not None:
            plan.closed_at = step.at

    def _do_overdue(self, step: Step) -> None:
        services.appeal_mark_overdue(appeal=step.plan.appeal, now=step.at)

    def _do_escalate(self, step: Step) -> None:
        services.appeal_escalate(appeal=step.plan.appeal, now=step.at)

    def _do_remind(self, step: Step) -> None:
        if self.supervisor is None:
            return
        order = step.data["order"]
        notes = data.SUPERVISE_NOTES if order else data.REMIND_NOTES
        services.appeal_remind(
            appeal=step.plan.appeal,
            reminded_by=self.supervisor,
            note=notes[step.plan.index % len(notes)],
            order=order,
        )

    def _do_publish(self, step: Step) -> None:
        plan = step.plan
        appeal = Appeal.objects.get(pk=plan.appeal.pk)
        services.public_answer_publish(
            appeal=appeal,
            published_by=self._actor(plan),
            question=data.public_question(plan.text),
            answer=appeal.answer,
        )

    def _do_meeting(self, step: Step) -> None:
        unit_pk, held = step.data["key"]
        plans = [p for p in step.data["plans"] if p.appeal is not None]
        plans = [p for p in plans if Appeal.objects.filter(pk=p.appeal.pk, state="deliberating").exists()]
        if not plans:
            return
        unit = next(p.handling for p in plans)
        rng = random.Random(f"{self.seed}:meeting:{unit_pk}:{held.isoformat()}")
        decisions = []
        for plan in plans:
            decide = next(s for s in plan.steps if s.action == "decide")
            decision = decide.data["decision"]
            dept = decide.data["department"]
            decisions.append(
                f"“{plan.appeal.title}”"
                + data.DECISION_NOTES[decision].format(dept=dept.name if dept else "")
            )
        local = timezone.localtime(held)
        minutes = data.MEETING_MINUTES.format(
            date=f"{local.month}月{local.day}日", count=len(plans), decisions=";".join(decisions)
        )
        self.meeting_rows[(unit_pk, held)] = services.meeting_create(
            unit=unit,
            created_by=self.cadres[unit.pk][0],
            held_at=held,
            attendees=data.MEETING_ATTENDEES.format(n=rng.randint(2, 5)),
            place=rng.choice(data.MEETING_PLACES),
            minutes=minutes,
            appeals=[p.appeal for p in plans],
        )

    def _do_decide(self, step: Step) -> None:
        plan = step.plan
        meeting = self.meeting_rows.get((plan.handling.pk, step.data["held"]))
        if meeting is None:
            return
        item = MeetingItem.objects.get(meeting=meeting, appeal=plan.appeal)
        decision, department = step.data["decision"], step.data["department"]
        note = data.DECISION_NOTES[decision].format(dept=department.name if department else "")
        if decision == "answer":
            rng = random.Random(f"{self.seed}:answer:{plan.index}")
            note = data.answer_for(rng, plan.text, "")
        services.meeting_decide(
            item=item, decided_by=self._actor(plan), decision=decision, note=note, department=department
        )
        if decision == "refer":
            plan.referral = Referral.objects.filter(appeal=plan.appeal).order_by("-pk").first()
            step.data["due"] = min(
                plan.answer_due, deadlines.end_of_day(add_working_days(timezone.localdate(step.at), 3))
            )
        if decision == "answer":
            plan.answered_at = step.at
            plan.defer_answered = bool(step.data.get("defer"))
            if not plan.defer_answered:
                self._fix(plan, answered_at=step.at)

    def _do_sweep(self, step: Step) -> None:
        services.appeals_sweep(now=self.now)

    # --- moving rows to their moments ----------------------------------------------------------

    def _stamp(self) -> None:
        adapt = connection.ops.adapt_datetimefield_value
        event_rows, other = [], defaultdict(list)
        referral_due = {}
        note_ranges = []
        for step, touched, first_note, last_note in self.stamps:
            at = adapt(step.at)
            for model, pk, created in touched:
                if model is AppealEvent:
                    event_rows.append((at, step.on_time, pk))
                elif model is Referral and not created:
                    other["referral_answered"].append((at, pk))
                elif model is Referral:
                    other["referral"].append((at, pk))
                    referral_due[pk] = step.data.get("due")
                elif created:
                    other[model._meta.db_table].append((at, pk))
            if last_note > first_note:
                read = (
                    adapt(step.at + dt.timedelta(hours=3))
                    if step.at < self.now - dt.timedelta(days=2)
                    else None
                )
                note_ranges.append((at, read, first_note, last_note))
        table = AppealEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET at = %s WHERE id = %s",  # noqa: S608
                [(at, pk) for at, _on_time, pk in event_rows],
            )
            # Only first responses and first answers carry `on_time`; the step's plan knows its value.
            cursor.executemany(
                f"UPDATE {table} SET on_time = %s WHERE id = %s AND on_time IS NOT NULL",  # noqa: S608
                [(on_time, pk) for _at, on_time, pk in event_rows if on_time is not None],
            )
            cursor.executemany(
                f"UPDATE {Notification._meta.db_table} SET created_at = %s, read_at = %s WHERE id > %s AND id <= %s",  # noqa: S608
                note_ranges,
            )
            for db_table, column in (
                (Rating._meta.db_table, "rated_at"),
                (PublicAnswer._meta.db_table, "published_at"),
                (Meeting._meta.db_table, "created_at"),
                (AuditEvent._meta.db_table, "at"),
            ):
                cursor.executemany(f"UPDATE {db_table} SET {column} = %s WHERE id = %s", other[db_table])  # noqa: S608
            referral = Referral._meta.db_table
            answered = f"UPDATE {referral} SET answered_at = %s WHERE id = %s"  # noqa: S608
            cursor.executemany(answered, other["referral_answered"])
            cursor.executemany(
                f"UPDATE {referral} SET referred_at = %s, due = %s WHERE id = %s",  # noqa: S608
                [(at, adapt(referral_due[pk]), pk) for at, pk in other["referral"]],
            )
            cursor.executemany(
                f"UPDATE {Appeal._meta.db_table} SET created_at = %s, accepted_at = %s, answered_at = %s,"  # noqa: S608
                " closed_at = %s, paused_at = %s, answer_due = %s WHERE id = %s",
                [self._appeal_row(plan, adapt) for plan in self.plans if plan.appeal is not None],
            )

    def _appeal_row(self, plan: Plan, adapt) -> tuple:
        created = plan.received if plan.channel in SELF_CHANNELS else plan.received + dt.timedelta(minutes=3)
        created = min(created, self.now)
        return (
            adapt(created),
            adapt(plan.accepted_at),
            adapt(plan.answered_at),
            adapt(plan.closed_at),
            adapt(plan.paused_at),
            adapt(plan.answer_due),
            plan.appeal.pk,
        )

    def summary(self) -> Summary:
        appeals = Appeal.objects.filter(origin_unit__path__startswith=self.root.path)
        return Summary(
            appeals=appeals.count(),
            states=Counter(appeals.values_list("state", flat=True)),
            logins=self.logins,
            meetings=Meeting.objects.filter(unit__path__startswith=self.root.path).count(),
            published=PublicAnswer.objects.filter(
                appeal__origin_unit__path__startswith=self.root.path
            ).count(),
        )


def _max_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {model._meta.db_table}")  # noqa: S608
        return cursor.fetchone()[0] or 0


def _phone(plan: Plan) -> str:
    rng = random.Random(plan.index)
    return rng.choice(["139", "138", "186", "131", "158"]) + f"{rng.randrange(10**8):08d}"
