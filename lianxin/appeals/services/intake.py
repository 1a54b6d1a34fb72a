"""Intake: numbering, routing to the handling unit, flags, category and duplicates on arrival.

An intake is two parts. `appeal_submit`, in the worker's request, does what the answer needs:
checks, number, flags and category (rules over the text), limits, search tokens, the look-up of
near-identical open appeals, and the appeal with its `submitted` event. After it commits, a job
(`tasks.appeal_intake_finish_task`) runs `appeal_intake_finish`: the appeal's own duplicate
signature and bands, and the notifications (the handlers; the care person at once on signs of
distress, by SMS). The job runs within seconds; the sweep finishes any intake whose job was lost.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.capabilities import APPEALS_RECORD
from lianxin.core.permissions import has_unit_permission
from lianxin.org.models import Unit

from .. import deadlines, duplicates, notify, reference, rules
from ..models import (
    Appeal,
    Category,
    Channel,
    Flag,
    Kind,
    State,
    YearCounter,
)
from .base import TRACK_ALPHABET, Action, AppealError, _ancestors, _check_text, _event, track_digest

SELF_CHANNELS = (Channel.WEB, Channel.CHAIRMAN_MAILBOX, Channel.MANAGER_MAILBOX, Channel.QA_BOARD)


"""Channels a worker uses for themself."""


RECORDED_CHANNELS = (Channel.HOTLINE, Channel.LIAISON, Channel.VISIT, Channel.DIALOGUE, Channel.PETITION)


"""Channels where someone records what a worker said (needs appeals.record on the unit)."""


@dataclass
class Intake:
    appeal: Appeal
    track_code: str | None
    similar: list[tuple[Appeal, float]]


def _new_track_code() -> str:
    raw = "".join(secrets.choice(TRACK_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _next_number(year: int) -> str:
    """SS-2026-000123, unique under concurrent intake.

    PostgreSQL: a sequence per year, so no lock is held till commit (numbers of rolled-back intakes
    are skipped, never reused). The sequence is made on the year's first intake; two intakes racing
    to make it both end up using it. SQLite: one upsert of the year's counter row, which takes the
    write lock at once (SQLite serializes writers), so no two transactions read the same value.
    Called outside a transaction (intake draws its number just before it opens one) the number
    costs one statement.
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
    """nextval of `name`, creating the sequence when it is missing. Inside a transaction each attempt
    runs in a savepoint, so a failed attempt never leaves the caller's transaction aborted."""
    for _attempt in range(3):
        try:
            if not connection.in_atomic_block:  # in autocommit a failed statement spoils nothing
                return _pg_nextval(name)
            with transaction.atomic():
                return _pg_nextval(name)
        except ProgrammingError:  # undefined_table: the year's first appeal
            pass
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {connection.ops.quote_name(name)}")
        except (IntegrityError, ProgrammingError):  # another intake made it at that moment: use theirs
            pass
    raise AppealError(_("暂时无法生成诉求编号,请稍后重试。"))


def _pg_nextval(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [name])
        return cursor.fetchone()[0]


def handling_unit_for(origin: Unit, channel: str) -> Unit:
    """Where an appeal goes: the general manager's mailbox to the top of the tree, the chairman's
    mailbox to the nearest union with a chairman, anything else to the nearest unit whose cadres
    handle appeals. The unit itself when nobody above handles appeals.

    Read from the process's copy of who holds which role where (`reference`): no query."""
    ref = reference.current()
    paths = _ancestors(origin)
    if channel == Channel.MANAGER_MAILBOX:
        return _unit_at(ref, paths[0])
    handled = ref.chaired if channel == Channel.CHAIRMAN_MAILBOX else ref.handling
    for path in reversed(paths):
        if path in handled:
            return origin if path == origin.path else ref.unit(handled[path])
    return origin if channel != Channel.CHAIRMAN_MAILBOX else _unit_at(ref, paths[0])


def _unit_at(ref: reference.Reference, path: str) -> Unit:
    if path in ref.roots:
        return ref.unit(ref.roots[path])
    return Unit.objects.get(path=path)


