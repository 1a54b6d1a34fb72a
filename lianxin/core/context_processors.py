"""Navigation by role, and the warning about a year whose holidays are missing."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import capabilities as caps
from .permissions import capabilities_of
from .text import join_list
from .workdays import missing_years, years_to_check


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    held = capabilities_of(user)
    if getattr(request, "htmx", False):
        return {"user_capabilities": held}  # a fragment: no navigation bar to fill
    items = [(_("首页"), reverse("core:home"), "home")]
    if caps.ORG_VIEW in held:
        items.append((_("组织架构"), reverse("org:tree"), "org"))
    if caps.MEMBERS_VIEW in held:
        items.append((_("会员名册"), reverse("members:list"), "members"))
    if caps.MEMBERS_IMPORT in held:
        items.append((_("导入会员"), reverse("members:import"), "import"))
    appeals_home = (
        "appeals:worklist"
        if caps.APPEALS_HANDLE in held
        else "appeals:list"
        if caps.APPEALS_VIEW in held
        else "appeals:record"
        if caps.APPEALS_RECORD in held
        else ""
    )
    if appeals_home:
        items.append((_("诉求办理"), reverse(appeals_home), "appeals"))
    answers_referrals, has_pairings = _duties(user)
    if answers_referrals:
        items.append((_("转办事项"), reverse("appeals:referrals"), "referrals"))
    if caps.ASSISTANCE_VIEW in held:
        items.append((_("困难帮扶"), reverse("assistance:home"), "assistance"))
    if has_pairings:
        items.append((_("我的结对"), reverse("assistance:my_pairings"), "my_pairings"))
    items.append((_("我要说事"), reverse("appeals:submit"), "appeals_new"))
    items.append((_("我的诉求"), reverse("appeals:mine"), "appeals_mine"))
    items.append((_("有问有答"), reverse("appeals:qa"), "appeals_qa"))
    if hasattr(user, "member") and user.member is not None:
        items.append((_("我的信息"), reverse("members:detail", args=[user.member.pk]), "me"))
    context = {"nav_items": items, "user_capabilities": held, "unread_notifications": _unread(user)}
    if held:  # cadres and staff see the calendar warning; workers need not
        context["calendar_missing_years"] = join_list(missing_years(*years_to_check()))
        context["can_manage_calendar"] = caps.CALENDAR_MANAGE in held
    return context


def _duties(user) -> tuple[bool, bool]:
    """Whether the user answers referrals for a department, and is paired with a hardship
    household (结对帮扶): one query for both."""
    department = apps.get_model("appeals", "Department")
    pairing = apps.get_model("assistance", "Pairing")
    row = (
        get_user_model()
        ._default_manager.filter(pk=user.pk)
        .annotate(
            referrals=Exists(department.objects.filter(handlers=OuterRef("pk"))),
            pairings=Exists(pairing.objects.filter(leader=OuterRef("pk"), ended_on__isnull=True)),
        )
        .values_list("referrals", "pairings")
        .first()
    )
    return row or (False, False)


def _unread(user) -> int:
    from .models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).count()
