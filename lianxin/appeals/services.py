"""Writes on appeals: intake and every step of the six-step workflow.

Each transition (STYLE.md): re-read the row with `select_for_update`, check the transition, set the
state with `update_fields`, write the `AppealEvent` in the same transaction, and leave side effects
(notifications) to `transaction.on_commit`. Two handlers acting at once: the second finds the state
changed (or its `expected_version` stale) and gets `AppealConflict`, which the API answers with 409.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import (
    APPEALS_DELIBERATE,
    APPEALS_HANDLE,
    APPEALS_PUBLISH,
    APPEALS_RECORD,
    APPEALS_SUPERVISE,
)
from lianxin.core.permissions import has_unit_permission
from lianxin.org.models import Unit

from . import deadlines, duplicates, notify, rules
from .models import (
    OPEN_STATES,
    Appeal,
    AppealEvent,
    Category,
    Channel,
    DeadlineRule,
    Department,
    Flag,
    Kind,
    Meeting,
    MeetingItem,
    PublicAnswer,
    Rating,
    Referral,
    Score,
    State,
    YearCounter,
)

Action = AppealEvent.Action

SELF_CHANNELS = (Channel.WEB, Channel.CHAIRMAN_MAILBOX, Channel.MANAGER_MAILBOX, Channel.QA_BOARD)
"""Channels a worker uses for themself."""
RECORDED_CHANNELS = (Channel.HOTLINE, Channel.LIAISON, Channel.VISIT, Channel.DIALOGUE, Channel.PETITION)
"""Channels where someone records what a worker said (needs appeals.record on the unit)."""

TRACK_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_TEXT = 5000


class AppealError(Exception):
    """A step that cannot be taken; the message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AppealConflict(AppealError):
    """The appeal changed under the caller (another handler acted first): HTTP 409."""


# --- intake ---------------------------------------------------------------------------------------


@dataclass
class Intake:
    appeal: Appeal
    track_code: str | None
    similar: list[tuple[Appeal, float]]


def track_digest(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(cleaned.encode()).hexdigest()


def _new_track_code() -> str:
    raw = "".join(secrets.choice(TRACK_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _next_number(year: int) -> str:
    """SS-2026-000123, unique under concurrent intake.

    PostgreSQL: a sequence per year, so no lock is held till commit (numbers of rolled-back intakes
    are skipped, never reused). The sequence is made on the year's first intake; two intakes racing
    to make it both end up using it. SQLite: one upsert of the year's counter row, which takes the
    write lock at once (SQLite serializes writers), so no two transactions read the same value.
    """
    year = int(year)
    if connection.vendor == "postgresql":
        value = _pg_next_in_sequence(f"appeals_number_{year}")
    else:
        table = connection.ops.quote_name(YearCounter._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 - our own table name
                "ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last",
                [year],
            )
            value = cursor.fetchone()[0]
    return f"SS-{year}-{value:06d}"


def _pg_next_in_sequence(name: str) -> int:
    """nextval of `name`, creating the sequence when it is missing. Each attempt runs in a savepoint,
    so a failed attempt never leaves the caller's transaction aborted."""
    for _attempt in range(3):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT nextval(%s)", [name])
                return cursor.fetchone()[0]
        except ProgrammingError:  # undefined_table: the year's first appeal
            pass
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {connection.ops.quote_name(name)}")
        except (IntegrityError, ProgrammingError):  # another intake made it at that moment: use theirs
            pass
    raise AppealError(_("暂时无法生成诉求编号,请稍后重试。"))


def _ancestors(unit: Unit) -> list[str]:
    return [unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]


def handling_unit_for(origin: Unit, channel: str) -> Unit:
    """Where an appeal goes: the general manager's mailbox to the top of the tree, the chairman's
    mailbox to the nearest union with a chairman, anything else to the nearest unit whose cadres
    handle appeals. The unit itself when nobody above handles appeals."""
    from lianxin.core.models import RoleAssignment

    paths = _ancestors(origin)
    if channel == Channel.MANAGER_MAILBOX:
        return Unit.objects.get(path=paths[0])
    rows = RoleAssignment.objects.filter(unit__path__in=paths, unit__is_active=True).values_list(
        "unit__path", "role__code", "role__capabilities"
    )
    if channel == Channel.CHAIRMAN_MAILBOX:
        handled = {path for path, role, _caps in rows if role == "chairman"}
    else:
        handled = {path for path, _role, caps in rows if APPEALS_HANDLE in (caps or [])}
    for path in reversed(paths):
        if path in handled:
            return origin if path == origin.path else Unit.objects.get(path=path)
    return origin if channel != Channel.CHAIRMAN_MAILBOX else Unit.objects.get(path=paths[0])


def _check_text(text: str) -> str:
    text = (text or "").strip()
    if len(text) < 5:
        raise ValidationError({"text": _("请把问题说清楚,至少 5 个字。")})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _("内容过长,请精简到 %(n)d 字以内。") % {"n": MAX_TEXT}})
    return text


def _own_member(user):
    from lianxin.members.models import Member

    if not (user and user.is_authenticated):
        return None
    return Member.objects.filter(user=user).select_related("unit").first()


def appeal_submit(
    *,
    submitted_by,
    origin_unit: Unit,
    text: str,
    channel: str = Channel.WEB,
    kind: str = Kind.CONSULTATION,
    category: Category | None = None,
    anonymous: bool = False,
    member=None,
    contact_name: str = "",
    contact_phone: str = "",
    received_at: dt.datetime | None = None,
    title: str = "",
    confidential: bool = False,
    publish_consent: bool = False,
    flags: list[str] | None = None,
) -> Intake:
    """Register an appeal. A worker raises it through a self-service channel (named or anonymous);
    an operator, liaison or cadre records it through the channel where it was heard.

    `flags` given by a recorder are taken as confirmed; otherwise the rules' findings wait for a
    handler to confirm them. Returns the appeal, the follow-up code (shown once: only its digest is
    kept) and near-identical open appeals.
    """
    text = _check_text(text)
    if channel not in Channel.values:
        raise ValidationError({"channel": _("未知的渠道。")})
    if kind not in Kind.values:
        raise ValidationError({"kind": _("未知的诉求性质。")})
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"received_at": _("收到时间不能晚于现在。")})
    own = _own_member(submitted_by)
    recorded_by = None
    if channel in RECORDED_CHANNELS:
        if not has_unit_permission(submitted_by, origin_unit, APPEALS_RECORD):
            raise PermissionDenied(_("您不能为这个单位登记诉求。"))
        recorded_by = submitted_by
        worker_user = None
        if member is not None and not member.unit.path.startswith(origin_unit.path):
            raise ValidationError({"member": _("诉求人不在所选单位。")})
    else:
        worker_user = submitted_by if submitted_by and submitted_by.is_authenticated else None
        if worker_user is None:
            raise PermissionDenied(_("请先登录。"))
        member = own
        if own is not None:
            if not own.unit.path.startswith(origin_unit.path):
                raise ValidationError({"origin_unit": _("只能选择本人所在单位或其上级单位。")})
        elif not has_unit_permission(submitted_by, origin_unit, APPEALS_RECORD):
            raise ValidationError({"origin_unit": _("您没有会员档案,不能以职工身份为这个单位提诉求。")})
        if not anonymous and not contact_name:
            contact_name = member.name if member else worker_user.display_name
    if anonymous:
        member = None
        worker_user = None
        contact_name = ""
        contact_phone = ""

    normalized = rules.normalize(text)
    found = set(rules.find_flags(normalized))
    confirmed = flags is not None and recorded_by is not None
    if confirmed:
        unknown = set(flags) - set(Flag.values)
        if unknown:
            raise ValidationError(
                {"flags": _("未知的标记:%(flags)s") % {"flags": "、".join(sorted(unknown))}}
            )
        found = set(flags)
    if category is None:
        suggested = rules.suggest_category(normalized)
        category = Category.objects.filter(code=suggested or "other").first() or Category.objects.get(
            code="other"
        )
    rule = deadlines.rule_for(category_id=category.pk, kind=kind, flags=sorted(found))
    handling = handling_unit_for(origin_unit, channel)
    track_code = _new_track_code() if (anonymous or worker_user is None) else None

    with transaction.atomic():
        appeal = Appeal(
            number=_next_number(timezone.localtime(received_at).year),
            channel=channel,
            kind=kind,
            category=category,
            title=(title or "").strip()[:80] or rules.title_from(normalized),
            text=text,
            text_normalized=normalized,
            search_tokens=rules.search_tokens(normalized),
            flags_confirmed=confirmed,
            origin_unit=origin_unit,
            handling_unit=handling,
            is_anonymous=anonymous,
            member=member,
            submitted_by=worker_user,
            recorded_by=recorded_by,
            contact_name=contact_name[:50],
            contact_phone=contact_phone[:20],
            track_digest=track_digest(track_code) if track_code else None,
            confidential=confidential,
            publish_consent=publish_consent,
            received_at=received_at,
            created_at=now,
            accept_due=deadlines.accept_due(received_at, rule),
            answer_due=deadlines.answer_due(received_at, rule),
        )
        for flag in found:
            setattr(appeal, f"flag_{flag}", True)
        appeal.save()
        _event(
            appeal,
            Action.SUBMITTED,
            actor=recorded_by or worker_user,
            to_state=State.SUBMITTED,
            data={"channel": channel},
            at=received_at,
        )
        similar = duplicates.appeal_index(appeal)
        notify.appeal_submitted(appeal)
        if appeal.flag_distress:
            notify.appeal_distress(appeal)
    return Intake(appeal=appeal, track_code=track_code, similar=similar)