def _own_member(user):
    from lianxin.members.models import Member

    if not (user and user.is_authenticated):
        return None
    try:  # one member record per login (`get` compiles lighter than `first`, which sorts)
        return Member.objects.select_related("unit").get(user=user)
    except Member.DoesNotExist:
        return None


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
    find_similar: bool = True,
) -> Intake:
    """Register an appeal. A worker raises it through a self-service channel (named or anonymous);
    an operator, liaison or cadre records it through the channel where it was heard.

    `flags` given by a recorder are taken as confirmed; otherwise the rules' findings wait for a
    handler to confirm them. Returns the appeal, the follow-up code (shown once: only its digest is
    kept) and near-identical open appeals (unless `find_similar` is false: a client that showed them
    while the worker typed need not look twice). The rest (bands, notifications) runs as a job after
    the commit.
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
    who = _parties(submitted_by, origin_unit, channel, member, anonymous, contact_name, contact_phone)
    reading = _reading(text, flags, who.recorded_by, category)
    rule = deadlines.rule_for(
        category_id=reading.category.pk, kind=kind, flags=sorted(reading.flags), rules=reading.ref.rules
    )
    track_code = _new_track_code() if (anonymous or who.worker_user is None) else None
    similar = (
        duplicates.similar_open(
            reading.normalized,
            unit=origin_unit,
            values=duplicates.signature(reading.normalized, cut=reading.cut),
        )
        if find_similar
        else []
    )
    accept_due, answer_due = deadlines.limits(received_at, rule, years=reading.ref.calendar)
    number = _next_number(timezone.localtime(received_at).year)

    with transaction.atomic():
        appeal = Appeal(
            number=number,
            channel=channel,
            kind=kind,
            category=reading.category,
            title=(title or "").strip()[:80] or rules.title_from(reading.normalized),
            text=text,
            text_normalized=reading.normalized,
            search_tokens=rules.search_tokens(reading.normalized, cut=reading.cut),
            flags_confirmed=reading.confirmed,
            origin_unit=origin_unit,
            handling_unit=handling_unit_for(origin_unit, channel),
            is_anonymous=anonymous,
            member=who.member,
            submitted_by=who.worker_user,
            recorded_by=who.recorded_by,
            contact_name=who.contact_name[:50],
            contact_phone=who.contact_phone[:20],
            track_digest=track_digest(track_code) if track_code else None,
            confidential=confidential,
            publish_consent=publish_consent,
            received_at=received_at,
            created_at=now,
            accept_due=accept_due,
            answer_due=answer_due,
        )
        for flag in reading.flags:
            setattr(appeal, f"flag_{flag}", True)
        appeal.save(force_insert=True)
        _event(
            appeal,
            Action.SUBMITTED,
            actor=who.recorded_by or who.worker_user,
            to_state=State.SUBMITTED,
            data={"channel": channel},
            at=received_at,
        )
        transaction.on_commit(functools.partial(_finish_later, appeal.pk), robust=True)
    return Intake(appeal=appeal, track_code=track_code, similar=similar)


@dataclass
class _Parties:
    worker_user: object
    recorded_by: object
    member: object
    contact_name: str
    contact_phone: str


def _parties(submitted_by, origin_unit, channel, member, anonymous, contact_name, contact_phone) -> _Parties:
    """Who raises the appeal (the worker, or who records it for them) and may they, for this unit."""
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
        return _Parties(None, recorded_by, None, "", "")
    return _Parties(worker_user, recorded_by, member, contact_name, contact_phone)


@dataclass
class _Reading:
    ref: reference.Reference
    normalized: str
    cut: list[str]
    flags: set[str]
    confirmed: bool
    category: Category


def _reading(text: str, flags: list[str] | None, recorded_by, category: Category | None) -> _Reading:
    """What the rules read in the text: flags (a recorder's, confirmed, else the rules'), the
    category (the suggested one unless given), and jieba's cut of it (cut once for the search
    tokens and the duplicate signature)."""
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
    ref = reference.current()
    if category is None:
        category = ref.category(rules.suggest_category(normalized, table=ref.keywords) or "other")
        if category is None:  # the shipped categories were edited away: fail as the lookup did
            category = Category.objects.get(code="other")
    return _Reading(ref, normalized, rules.words(normalized), found, confirmed, category)


def _finish_later(appeal_id: int) -> None:
    """Hand the rest of the intake to the job worker (the sweep catches it if this fails)."""
    from ..tasks import appeal_intake_finish_task

    appeal_intake_finish_task(appeal_id)


@transaction.atomic
def appeal_intake_finish(*, appeal_id: int) -> bool:
    """The rest of an intake, after it committed: the appeal's duplicate signature and bands, and the
    notifications — the handling unit's cadres of the new appeal (by SMS too when it is urgent) while
    nobody has responded to it yet, and on signs of distress the care person, always.

    Runs once per appeal: the signature row marks it done (`duplicates.appeal_index_new`), and a
    second run, or one racing the first, does nothing. Returns whether this run did the work. Email
    and SMS leave after this transaction commits."""
    try:
        appeal = Appeal.objects.select_related("handling_unit", "origin_unit").get(pk=appeal_id)
    except Appeal.DoesNotExist:
        return False
    if not duplicates.appeal_index_new(appeal):
        return False
    if appeal.state == State.SUBMITTED:
        notify.appeal_submitted(appeal)
    if appeal.flag_distress:
        notify.appeal_distress(appeal)
    return True


# --- transitions ----------------------------------------------------------------------------------
