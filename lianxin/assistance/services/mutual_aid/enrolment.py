"""Enrolling members in a plan; their premiums enter the plan's fund as one batch."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import ASSISTANCE_RECORD
from lianxin.members.models import Member, MemberStatus
from lianxin.org.models import Unit

from ...models import Enrolment, EntryKind, MutualAidPlan
from ..applications import member_require_in_union
from ..base import AssistanceConflict, AssistanceError, require_permission
from ..funds import fund_income
from .plans import _is_within, plan_accepts_enrolment


def enrolment_add(*, actor, plan: MutualAidPlan, members: Iterable[Member], on=None) -> list[Enrolment]:
    """Enrol members in the plan; their premiums enter the plan's fund as one PREMIUM entry.

    Each member must be active, in the plan's unit and where the actor records assistance, and not
    enrolled in this plan already; otherwise nothing is enrolled and the error names the member.
    """
    on = on or timezone.localdate()
    members = list(members)
    if not members:
        raise AssistanceError(_("没有可参保的职工。"))
    for member in members:
        require_permission(actor, member.unit, ASSISTANCE_RECORD)
    with transaction.atomic():
        plan = MutualAidPlan.objects.select_for_update().select_related("fund", "unit").get(pk=plan.pk)
        if not plan_accepts_enrolment(plan, on):
            raise AssistanceError(_("“%(plan)s”已停止参保。") % {"plan": plan.name})
        taken = set(
            Enrolment.objects.filter(plan=plan, member__in=members).values_list("member_id", flat=True)
        )
        for member in members:
            if member.pk in taken:
                raise AssistanceError(
                    _("%(name)s(%(no)s)已参加这个计划。") % {"name": member.name, "no": member.member_no}
                )
            member_require_in_union(member, pgettext("离会后不能做的事", "参保"))
            if not _is_within(member.unit, plan.unit):
                raise AssistanceError(
                    _("%(name)s(%(no)s)不在“%(plan)s”的范围内。")
                    % {"name": member.name, "no": member.member_no, "plan": plan.name}
                )
        entry = None
        total = plan.premium * len(members)
        if total > 0:
            entry = fund_income(
                fund=plan.fund,
                kind=EntryKind.PREMIUM,
                amount=total,
                actor=actor,
                note=_("%(plan)s 会费 %(count)s 人") % {"plan": plan.name, "count": len(members)},
            )
        try:
            with transaction.atomic():
                enrolments = Enrolment.objects.bulk_create(
                    Enrolment(
                        plan=plan,
                        member=member,
                        unit=member.unit,
                        premium=plan.premium,
                        enrolled_on=on,
                        enrolled_by=actor,
                        premium_entry=entry,
                    )
                    for member in members
                )
        except IntegrityError:  # enrolled by someone else in between (the plan lock makes this rare)
            raise AssistanceConflict(_("有职工刚被其他人登记参保,请刷新后再操作。")) from None
        audit_log(
            code="assistance.enrolment.added",
            actor=actor,
            target=plan,
            unit=plan.unit,
            count=len(enrolments),
            premium_total=str(total),
            members=[member.pk for member in members],
        )
    return enrolments


def enrolment_add_unit(*, actor, plan: MutualAidPlan, unit: Unit, on=None) -> list[Enrolment]:
    """Enrol every active member of `unit`'s subtree not yet in the plan, as one batch."""
    require_permission(actor, unit, ASSISTANCE_RECORD)
    if not _is_within(unit, plan.unit):
        raise AssistanceError(_("“%(unit)s”不在这个计划的范围内。") % {"unit": unit.name})
    members = (
        Member.objects.filter(unit__path__startswith=unit.path, status=MemberStatus.ACTIVE)
        .exclude(pk__in=Enrolment.objects.filter(plan=plan).values("member_id"))
        .select_related("unit")
        .order_by("unit__path", "member_no")
    )
    members = list(members)
    if not members:
        raise AssistanceError(_("“%(unit)s”的在会职工都已参保。") % {"unit": unit.name})
    return enrolment_add(actor=actor, plan=plan, members=members, on=on)