# --- transitions ----------------------------------------------------------------------------------


def _event(
    appeal: Appeal,
    action: str,
    *,
    actor=None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    on_time: bool | None = None,
    score: str = "",
    data: dict | None = None,
    visible: bool = True,
    at: dt.datetime | None = None,
) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal,
        action=action,
        from_state=from_state,
        to_state=to_state or from_state,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or timezone.now(),
        unit_id=appeal.handling_unit_id,
        note=note,
        on_time=on_time,
        score=score,
        data=data or {},
        visible_to_worker=visible,
    )


def _locked(appeal: Appeal, expected_version: int | None = None) -> Appeal:
    fresh = (
        Appeal.objects.select_for_update().select_related("handling_unit", "origin_unit").get(pk=appeal.pk)
    )
    if expected_version is not None and fresh.version != expected_version:
        raise AppealConflict(
            _("诉求 %(number)s 已被他人更新(现为「%(state)s」),请刷新后再操作。")
            % {"number": fresh.number, "state": fresh.get_state_display()}
        )
    return fresh


def _require_state(appeal: Appeal, allowed, verb: str) -> None:
    if appeal.state not in allowed:
        raise AppealConflict(
            _("诉求 %(number)s 现在是「%(state)s」,不能%(verb)s。")
            % {"number": appeal.number, "state": appeal.get_state_display(), "verb": verb}
        )


def _require(user, appeal: Appeal, code: str = APPEALS_HANDLE) -> None:
    if not has_unit_permission(user, appeal.handling_unit, code):
        raise PermissionDenied(_("您没有办理这件诉求的权限。"))


def _save(appeal: Appeal, *fields: str) -> None:
    appeal.version += 1
    appeal.save(update_fields=[*fields, "version"])


def _first(appeal: Appeal, actions) -> bool:
    return not appeal.events.filter(action__in=actions, on_time__isnull=False).exists()


RESPONSES = (Action.ACCEPTED, Action.REJECTED, Action.MERGED)


def _clock(appeal: Appeal, now: dt.datetime) -> dt.datetime:
    """The moment the appeal's clock shows: it stood still from the request for more information."""
    return min(now, appeal.paused_at) if appeal.paused_at else now


def _response_on_time(appeal: Appeal, now: dt.datetime) -> bool | None:
    """`on_time` of a response event: set on the first response only (the response rate counts it)."""
    return (_clock(appeal, now) <= appeal.accept_due) if _first(appeal, RESPONSES) else None


