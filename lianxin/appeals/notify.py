"""Who is told what about an appeal. Called inside the transaction of the change (see core.notifications)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from lianxin.core.capabilities import APPEALS_HANDLE, APPEALS_SUPERVISE
from lianxin.core.models import RoleAssignment, User
from lianxin.core.notifications import Message, notify

from .models import Appeal, CareContact, Referral


def _office_url(appeal: Appeal) -> str:
    return reverse("appeals:detail", args=[appeal.pk])


def unit_people(unit, capability: str) -> list[User]:
    """Active users holding `capability` through a role held on this very unit."""
    rows = RoleAssignment.objects.filter(unit=unit, user__is_active=True).select_related("user", "role")
    return list(
        {row.user_id: row.user for row in rows if capability in (row.role.capabilities or [])}.values()
    )


def _worker(appeal: Appeal) -> User | None:
    if appeal.is_anonymous:
        return None
    if appeal.submitted_by_id:
        return appeal.submitted_by
    if appeal.member_id and appeal.member.user_id:
        return appeal.member.user
    return None


def appeal_submitted(appeal: Appeal) -> None:
    people = unit_people(appeal.handling_unit, APPEALS_HANDLE)
    urgent = appeal.flag_safety_urgent or appeal.flag_distress
    title = _("新诉求 %(number)s:%(title)s") % {"number": appeal.number, "title": appeal.title}
    if urgent:
        title = _("【紧急】") + title
    notify(people, Message(title=title, url=_office_url(appeal), target=f"appeal:{appeal.pk}", sms=urgent))


def appeal_distress(appeal: Appeal) -> None:
    """Tell the care person of the nearest unit that names one, at once and by SMS."""
    paths = [appeal.origin_unit.path[:end] for end in range(4, len(appeal.origin_unit.path) + 1, 4)]
    contact = (
        CareContact.objects.filter(unit__path__in=paths)
        .select_related("user", "unit")
        .order_by("-unit__depth")
        .first()
    )
    people = [contact.user] if contact else unit_people(appeal.handling_unit, APPEALS_HANDLE)
    notify(
        people,
        Message(
            title=_("【心理危机】请立即关注诉求 %(number)s") % {"number": appeal.number},
            body=appeal.title,
            url=_office_url(appeal),
            target=f"appeal:{appeal.pk}",
            sms=True,
        ),
    )


def appeal_to_worker(appeal: Appeal, title: str, *, body: str = "") -> None:
    worker = _worker(appeal)
    if worker is None:
        return
    notify(
        [worker],
        Message(
            title=f"{title}({appeal.number})",
            body=body,
            url=reverse("appeals:mine_detail", args=[appeal.pk]),
            target=f"appeal:{appeal.pk}",
        ),
    )


def appeal_to_handlers(appeal: Appeal, title: str, *, body: str = "", sms: bool = False) -> None:
    people = {user.pk: user for user in unit_people(appeal.handling_unit, APPEALS_HANDLE)}
    if appeal.assignee_id and appeal.assignee.is_active:
        people[appeal.assignee_id] = appeal.assignee
    notify(
        people.values(),
        Message(
            title=f"{title}({appeal.number})",
            body=body,
            url=_office_url(appeal),
            target=f"appeal:{appeal.pk}",
            sms=sms,
        ),
    )


def appeal_to_users(appeal: Appeal, users, title: str, *, body: str = "") -> None:
    notify(
        users,
        Message(
            title=f"{title}({appeal.number})",
            body=body,
            url=_office_url(appeal),
            target=f"appeal:{appeal.pk}",
        ),
    )


def referral_to_department(referral: Referral) -> None:
    notify(
        referral.department.handlers.filter(is_active=True),
        Message(
            title=_("转办:%(title)s(%(number)s)")
            % {"title": referral.appeal.title, "number": referral.appeal.number},
            body=referral.note,
            url=reverse("appeals:referral", args=[referral.pk]),
            target=f"appeal:{referral.appeal_id}",
        ),
    )


def appeal_escalated(appeal: Appeal, unit) -> None:
    people = {u.pk: u for u in unit_people(unit, APPEALS_SUPERVISE)}
    people.update({u.pk: u for u in unit_people(unit, APPEALS_HANDLE)})
    notify(
        people.values(),
        Message(
            title=_("超期升级:%(number)s %(title)s") % {"number": appeal.number, "title": appeal.title},
            url=_office_url(appeal),
            target=f"appeal:{appeal.pk}",
        ),
    )


def appeal_overdue(appeal: Appeal) -> None:
    appeal_to_handlers(appeal, _("诉求已超期"))
