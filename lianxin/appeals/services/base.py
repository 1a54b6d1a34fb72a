"""What every appeal service shares: the errors, the row lock, the state guard and the event row."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.capabilities import (
    APPEALS_HANDLE,
)
from lianxin.core.permissions import has_unit_permission
from lianxin.org.models import Unit

from .. import stats
from ..models import (
    Appeal,
    AppealEvent,
)

Action = AppealEvent.Action


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


def track_digest(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(cleaned.encode()).hexdigest()


def _ancestors(unit: Unit) -> list[str]:
    return [unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]


def _check_text(text: str) -> str:
    text = (text or "").strip()
    if len(text) < 5:
        raise ValidationError({"text": _("请把问题说清楚,至少 5 个字。")})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _("内容过长,请精简到 %(n)d 字以内。") % {"n": MAX_TEXT}})
    return text


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
    event = AppealEvent.objects.create(
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
    if action in stats.COUNTED_ACTIONS:
        stats.mark(appeal)  # the rates' daily rollup of its unit and day is to be recomputed
    return event


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