def _worker_side_actor(appeal: Appeal, user):
    """Who is written as the actor of a worker's own step. Never anyone on an anonymous appeal:
    handlers read the events, and the actor would name the worker."""
    if appeal.is_anonymous:
        return None
    return user if getattr(user, "pk", None) else None


def worker_may_act(appeal: Appeal, *, user=None, track_code: str | None = None) -> bool:
    """Whether the person acting is the appeal's worker: by the follow-up code, or logged in as the
    worker of a named appeal."""
    if track_code:
        return bool(appeal.track_digest) and secrets.compare_digest(
            appeal.track_digest, track_digest(track_code)
        )
    if appeal.is_anonymous or not (user and user.is_authenticated):
        return False
    if appeal.submitted_by_id and appeal.submitted_by_id == user.pk:
        return True
    return bool(appeal.member_id and appeal.member.user_id == user.pk)


def _check_worker(appeal: Appeal, *, user, track_code: str | None) -> None:
    """When a follow-up code is given it must be this appeal's (the view may also have checked)."""
    if track_code is not None and not worker_may_act(appeal, track_code=track_code):
        raise PermissionDenied(_("查询码不正确。"))


@transaction.atomic
def appeal_accept(
    *, appeal: Appeal, accepted_by, note: str = "", expected_version: int | None = None
) -> Appeal:
    appeal = _locked(appeal, expected_version)
    _require(accepted_by, appeal)
    _require_state(appeal, (State.SUBMITTED,), _("受理"))
    now = timezone.now()
    old = appeal.state
    on_time = _response_on_time(appeal, now)
    appeal.state = State.ACCEPTED
    appeal.accepted_at = now
    if appeal.assignee_id is None:
        appeal.assignee = accepted_by
    # The acceptance limit is met (late or not); what still counts is the answer limit.
    appeal.overdue = appeal.paused_at is None and appeal.answer_due < now
    _save(appeal, "state", "accepted_at", "assignee", "overdue")
    _event(
        appeal,
        Action.ACCEPTED,
        actor=accepted_by,
        from_state=old,
        to_state=appeal.state,
        note=note,
        on_time=on_time,
    )
    notify.appeal_to_worker(appeal, _("您的诉求已受理"))
    return appeal


@transaction.atomic
def appeal_request_info(
    *, appeal: Appeal, requested_by, question: str, expected_version: int | None = None
) -> Appeal:
    """Ask the worker for more; every running limit stops until the worker answers."""
    question = (question or "").strip()
    if not question:
        raise ValidationError({"note": _("请写明需要职工补充什么。")})
    appeal = _locked(appeal, expected_version)
    _require(requested_by, appeal)
    _require_state(appeal, OPEN_STATES, _("请职工补充"))
    if appeal.paused_at:
        raise AppealConflict(_("已在等待职工补充,不能重复请求。"))
    if appeal.is_anonymous and not appeal.track_digest:
        raise AppealError(_("匿名诉求无法联系职工。"))
    appeal.paused_at = timezone.now()
    _save(appeal, "paused_at")
    _event(appeal, Action.INFO_REQUESTED, actor=requested_by, from_state=appeal.state, note=question)
    notify.appeal_to_worker(appeal, _("请补充您的诉求"), body=question)
    return appeal


@transaction.atomic
def appeal_provide_info(
    *, appeal: Appeal, provided_by=None, text: str, track_code: str | None = None
) -> Appeal:
    """The worker's answer to a request for more: the clock runs again, limits moved on.

    The view checks it is the worker (login, or the follow-up code of an anonymous appeal); a
    `track_code` passed here is checked again. On an anonymous appeal no actor is recorded."""
    text = _check_text(text)
    appeal = _locked(appeal)
    _check_worker(appeal, user=provided_by, track_code=track_code)
    _require_state(appeal, OPEN_STATES, _("补充"))
    if not appeal.paused_at:
        raise AppealConflict(_("现在不需要补充。"))
    now = timezone.now()
    paused_at = appeal.paused_at
    rule = deadlines.rule_for(category_id=appeal.category_id, kind=appeal.kind, flags=appeal.flags)
    if appeal.state == State.SUBMITTED:
        appeal.accept_due = deadlines.moved_for_pause(
            appeal.accept_due, paused_at=appeal.paused_at, resumed_at=now, hours=bool(rule.accept_hours)
        )
    appeal.answer_due = deadlines.moved_for_pause(
        appeal.answer_due, paused_at=appeal.paused_at, resumed_at=now, hours=False
    )
    appeal.paused_at = None
    _save(appeal, "paused_at", "accept_due", "answer_due")
    _event(
        appeal,
        Action.INFO_PROVIDED,
        actor=_worker_side_actor(appeal, provided_by),
        from_state=appeal.state,
        note=text,
        data={"waited_from": paused_at.isoformat()},
    )
    notify.appeal_to_handlers(appeal, _("职工已补充诉求内容"))
    return appeal


@transaction.atomic
def appeal_send_to_deliberation(
    *,
    appeal: Appeal,
    sent_by,
    note: str = "",
    meeting: Meeting | None = None,
    expected_version: int | None = None,
) -> Appeal:
    appeal = _locked(appeal, expected_version)
    _require(sent_by, appeal)
    _require_state(appeal, (State.ACCEPTED, State.IN_PROGRESS), _("提交集中议事"))
    old = appeal.state
    appeal.state = State.DELIBERATING
    _save(appeal, "state")
    _event(appeal, Action.DELIBERATION, actor=sent_by, from_state=old, to_state=appeal.state, note=note)
    if meeting is not None:
        meeting_add_item(meeting=meeting, appeal=appeal, added_by=sent_by)
    return appeal


@transaction.atomic
def appeal_start(
    *, appeal: Appeal, started_by, assignee=None, note: str = "", expected_version: int | None = None
) -> Appeal:
    """The union handles it itself (办事)."""
    appeal = _locked(appeal, expected_version)
    _require(started_by, appeal)
    _require_state(appeal, (State.ACCEPTED, State.DELIBERATING), _("开始办理"))
    old = appeal.state
    appeal.state = State.IN_PROGRESS
    appeal.assignee = assignee or appeal.assignee or started_by
    _save(appeal, "state", "assignee")
    _event(appeal, Action.STARTED, actor=started_by, from_state=old, to_state=appeal.state, note=note)
    return appeal


