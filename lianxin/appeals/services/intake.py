"""Intake: numbering, routing to the handling unit, flags, category and duplicates on arrival."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.capabilities import (
    APPEALS_HANDLE,
    APPEALS_RECORD,
)
from lianxin.core.permissions import has_unit_permission
from lianxin.org.models import Unit

from .. import deadlines, duplicates, notify, rules
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
