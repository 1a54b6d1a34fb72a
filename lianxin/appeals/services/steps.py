"""The steps on an appeal after intake: accept, deliberate, handle, refer, answer, rate, and the other ends."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core.capabilities import (
    APPEALS_HANDLE,
    APPEALS_SUPERVISE,
)
from lianxin.core.permissions import has_unit_permission
from lianxin.org.models import Unit

from .. import deadlines, duplicates, notify
from ..models import (
    OPEN_STATES,
    Appeal,
    Category,
    Channel,
    Department,
    Flag,
    Meeting,
    MeetingItem,
    Rating,
    Referral,
    Score,
    State,
)
from .base import (
    Action,
    AppealConflict,
    AppealError,
    _ancestors,
    _check_text,
    _check_worker,
    _event,
    _first,
    _locked,
    _require,
    _require_state,
    _response_on_time,
    _save,
    _worker_side_actor,
)
from .intake import handling_unit_for


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
    for merged in appeal.merged_appeals.select_for_update().order_by("pk"):
        # The copies share the decision and its reason, as they share an answer.
        merged.reject_reason = reason
        _save(merged, "reject_reason")
        _event(
            merged,
            Action.REJECTED,
            actor=rejected_by,
            from_state=merged.state,
            note=reason,
            data={"via": appeal.number, "via_id": appeal.pk},
        )
        notify.appeal_to_worker(merged, _("您的诉求所并入的诉求不予受理"), body=reason)
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
    for merged in appeal.merged_appeals.select_for_update().order_by("pk"):
        _unmerge(merged, withdrawn=appeal)
    return appeal


def _unmerge(merged: Appeal, *, withdrawn: Appeal) -> None:
    """The appeal others were merged into was withdrawn: each copy is handled on its own again, in the
    state it was merged from, so no worker is left without an answer."""
    merged_event = merged.events.filter(action=Action.MERGED).order_by("-at", "-id").first()
    back_to = (
        merged_event.from_state if merged_event and merged_event.from_state in OPEN_STATES else State.ACCEPTED
    )
    merged.state = back_to
    merged.merged_into = None
    merged.closed_at = None
    _save(merged, "state", "merged_into", "closed_at")
    _event(
        merged,
        Action.REOPENED,
        from_state=State.MERGED,
        to_state=back_to,
        note=_("所并入的诉求 %(number)s 已被撤回,本件恢复单独办理。") % {"number": withdrawn.number},
        data={"unmerged_from": withdrawn.pk},
    )
    duplicates.appeal_index(merged)
    notify.appeal_to_handlers(merged, _("并入的诉求被撤回,本件恢复单独办理"))


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
def appeal_remind(
    *, appeal: Appeal, reminded_by, note: str = "", order: bool = False, expected_version: int | None = None
) -> Appeal:
    """催办 (a reminder) or, with `order`, 督办 (a supervision order): on the record, the handlers told."""
    appeal = _locked(appeal, expected_version)
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
    *,
    appeal: Appeal,
    confirmed_by,
    flags: list[str],
    category: Category | None = None,
    expected_version: int | None = None,
) -> Appeal:
    """A handler confirms (or corrects) the flags the rules found, and may correct the category."""
    unknown = set(flags) - set(Flag.values)
    if unknown:
        raise ValidationError({"flags": _("未知的标记:%(flags)s") % {"flags": "、".join(sorted(unknown))}})
    appeal = _locked(appeal, expected_version)
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


REMIND_BEFORE = dt.timedelta(hours=24)


"""The sweep reminds the handlers once when an appeal's answer limit is this close."""


def meeting_add_item(*, meeting: Meeting, appeal: Appeal, added_by) -> MeetingItem:
    if not appeal.handling_unit.path.startswith(meeting.unit.path):
        raise ValidationError({"appeal": _("只能把本单位承办的诉求列入议程。")})
    item, _created = MeetingItem.objects.get_or_create(meeting=meeting, appeal=appeal)
    return item