@transaction.atomic
def appeal_assign(*, appeal: Appeal, assigned_by, assignee, expected_version: int | None = None) -> Appeal:
    appeal = _locked(appeal, expected_version)
    _require(assigned_by, appeal)
    _require_state(appeal, OPEN_STATES, _("指定经办人"))
    if not has_unit_permission(assignee, appeal.handling_unit, APPEALS_HANDLE):
        raise ValidationError({"assignee": _("此人不能办理这个单位的诉求。")})
    appeal.assignee = assignee
    _save(appeal, "assignee")
    _event(
        appeal,
        Action.ASSIGNED,
        actor=assigned_by,
        from_state=appeal.state,
        visible=False,
        note=assignee.display_name,
        data={"assignee": assignee.pk},
    )
    notify.appeal_to_users(appeal, [assignee], _("有一件诉求交由您办理"))
    return appeal


def department_choices(appeal: Appeal):
    """Departments an appeal may be referred to: those of the handling unit and of the units above it."""
    return Department.objects.filter(
        is_active=True, unit__path__in=_ancestors(appeal.handling_unit)
    ).select_related("unit")


@transaction.atomic
def appeal_refer(
    *,
    appeal: Appeal,
    referred_by,
    department: Department,
    note: str = "",
    expected_version: int | None = None,
) -> Referral:
    appeal = _locked(appeal, expected_version)
    _require(referred_by, appeal)
    _require_state(appeal, (State.ACCEPTED, State.DELIBERATING, State.IN_PROGRESS), _("转办"))
    if not department_choices(appeal).filter(pk=department.pk).exists():
        raise ValidationError({"department": _("只能转给本单位或上级单位的部门。")})
    if appeal.referrals.filter(department=department, answered_at__isnull=True).exists():
        raise AppealConflict(_("已转给%(dept)s,尚未回复。") % {"dept": department.name})
    now = timezone.now()
    referral = Referral.objects.create(
        appeal=appeal,
        department=department,
        note=note,
        referred_by=referred_by,
        referred_at=now,
        due=min(
            appeal.answer_due,
            deadlines.end_of_day(
                deadlines.add_working_days(timezone.localdate(now), settings.LIANXIN_APPEAL_REFERRAL_DAYS)
            ),
        ),
    )
    old = appeal.state
    appeal.state = State.IN_PROGRESS
    appeal.assignee = appeal.assignee or referred_by
    _save(appeal, "state", "assignee")
    _event(
        appeal,
        Action.REFERRED,
        actor=referred_by,
        from_state=old,
        to_state=appeal.state,
        note=note,
        data={"department": department.pk, "department_name": department.name, "referral": referral.pk},
    )
    notify.referral_to_department(referral)
    return referral


def can_answer_referral(user, referral: Referral) -> bool:
    return referral.department.handlers.filter(pk=user.pk).exists()


@transaction.atomic
def referral_answer(*, referral: Referral, answered_by, answer: str) -> Referral:
    """A department handler answers on the record."""
    answer = (answer or "").strip()
    if len(answer) < 2:
        raise ValidationError({"answer": _("请填写办理结果。")})
    referral = Referral.objects.select_for_update().select_related("appeal", "department").get(pk=referral.pk)
    if not can_answer_referral(answered_by, referral):
        raise PermissionDenied(_("这件转办不是您部门的。"))
    if referral.answered_at:
        raise AppealConflict(_("这件转办已经回复过了。"))
    referral.answer = answer
    referral.answered_by = answered_by
    referral.answered_at = timezone.now()
    referral.save(update_fields=["answer", "answered_by", "answered_at"])
    appeal = _locked(referral.appeal)
    _save(appeal)
    _event(
        appeal,
        Action.REFERRAL_ANSWERED,
        actor=answered_by,
        from_state=appeal.state,
        note=answer,
        data={
            "department": referral.department_id,
            "department_name": referral.department.name,
            "referral": referral.pk,
        },
    )
    notify.appeal_to_handlers(
        appeal, _("%(dept)s已回复转办") % {"dept": referral.department.name}, body=answer
    )
    return referral


