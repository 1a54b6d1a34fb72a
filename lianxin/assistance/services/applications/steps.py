"""What every step on an application shares: the row lock, the version and status checks, the
event and audit rows, and telling the people who act next."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import ASSISTANCE_APPROVE
from lianxin.core.models import RoleAssignment
from lianxin.core.notifications import Message, notify
from lianxin.org.models import Unit

from ...models import APPLICATION_TRANSITIONS, Application, ApplicationEvent, ApplicationStatus, Fund
from ..base import AssistanceConflict, AssistanceError

Action = ApplicationEvent.Action
Status = ApplicationStatus

MAX_REASON = 2000


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related(
            "programme", "programme__unit", "programme__fund", "fund", "unit", "approval_unit", "member"
        )
        .get(pk=application.pk)
    )


def _reserving_fund(application: Application) -> Fund:
    """The fund the approval reserved on: where the application is paid or released."""
    if application.fund_id is None:  # approved outside the services (0005 filled the older ones)
        raise AssistanceError(
            _("帮扶申请 %(number)s 没有记录预留资金,无法继续。") % {"number": application.number}
        )
    return application.fund


def _require_step(application: Application, to: str, verb: str) -> None:
    if to not in APPLICATION_TRANSITIONS[application.status]:
        raise AssistanceConflict(
            _("帮扶申请 %(number)s 现在是“%(status)s”,不能%(verb)s。")
            % {"number": application.number, "status": application.get_status_display(), "verb": verb}
        )


def _required_text(value, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > MAX_REASON:
        raise ValidationError({field: _("内容过长,请精简到 %(n)d 字以内。") % {"n": MAX_REASON}})
    return value


def _save(application: Application, *fields: str) -> None:
    application.version += 1
    application.save(update_fields=[*fields, "version"])


def _step(application: Application, action: str, *, actor, old: str, note: str = "", at=None, **detail):
    """The event row and the audit row of one step, in the step's transaction."""
    ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=old,
        to_status=application.status,
        actor=actor,
        at=at or timezone.now(),
        note=note,
    )
    audit_log(
        code=f"assistance.application.{action}",
        actor=actor,
        target=application,
        unit=application.unit,
        number=application.number,
        from_status=old,
        to_status=application.status,
        amount=str(application.amount),
        **detail,
    )


def _url(application: Application) -> str:
    try:
        return reverse("assistance:application_detail", args=[application.pk])
    except NoReverseMatch:  # the pages are mounted by another module
        return ""


def holders(unit: Unit, capability: str, *, exclude=()) -> list:
    """Users holding `capability` through a role on `unit`, or else on the nearest unit above it
    where someone holds it: the people who act on the unit's aid."""
    paths = [unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    rows = RoleAssignment.objects.filter(unit__path__in=paths, user__is_active=True).select_related(
        "user", "role", "unit"
    )
    by_depth: dict[int, dict] = {}
    for row in rows:
        if capability in (row.role.capabilities or []) and row.user_id not in exclude:
            by_depth.setdefault(len(row.unit.path), {})[row.user_id] = row.user
    return list(by_depth[max(by_depth)].values()) if by_depth else []


def _tell(users: list, title: str, application: Application, body: str = "") -> None:
    """Notify `users` once the step has committed (nothing is said about a step rolled back)."""
    if not users:
        return
    message = Message(
        title=title, body=body, url=_url(application), target=f"assistance.application:{application.pk}"
    )
    transaction.on_commit(lambda: notify(users, message))


def _describe(application: Application) -> dict:
    return {
        "number": application.number,
        "programme": application.programme.name,
        "amount": f"{application.amount:,.2f}",
    }


def _tell_approvers(application: Application) -> None:
    _tell(
        holders(application.approval_unit, ASSISTANCE_APPROVE, exclude={application.recorded_by_id}),
        _("待审批:帮扶申请 %(number)s(%(programme)s,%(amount)s 元)") % _describe(application),
        application,
    )
