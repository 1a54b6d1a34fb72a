"""Deliberation meetings (集中议事) and publishing answers to 员工有问有答."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.audit import audit_log
from lianxin.core.capabilities import (
    APPEALS_DELIBERATE,
    APPEALS_PUBLISH,
)
from lianxin.core.permissions import has_unit_permission
from lianxin.org.models import Unit

from .. import rules
from ..models import (
    OPEN_STATES,
    Appeal,
    DeadlineRule,
    Department,
    Kind,
    Meeting,
    MeetingItem,
    PublicAnswer,
    State,
)
from .base import Action, AppealConflict, AppealError, _event, _locked, _require_state
from .steps import appeal_answer, appeal_refer, appeal_reject, appeal_start, meeting_add_item


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