@transaction.atomic
def appeal_extend(*, appeal: Appeal, extended_by, reason: str, expected_version: int | None = None) -> Appeal:
    """A complex case gets one extension, with a reason, to the category's extended limit."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"note": _("延期须写明理由。")})
    appeal = _locked(appeal, expected_version)
    _require(extended_by, appeal)
    _require_state(appeal, (State.ACCEPTED, State.DELIBERATING, State.IN_PROGRESS), _("延期"))
    if appeal.extended:
        raise AppealConflict(_("每件诉求只能延期一次。"))
    rule = deadlines.rule_for(category_id=appeal.category_id, kind=appeal.kind, flags=appeal.flags)
    extra = rule.extended_working_days - rule.answer_working_days
    old_due = appeal.answer_due
    appeal.answer_due = deadlines.end_of_day(
        deadlines.add_working_days(timezone.localdate(appeal.answer_due), extra)
    )
    appeal.extended = True
    appeal.overdue = appeal.answer_due < timezone.now()
    _save(appeal, "answer_due", "extended", "overdue")
    _event(
        appeal,
        Action.EXTENDED,
        actor=extended_by,
        from_state=appeal.state,
        note=reason,
        data={"from": old_due.isoformat(), "to": appeal.answer_due.isoformat()},
    )
    notify.appeal_to_worker(appeal, _("您的诉求办理期限已延长"), body=reason)
    return appeal


@transaction.atomic
def appeal_answer(*, appeal: Appeal, answered_by, answer: str, expected_version: int | None = None) -> Appeal:
    """Tell the worker the outcome; the rating window opens. Appeals merged into it are answered too."""
    answer = (answer or "").strip()
    if len(answer) < 4:
        raise ValidationError({"answer": _("请填写给职工的答复。")})
    appeal = _locked(appeal, expected_version)
    _require(answered_by, appeal)
    _require_state(appeal, (State.ACCEPTED, State.DELIBERATING, State.IN_PROGRESS), _("答复"))
    if appeal.paused_at:
        raise AppealConflict(_("正在等待职工补充,收到补充后再答复。"))
    now = timezone.now()
    first = _first(appeal, (Action.ANSWERED,))
    old = appeal.state
    appeal.state = State.ANSWERED
    appeal.answer = answer
    appeal.answered_at = now
    _save(appeal, "state", "answer", "answered_at")
    _event(
        appeal,
        Action.ANSWERED,
        actor=answered_by,
        from_state=old,
        to_state=appeal.state,
        note=answer,
        on_time=(now <= appeal.answer_due) if first else None,
    )
    duplicates.appeal_forget(appeal)
    notify.appeal_to_worker(appeal, _("您的诉求有了答复,请评价"), body=answer)
    merged = Appeal.objects.select_for_update().filter(merged_into=appeal, state=State.MERGED).order_by("pk")
    for each in merged:
        _pass_answer(each, target=appeal, actor=answered_by, now=now)
    return appeal


def _pass_answer(merged: Appeal, *, target: Appeal, actor, now: dt.datetime) -> None:
    """A merged appeal's worker gets the target's answer: on their appeal, in its events, told."""
    merged.answer = target.answer
    merged.answered_at = now
    _save(merged, "answer", "answered_at")
    _event(
        merged,
        Action.ANSWERED,
        actor=actor,
        from_state=merged.state,
        note=target.answer,
        data={"via": target.number, "via_id": target.pk},
    )
    notify.appeal_to_worker(
        merged,
        _("您的诉求已并入 %(number)s 一并办理,现有了答复") % {"number": target.number},
        body=target.answer,
    )


@transaction.atomic
def appeal_merge(
    *, appeal: Appeal, merged_by, into: Appeal, note: str = "", expected_version: int | None = None
) -> Appeal:
    """A duplicate joins an open appeal; its worker gets that appeal's answer."""
    if into.pk == appeal.pk:
        raise ValidationError({"into": _("不能合并到自身。")})
    # Lock both rows in id order: two merges of the same pair, either way round, cannot deadlock.
    locked = {
        row.pk: row
        for row in Appeal.objects.select_for_update()
        .select_related("handling_unit", "origin_unit")
        .filter(pk__in=[appeal.pk, into.pk])
        .order_by("pk")
    }
    appeal = _locked(appeal, expected_version)
    target = locked[into.pk]
    _require(merged_by, appeal)
    _require(merged_by, target)
    _require_state(appeal, OPEN_STATES, _("合并"))
    if target.state not in (*OPEN_STATES, State.ANSWERED) or target.merged_into_id:
        raise ValidationError({"into": _("只能并入尚未办结的诉求。")})
    now = timezone.now()
    old = appeal.state
    on_time = _response_on_time(appeal, now)
    appeal.state = State.MERGED
    appeal.merged_into = target
    appeal.closed_at = now
    appeal.paused_at = None
    _save(appeal, "state", "merged_into", "closed_at", "paused_at")
    _event(
        appeal,
        Action.MERGED,
        actor=merged_by,
        from_state=old,
        to_state=appeal.state,
        note=note,
        on_time=on_time,
        data={"into": target.number, "into_id": target.pk},
    )
    # Appeals merged earlier into this one follow it, so the target's answer reaches them too.
    moved = list(Appeal.objects.select_for_update().filter(merged_into=appeal).order_by("pk"))
    for earlier in moved:
        earlier.merged_into = target
        _save(earlier, "merged_into")
        _event(
            earlier,
            Action.COMMENTED,
            actor=merged_by,
            from_state=earlier.state,
            visible=False,
            note=_("随 %(number)s 并入 %(into)s") % {"number": appeal.number, "into": target.number},
            data={"into_id": target.pk},
        )
    _event(
        target,
        Action.COMMENTED,
        actor=merged_by,
        from_state=target.state,
        visible=False,
        note=_("并入了诉求 %(number)s") % {"number": appeal.number},
        data={"merged": appeal.pk},
    )
    duplicates.appeal_forget(appeal)
    if target.state == State.ANSWERED:
        for each in (appeal, *moved):
            _pass_answer(each, target=target, actor=merged_by, now=now)
    else:
        notify.appeal_to_worker(appeal, _("您的诉求已并入同类诉求一并办理"))
    return appeal


@transaction.atomic
def appeal_reject(*, appeal: Appeal, rejected_by, reason: str, expected_version: int | None = None) -> Appeal:
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"note": _("不予受理须写明职工能看到的理由。")})
    appeal = _locked(appeal, expected_version)
    _require(rejected_by, appeal)
    _require_state(appeal, (State.SUBMITTED, State.ACCEPTED, State.DELIBERATING), _("不予受理"))
    if appeal.reopen_count:
        raise AppealConflict(_("职工不满意而重新办理的诉求不能不予受理,请重新答复。"))
    now = timezone.now()
    old = appeal.state
    on_time = _response_on_time(appeal, now)
    appeal.state = State.REJECTED
    appeal.reject_reason = reason
    appeal.closed_at = now
    appeal.paused_at = None
    _save(appeal, "state", "reject_reason", "closed_at", "paused_at")
    _event(
        appeal,
        Action.REJECTED,
        actor=rejected_by,
        from_state=old,
        to_state=appeal.state,
        note=reason,
        on_time=on_time,
    )
    duplicates.appeal_forget(appeal)
    notify.appeal_to_worker(appeal, _("您的诉求不予受理"), body=reason)
    return appeal


@transaction.atomic
def appeal_withdraw(
    *, appeal: Appeal, withdrawn_by=None, reason: str = "", track_code: str | None = None
) -> Appeal:
    """The worker withdraws (the view has checked it is the worker: login or follow-up code)."""
    appeal = _locked(appeal)
    _check_worker(appeal, user=withdrawn_by, track_code=track_code)
    _require_state(appeal, OPEN_STATES, _("撤回"))
    old = appeal.state
    appeal.state = State.WITHDRAWN
    appeal.closed_at = timezone.now()
    appeal.paused_at = None
    _save(appeal, "state", "closed_at", "paused_at")
    _event(
        appeal,
        Action.WITHDRAWN,
        actor=_worker_side_actor(appeal, withdrawn_by),
        from_state=old,
        to_state=appeal.state,
        note=reason,
    )
    duplicates.appeal_forget(appeal)
    notify.appeal_to_handlers(appeal, _("职工撤回了诉求"))
    return appeal


