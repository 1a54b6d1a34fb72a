"""Pairings (结对帮扶), their visits, and the follow-up visit after aid (跟踪问效).

A cadre with assistance.record pairs a leader — a user holding a role in the subtree where the
cadre records — with a household in hardship, and says how often the leader should visit. The
leader (or a cadre on their behalf) records each visit. After aid is paid, a follow-up visit
records whether it arrived and what changed; it sets `Application.followed_up_on` and writes the
application's FOLLOWED_UP event in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import ASSISTANCE_RECORD
from lianxin.core.notifications import Message, notify
from lianxin.core.permissions import has_unit_permission
from lianxin.core.text import mask_name

from ..models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Effect,
    FileStatus,
    HardshipFile,
    Pairing,
    Visit,
)
from .base import AssistanceError, require_permission

MAX_VISITS_PER_YEAR = 52


def _text(value, field: str, limit: int, *, required: bool = False, label: str = "") -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("请填写%(what)s。") % {"what": label}})
    if len(text) > limit:
        raise ValidationError({field: _("最多 %(n)d 个字。") % {"n": limit}})
    return text


def pairing_create(
    *, actor, file: HardshipFile, leader, visits_per_year: int = 4, on: dt.date | None = None
) -> Pairing:
    """Pair `leader` with the household of `file` (assistance.record on the file's unit)."""
    from ..selectors.pairing import leader_candidates

    require_permission(actor, file.unit, ASSISTANCE_RECORD)
    on = on or timezone.localdate()
    try:
        visits_per_year = int(visits_per_year)
    except (TypeError, ValueError):
        visits_per_year = 0
    if not 1 <= visits_per_year <= MAX_VISITS_PER_YEAR:
        raise ValidationError(
            {"visits_per_year": _("每年走访次数应在 1 到 %(n)d 之间。") % {"n": MAX_VISITS_PER_YEAR}}
        )
    if on > timezone.localdate():
        raise ValidationError({"started_on": _("结对日期不能晚于今天。")})
    if leader is None or not leader_candidates(fetched_by=actor, file=file).filter(pk=leader.pk).exists():
        raise ValidationError({"leader": _("只能选择在本单位或下属单位任职的领导。")})
    with transaction.atomic():
        file = HardshipFile.objects.select_for_update().get(pk=file.pk)
        if file.status != FileStatus.ACTIVE:
            raise AssistanceError(_("档案已脱困,不能再结对。"))
        if on < file.opened_on:
            raise ValidationError({"started_on": _("结对日期不能早于建档日期。")})
        if Pairing.objects.filter(file=file, leader=leader, ended_on__isnull=True).exists():
            raise ValidationError({"leader": _("这位领导已与该户结对。")})
        try:
            with transaction.atomic():
                pairing = Pairing.objects.create(
                    file=file,
                    leader=leader,
                    unit=file.unit,
                    visits_per_year=visits_per_year,
                    started_on=on,
                    created_by=actor,
                )
        except IntegrityError:
            raise ValidationError({"leader": _("这位领导已与该户结对。")}) from None
        audit_log(
            code="assistance.pairing.created",
            actor=actor,
            target=pairing,
            unit=file.unit,
            file=file.number,
            leader=leader.pk,
            visits_per_year=visits_per_year,
        )
        notify(
            [leader],
            Message(
                title=_("结对帮扶:%(name)s 一户") % {"name": mask_name(file.member.name)},
                body=_("请每年至少走访 %(n)d 次,走访后在“我的结对”中登记。") % {"n": visits_per_year},
                url=reverse("assistance:pairing_detail", args=[pairing.pk]),
                target=f"assistance.pairing:{pairing.pk}",
            ),
        )
    return pairing


def pairing_end(*, actor, pairing: Pairing, reason: str, on: dt.date | None = None) -> Pairing:
    """End a pairing with the reason on record (it stays in the history)."""
    require_permission(actor, pairing.unit, ASSISTANCE_RECORD)
    reason = _text(reason, "reason", 200, required=True, label=_("结束原因"))
    on = on or timezone.localdate()
    with transaction.atomic():
        pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
        if pairing.ended_on is not None:
            raise AssistanceError(_("结对已经结束。"))
        if on < pairing.started_on:
            raise ValidationError({"ended_on": _("结束日期不能早于结对日期。")})
        pairing.ended_on = on
        pairing.end_reason = reason
        pairing.save(update_fields=["ended_on", "end_reason"])
        audit_log(
            code="assistance.pairing.ended", actor=actor, target=pairing, unit=pairing.unit, reason=reason
        )
    return pairing


def _visited_on(value, earliest: dt.date | None, *, too_early: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationError({"visited_on": _("请填写走访日期。")})
    if value > timezone.localdate():
        raise ValidationError({"visited_on": _("走访日期不能晚于今天。")})
    if earliest is not None and value < earliest:
        raise ValidationError({"visited_on": too_early})
    return value


def visit_record(
    *,
    actor,
    kind: str,
    visited_on: dt.date,
    notes: str,
    pairing: Pairing | None = None,
    application: Application | None = None,
    aid_arrived: bool | None = None,
    effect: str = "",
    needs: str = "",
) -> Visit:
    """Record a pairing visit (the paired leader, or a cadre with assistance.record) or the
    follow-up after aid (assistance.record on the application's unit)."""
    notes = _text(notes, "notes", 2000, required=True, label=_("走访情况"))
    needs = _text(needs, "needs", 1000)
    if effect and effect not in Effect.values:
        raise ValidationError({"effect": _("帮扶效果不正确。")})
    if kind == Visit.Kind.PAIRING:
        if pairing is None:
            raise ValidationError({"pairing": _("请选择结对。")})
        return _pairing_visit(
            actor=actor, pairing=pairing, visited_on=visited_on, notes=notes, effect=effect, needs=needs
        )
    if kind == Visit.Kind.FOLLOW_UP:
        if application is None:
            raise ValidationError({"application": _("请选择要回访的帮扶。")})
        if aid_arrived is None:
            raise ValidationError({"aid_arrived": _("请说明帮扶是否已到位。")})
        return _follow_up(
            actor=actor,
            application=application,
            visited_on=visited_on,
            notes=notes,
            aid_arrived=bool(aid_arrived),
            effect=effect,
            needs=needs,
        )
    raise ValidationError({"kind": _("走访类型不正确。")})


def _pairing_visit(*, actor, pairing: Pairing, visited_on, notes, effect, needs) -> Visit:
    if actor.pk != pairing.leader_id:
        require_permission(actor, pairing.unit, ASSISTANCE_RECORD)
    with transaction.atomic():
        pairing = (
            Pairing.objects.select_for_update().select_related("file", "file__member").get(pk=pairing.pk)
        )
        if pairing.ended_on is not None:
            raise AssistanceError(_("结对已经结束,不能再登记走访。"))
        visited_on = _visited_on(visited_on, pairing.started_on, too_early=_("走访日期不能早于结对日期。"))
        visit = Visit.objects.create(
            kind=Visit.Kind.PAIRING,
            file=pairing.file,
            pairing=pairing,
            unit=pairing.unit,
            visited_on=visited_on,
            visitor=actor,
            effect=effect,
            notes=notes,
            needs=needs,
        )
        audit_log(
            code="assistance.pairing.visited",
            actor=actor,
            target=visit,
            unit=pairing.unit,
            pairing=pairing.pk,
            file=pairing.file.number,
            visited_on=visited_on.isoformat(),
        )
        if needs and pairing.created_by_id != actor.pk:
            notify(
                [pairing.created_by],
                Message(
                    title=_("结对走访反映新的困难:%(file)s") % {"file": pairing.file.number},
                    body=needs,
                    url=reverse("assistance:file_detail", args=[pairing.file_id]),
                    target=f"assistance.hardshipfile:{pairing.file_id}",
                ),
            )
    return visit


def _follow_up(*, actor, application: Application, visited_on, notes, aid_arrived, effect, needs) -> Visit:
    require_permission(actor, application.unit, ASSISTANCE_RECORD)
    with transaction.atomic():
        application = (
            Application.objects.select_for_update().select_related("programme").get(pk=application.pk)
        )
        if application.status != ApplicationStatus.PAID:
            raise AssistanceError(_("只有已发放的帮扶才能回访。"))
        visited_on = _visited_on(visited_on, application.paid_on, too_early=_("回访日期不能早于发放日期。"))
        visit = Visit.objects.create(
            kind=Visit.Kind.FOLLOW_UP,
            file=application.file,
            application=application,
            unit=application.unit,
            visited_on=visited_on,
            visitor=actor,
            aid_arrived=aid_arrived,
            effect=effect,
            notes=notes,
            needs=needs,
        )
        if application.followed_up_on is None or application.followed_up_on < visited_on:
            application.followed_up_on = visited_on
            application.save(update_fields=["followed_up_on"])
        arrived = _("帮扶已到位") if aid_arrived else _("帮扶未到位")
        summary = ";".join(
            str(part) for part in (arrived, Effect(effect).label if effect else "", notes) if part
        )
        ApplicationEvent.objects.create(
            application=application,
            action=ApplicationEvent.Action.FOLLOWED_UP,
            from_status=application.status,
            to_status=application.status,
            actor=actor,
            note=summary,
        )
        audit_log(
            code="assistance.application.followed_up",
            actor=actor,
            target=application,
            unit=application.unit,
            visit=visit.pk,
            aid_arrived=aid_arrived,
            effect=effect,
        )
        if not aid_arrived:
            notify(
                [application.recorded_by, application.paid_by],
                Message(
                    title=_("回访发现帮扶未到位:%(number)s") % {"number": application.number},
                    body=notes,
                    url=reverse("assistance:application_detail", args=[application.pk]),
                    target=f"assistance.application:{application.pk}",
                ),
            )
    return visit


BROUGHT_LIMIT = 200


def pairing_visit_record(
    *, actor, pairing: Pairing, visited_on: dt.date, notes: str, brought: str = "", needs: str = ""
) -> Visit:
    """A pairing visit as `visit_record` takes it (same rules), with what was brought (送去了什么)
    kept on a line of its own at the end of the notes."""
    notes = _text(notes, "notes", 2000, required=True, label=_("走访情况"))
    brought = _text(brought, "brought", BROUGHT_LIMIT)
    if brought:
        notes = "\n".join((notes, _("送去:%(what)s") % {"what": brought}))
    return visit_record(
        actor=actor, kind=Visit.Kind.PAIRING, pairing=pairing, visited_on=visited_on, notes=notes, needs=needs
    )


def may_record_visit(user, pairing: Pairing) -> bool:
    """The paired leader, or a cadre with assistance.record on the pairing's unit."""
    return pairing.leader_id == user.pk or has_unit_permission(user, pairing.unit, ASSISTANCE_RECORD)


__all__ = ["may_record_visit", "pairing_create", "pairing_end", "pairing_visit_record", "visit_record"]