def rating_window_end(appeal: Appeal) -> dt.datetime | None:
    if appeal.answered_at is None:
        return None
    return appeal.answered_at + dt.timedelta(days=settings.LIANXIN_APPEAL_RATING_DAYS)


@transaction.atomic
def appeal_rate(
    *, appeal: Appeal, score: str, comment: str = "", rated_by=None, track_code: str | None = None
) -> Appeal:
    """The worker rates the answer. Dissatisfied the first time: it reopens one level up, with the
    reason; otherwise (or the second time) it closes."""
    if score not in Score.values:
        raise ValidationError({"score": _("请选择满意、基本满意或不满意。")})
    comment = (comment or "").strip()
    if score == Score.DISSATISFIED and len(comment) < 2:
        raise ValidationError({"comment": _("不满意时请说明原因,便于重新办理。")})
    appeal = _locked(appeal)
    _check_worker(appeal, user=rated_by, track_code=track_code)
    _require_state(appeal, (State.ANSWERED,), _("评价"))
    rated_by = _worker_side_actor(appeal, rated_by)
    now = timezone.now()
    if now > rating_window_end(appeal):
        raise AppealConflict(_("评价期已过。"))
    Rating.objects.create(
        appeal=appeal, round=appeal.reopen_count + 1, score=score, comment=comment, rated_at=now
    )
    _event(appeal, Action.RATED, actor=rated_by, from_state=appeal.state, note=comment, score=score)
    if score == Score.DISSATISFIED and appeal.reopen_count == 0:
        _reopen(appeal, reason=comment, now=now)
    else:
        appeal.state = State.CLOSED
        appeal.closed_at = now
        _save(appeal, "state", "closed_at")
        _event(appeal, Action.CLOSED, actor=rated_by, from_state=State.ANSWERED, to_state=State.CLOSED)
    return appeal


def _reopen_unit(unit: Unit) -> Unit:
    """Where a reopened appeal goes: the nearest unit above `unit` whose cadres handle appeals (the
    parent when none does); at the top of the tree, the top itself."""
    if unit.depth <= 1:
        return unit
    return handling_unit_for(Unit.objects.get(path=unit.path[: -Unit.steplen]), Channel.WEB)


def _reopen(appeal: Appeal, *, reason: str, now: dt.datetime) -> None:
    parent = _reopen_unit(appeal.handling_unit)
    from_unit = appeal.handling_unit
    rule = deadlines.rule_for(category_id=appeal.category_id, kind=appeal.kind, flags=appeal.flags)
    appeal.state = State.ACCEPTED
    appeal.handling_unit = parent
    appeal.assignee = None
    appeal.reopen_count += 1
    appeal.answered_at = None
    appeal.overdue = False
    appeal.escalation_level = 0
    appeal.escalated_unit = None
    appeal.answer_due = deadlines.answer_due(now, rule)
    _save(
        appeal,
        "state",
        "handling_unit",
        "assignee",
        "reopen_count",
        "answered_at",
        "overdue",
        "escalation_level",
        "escalated_unit",
        "answer_due",
    )
    _event(
        appeal,
        Action.REOPENED,
        from_state=State.ANSWERED,
        to_state=State.ACCEPTED,
        note=reason,
        data={
            "from_unit": from_unit.pk,
            "from_unit_name": from_unit.name,
            "to_unit": appeal.handling_unit.pk,
            "to_unit_name": appeal.handling_unit.name,
        },
    )
    duplicates.appeal_index(appeal)
    notify.appeal_to_handlers(appeal, _("职工不满意,诉求转上级重新办理"), body=reason)


@transaction.atomic
def appeal_lapse(*, appeal: Appeal, now: dt.datetime | None = None) -> Appeal | None:
    """The rating window passed without a rating: the appeal closes unrated."""
    now = now or timezone.now()
    appeal = _locked(appeal)
    if appeal.state != State.ANSWERED or now <= rating_window_end(appeal):
        return None
    appeal.state = State.CLOSED
    appeal.closed_at = now
    _save(appeal, "state", "closed_at")
    _event(appeal, Action.LAPSED, from_state=State.ANSWERED, to_state=State.CLOSED)
    return appeal


@transaction.atomic
def appeal_remind(*, appeal: Appeal, reminded_by, note: str = "", order: bool = False) -> Appeal:
    """催办 (a reminder) or, with `order`, 督办 (a supervision order): on the record, the handlers told."""
    appeal = _locked(appeal)
    if not has_unit_permission(reminded_by, appeal.origin_unit, APPEALS_SUPERVISE):
        raise PermissionDenied(_("您没有督办权限。"))
    _require_state(appeal, (*OPEN_STATES, State.ANSWERED), _("督办") if order else _("催办"))
    if order and len((note or "").strip()) < 4:
        raise ValidationError({"note": _("督办须写明要求。")})
    _save(appeal)
    _event(
        appeal,
        Action.SUPERVISED if order else Action.REMINDED,
        actor=reminded_by,
        from_state=appeal.state,
        note=note,
        visible=False,
    )
    title = _("督办:%(title)s") if order else _("催办:%(title)s")
    notify.appeal_to_handlers(appeal, title % {"title": appeal.title}, body=note, sms=order)
    return appeal


@transaction.atomic
def appeal_confirm_flags(
    *, appeal: Appeal, confirmed_by, flags: list[str], category: Category | None = None
) -> Appeal:
    """A handler confirms (or corrects) the flags the rules found, and may correct the category."""
    unknown = set(flags) - set(Flag.values)
    if unknown:
        raise ValidationError({"flags": _("未知的标记:%(flags)s") % {"flags": "、".join(sorted(unknown))}})
    appeal = _locked(appeal)
    _require(confirmed_by, appeal)
    before = appeal.flags
    for flag in Flag.values:
        setattr(appeal, f"flag_{flag}", flag in flags)
    appeal.flags_confirmed = True
    fields = [f"flag_{flag}" for flag in Flag.values] + ["flags_confirmed"]
    old_category = appeal.category
    if category is not None and category.pk != appeal.category_id:
        appeal.category = category
        fields.append("category")
    if appeal.state == State.SUBMITTED and not appeal.paused_at:
        # A danger or distress found now must be accepted within the urgent limit, counted from now.
        rule = deadlines.rule_for(category_id=appeal.category_id, kind=appeal.kind, flags=appeal.flags)
        if rule.accept_hours:
            appeal.accept_due = min(appeal.accept_due, deadlines.accept_due(timezone.now(), rule))
            fields.append("accept_due")
    _save(appeal, *fields)
    _event(
        appeal,
        Action.FLAGS_CONFIRMED,
        actor=confirmed_by,
        from_state=appeal.state,
        visible=False,
        data={"before": before, "after": appeal.flags},
    )
    if category is not None and category.pk != old_category.pk:
        _event(
            appeal,
            Action.RECATEGORIZED,
            actor=confirmed_by,
            from_state=appeal.state,
            data={"from": old_category.code, "to": category.code},
        )
    if "distress" in appeal.flags and "distress" not in before:
        notify.appeal_distress(appeal)
    return appeal


# --- deliberation meetings ------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    unit: Unit,
    created_by,
    held_at: dt.datetime,
    attendees: str,
    place: str = "",
    minutes: str = "",
    appeals: list[Appeal] = (),
) -> Meeting:
    if not has_unit_permission(created_by, unit, APPEALS_DELIBERATE):
        raise PermissionDenied(_("您不能为这个单位召开议事会。"))
    if not attendees.strip():
        raise ValidationError({"attendees": _("请填写参会人员。")})
    meeting = Meeting.objects.create(
        unit=unit,
        created_by=created_by,
        held_at=held_at,
        attendees=attendees.strip(),
        place=place,
        minutes=minutes,
    )
    for appeal in appeals:
        meeting_add_item(meeting=meeting, appeal=appeal, added_by=created_by)
    audit_log(code="appeals.meeting.created", actor=created_by, target=meeting, unit=unit)
    return meeting


def meeting_add_item(*, meeting: Meeting, appeal: Appeal, added_by) -> MeetingItem:
    if not appeal.handling_unit.path.startswith(meeting.unit.path):
        raise ValidationError({"appeal": _("只能把本单位承办的诉求列入议程。")})
    item, _created = MeetingItem.objects.get_or_create(meeting=meeting, appeal=appeal)
    return item


@transaction.atomic
def meeting_decide(
    *, item: MeetingItem, decided_by, decision: str, note: str = "", department: Department | None = None
) -> MeetingItem:
    """Record the meeting's decision on one appeal and carry it out: handle, refer, answer or reject."""
    if decision not in [value for value in MeetingItem.Decision.values if value]:
        raise ValidationError({"decision": _("请选择议事决定。")})
    if decision == MeetingItem.Decision.REFER and department is None:
        raise ValidationError({"department": _("转部门办理须选择部门。")})
    item = MeetingItem.objects.select_for_update().select_related("meeting", "appeal").get(pk=item.pk)
    if not has_unit_permission(decided_by, item.meeting.unit, APPEALS_DELIBERATE):
        raise PermissionDenied(_("您不能为这个单位作出议事决定。"))
    if item.decision:
        raise AppealConflict(_("这件诉求已有议事决定。"))
    item.decision = decision
    item.note = note
    item.department = department
    item.save(update_fields=["decision", "note", "department"])
    appeal = _locked(item.appeal)
    _require_state(appeal, (*OPEN_STATES,), _("作出议事决定"))
    _event(
        appeal,
        Action.DECIDED,
        actor=decided_by,
        from_state=appeal.state,
        note=note,
        data={"meeting": item.meeting_id, "decision": decision},
    )
    if decision == MeetingItem.Decision.SELF:
        appeal_start(appeal=appeal, started_by=decided_by, note=note)
    elif decision == MeetingItem.Decision.REFER:
        appeal_refer(appeal=appeal, referred_by=decided_by, department=department, note=note)
    elif decision == MeetingItem.Decision.ANSWER:
        appeal_answer(appeal=appeal, answered_by=decided_by, answer=note)
    elif decision == MeetingItem.Decision.REJECT:
        appeal_reject(appeal=appeal, rejected_by=decided_by, reason=note)
    return item


# --- public answers -------------------------------------------------------------------------------


@transaction.atomic
def public_answer_publish(*, appeal: Appeal, published_by, question: str, answer: str) -> PublicAnswer:
    """Publish an answered consultation, anonymized by the publisher, with the worker's consent."""
    if not has_unit_permission(published_by, appeal.handling_unit, APPEALS_PUBLISH):
        raise PermissionDenied(_("您没有公开答复的权限。"))
    if appeal.kind != Kind.CONSULTATION or appeal.state not in (State.ANSWERED, State.CLOSED):
        raise AppealError(_("只有已答复的咨询可以公开。"))
    if not appeal.publish_consent or appeal.confidential:
        raise AppealError(_("职工没有同意公开,或诉求需保密。"))
    if PublicAnswer.objects.filter(appeal=appeal).exists():
        raise AppealConflict(_("这件诉求已经公开过。"))
    question, answer = question.strip(), answer.strip()
    if len(question) < 5 or len(answer) < 4:
        raise ValidationError({"question": _("请填写去除个人信息后的问题和答复。")})
    public = PublicAnswer.objects.create(
        appeal=appeal,
        category=appeal.category,
        question=question,
        answer=answer,
        published_by=published_by,
        search_tokens=rules.search_tokens(rules.normalize(question + " " + answer)),
    )
    _event(appeal, Action.PUBLISHED, actor=published_by, from_state=appeal.state, visible=True)
    return public


# --- deadline rules -------------------------------------------------------------------------------


def deadline_rules() -> list[DeadlineRule]:
    return list(DeadlineRule.objects.all())


# --- the sweep: overdue, escalation, lapsed ratings -----------------------------------------------


def _overdue_limit(appeal: Appeal, now: dt.datetime) -> dt.datetime | None:
    """The limit an open, running appeal has passed, if any."""
    if appeal.state not in OPEN_STATES or appeal.paused_at:
        return None
    if appeal.state == State.SUBMITTED and appeal.accept_due < now:
        return appeal.accept_due
    if appeal.answer_due < now:
        return appeal.answer_due
    return None


@transaction.atomic
def appeal_mark_overdue(*, appeal: Appeal, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    appeal = _locked(appeal)
    limit = _overdue_limit(appeal, now)
    if appeal.overdue or limit is None:
        return False
    appeal.overdue = True
    _save(appeal, "overdue")
    which = "accept" if limit == appeal.accept_due and appeal.state == State.SUBMITTED else "answer"
    _event(
        appeal,
        Action.OVERDUE,
        from_state=appeal.state,
        visible=False,
        data={"limit": which, "due": limit.isoformat()},
    )
    notify.appeal_overdue(appeal)
    return True


def _grace() -> int:
    return max(settings.LIANXIN_APPEAL_ESCALATION_GRACE_DAYS, 1)


def escalation_due(limit: dt.datetime, level: int) -> dt.datetime:
    """When an appeal past `limit`, escalated `level` times so far, goes one level further up: at
    the end of the grace period's last working day (grace = LIANXIN_APPEAL_ESCALATION_GRACE_DAYS
    working days, counted again for each further level)."""
    return deadlines.end_of_day(deadlines.add_working_days(timezone.localdate(limit), _grace() * (level + 1)))


def _escalation_pending(appeal: Appeal, now: dt.datetime) -> Unit | None:
    """The unit an overdue appeal is now due to be escalated to, if any (never above the top)."""
    limit = _overdue_limit(appeal, now)
    if limit is None or now <= escalation_due(limit, appeal.escalation_level):
        return None
    current = appeal.escalated_unit or appeal.handling_unit
    if current.depth <= 1:
        return None
    return Unit.objects.get(path=current.path[: -Unit.steplen])


@transaction.atomic
def appeal_escalate(*, appeal: Appeal, now: dt.datetime | None = None) -> bool:
    """One level up once every `LIANXIN_APPEAL_ESCALATION_GRACE_DAYS` working days past the limit;
    the parent unit's cadres and supervisors are told."""
    now = now or timezone.now()
    appeal = _locked(appeal)
    parent = _escalation_pending(appeal, now)
    if parent is None:
        return False
    limit = _overdue_limit(appeal, now)
    appeal.escalation_level += 1
    appeal.escalated_unit = parent
    _save(appeal, "escalation_level", "escalated_unit")
    _event(
        appeal,
        Action.ESCALATED,
        from_state=appeal.state,
        visible=False,
        note=parent.name,
        data={
            "unit": parent.pk,
            "level": appeal.escalation_level,
            "working_days_late": deadlines.working_days_late(limit, now),
        },
    )
    notify.appeal_escalated(appeal, parent)
    return True


REMIND_BEFORE = dt.timedelta(hours=24)
"""The sweep reminds the handlers once when an appeal's answer limit is this close."""


def _reminder_pending(appeal: Appeal, now: dt.datetime) -> bool:
    return (
        appeal.state in (State.ACCEPTED, State.DELIBERATING, State.IN_PROGRESS)
        and appeal.paused_at is None
        and now < appeal.answer_due <= now + REMIND_BEFORE
    )


@transaction.atomic
def appeal_remind_due(*, appeal: Appeal, now: dt.datetime | None = None) -> bool:
    """Remind the handlers, once per limit, that the answer is due within a day."""
    now = now or timezone.now()
    appeal = _locked(appeal)
    due = appeal.answer_due.isoformat()
    if (
        not _reminder_pending(appeal, now)
        or appeal.events.filter(action=Action.REMINDED, actor__isnull=True, data__due=due).exists()
    ):
        return False
    _event(appeal, Action.REMINDED, from_state=appeal.state, visible=False, data={"auto": True, "due": due})
    notify.appeal_to_handlers(
        appeal,
        _("诉求即将到期(%(due)s)")
        % {"due": timezone.localtime(appeal.answer_due).strftime("%Y-%m-%d %H:%M")},
    )
    return True


def appeals_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark overdue, escalate, remind of limits due within a day, close lapsed ratings.

    Safe to run at any time, on any node, twice: each step re-checks under a row lock and writes
    its event once. Rows are looked at unlocked first, so only those with something to do are locked.
    """
    now = now or timezone.now()
    counts = {"overdue": 0, "escalated": 0, "reminded": 0, "lapsed": 0}
    running = Appeal.objects.filter(state__in=OPEN_STATES, paused_at__isnull=True).select_related(
        "handling_unit", "escalated_unit"
    )
    late_q = Q(state=State.SUBMITTED, accept_due__lt=now) | Q(answer_due__lt=now)
    for appeal in running.filter(late_q).order_by("pk").iterator(chunk_size=500):
        if not appeal.overdue:
            counts["overdue"] += appeal_mark_overdue(appeal=appeal, now=now)
        if _escalation_pending(appeal, now) is not None:
            while appeal_escalate(appeal=appeal, now=now):
                counts["escalated"] += 1
    soon = running.filter(answer_due__gt=now, answer_due__lte=now + REMIND_BEFORE).exclude(
        state=State.SUBMITTED
    )
    already = set(
        AppealEvent.objects.filter(action=Action.REMINDED, actor__isnull=True, appeal__in=soon).values_list(
            "appeal_id", "data__due"
        )
    )
    for appeal in soon.order_by("pk").iterator(chunk_size=500):
        if (appeal.pk, appeal.answer_due.isoformat()) not in already:
            counts["reminded"] += appeal_remind_due(appeal=appeal, now=now)
    window = dt.timedelta(days=settings.LIANXIN_APPEAL_RATING_DAYS)
    for appeal in (
        Appeal.objects.filter(state=State.ANSWERED, answered_at__lt=now - window)
        .only("pk")
        .order_by("pk")
        .iterator(chunk_size=500)
    ):
        counts["lapsed"] += appeal_lapse(appeal=appeal, now=now) is not None
    return counts
