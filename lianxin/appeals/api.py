"""The appeals API: intake, lists, one appeal and its timeline, every step, the three rates, and the
anonymous follow-up by code.

Answers beyond the shared ones (core/api.py): 409 `conflict` when the appeal changed under the
caller (another handler acted first, or `expected_version` is stale) or the step is not possible in
its state (`not_possible`); the message says what happened. 404 for anything outside the caller's
scope; 403 for a step on a visible appeal that is not the caller's to take.

`POST /appeals` takes an optional `Idempotency-Key` header: a retry with the same key and body
answers 201 again with the first appeal and `"replayed": true` (never a second appeal); the same
key with another body answers 422. Keys are kept per user.

The follow-up endpoints under `/appeals/track/{code}` need no login: the code is the credential
(12 characters from 31, about 8·10^17 codes). They are not throttled here: a deployment should rate
limit `/api/v1/appeals/track/` at the proxy, and keep the path out of access logs.
"""

import datetime as dt
import functools
import hashlib

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from ninja import Header, Path, Query, Router, Status
from ninja.pagination import paginate

from lianxin.core import crypto
from lianxin.core.api import ERRORS, ErrorOut, Pagination, error_body
from lianxin.core.capabilities import APPEALS_VIEW
from lianxin.core.idempotency import (
    IdempotencyKeyReused,
    IdempotencyResultLost,
    fingerprint_of,
    idempotent,
)
from lianxin.core.permissions import get_object_in_scope, scope_paths, scope_q
from lianxin.members.selectors import member_get
from lianxin.org.models import Unit

from . import duplicates, reference, rules, selectors, services
from .models import OPEN_STATES, Appeal, Category, State
from .schemas import (
    ActionIn,
    AppealAction,
    AppealCreatedOut,
    AppealFiltersIn,
    AppealIn,
    AppealListOut,
    AppealOut,
    CheckIn,
    CheckOut,
    EventOut,
    RateIn,
    StatsFiltersIn,
    StatsOut,
    SupplementIn,
    TrackOut,
    WithdrawIn,
)

router = Router(tags=["appeals"])

SUBMIT_SCOPE = "appeals.submit"
REPLAY_WINDOW = dt.timedelta(hours=24)
CONFLICTS = {**ERRORS, 409: ErrorOut}
PUBLIC = {404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MIN_CHECK_TEXT = 5  # characters of normalized text before a check says anything (as the web form)


def _answers_conflicts(view):
    """Turn the services' domain errors into the one error shape: 409 with what happened."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except services.AppealConflict as exc:
            return Status(409, error_body("conflict", exc.message))
        except services.AppealError as exc:
            return Status(409, error_body("not_possible", exc.message))
        except IdempotencyKeyReused as exc:
            errors = [{"path": "header.Idempotency-Key", "message": exc.message}]
            return Status(422, error_body("idempotency_key_reused", exc.message, errors))
        except IdempotencyResultLost as exc:
            return Status(409, error_body("conflict", exc.message))

    return wrapper


def _view_unit(user, unit_id: int) -> Unit:
    """A unit where the user holds appeals.view, else 404."""
    return get_object_in_scope(Unit.objects.filter(scope_q(user, APPEALS_VIEW)), pk=unit_id)


def _top_unit(user) -> Unit:
    """The highest unit of the user's appeals.view scope (the whole tree's root for a superuser)."""
    paths = scope_paths(user, APPEALS_VIEW)
    units = Unit.objects.all() if paths is None else Unit.objects.filter(path__in=paths)
    unit = units.order_by("depth", "path").first()
    if unit is None:
        raise Http404
    return unit


# --- intake ---------------------------------------------------------------------------------------


def _intake_arguments(user, payload: AppealIn) -> dict:
    errors: dict[str, str] = {}
    try:
        unit = Unit.objects.get(pk=payload.origin_unit, is_active=True)
    except Unit.DoesNotExist:
        unit = None
        errors["origin_unit"] = _("没有这个单位。")
    category = None
    if payload.category:
        category = reference.current().category(payload.category)
        if category is None or not category.is_active:
            errors["category"] = _("没有这个类别。")
    member = None
    if payload.member is not None:
        if payload.channel not in services.RECORDED_CHANNELS:
            errors["member"] = _("只有代职工登记时才能指定诉求人。")
        else:
            try:
                member = member_get(fetched_by=user, member_id=payload.member)
            except Http404:
                errors["member"] = _("没有这个会员,或不在您的范围内。")
    received_at = payload.received_at
    if received_at is not None:
        if timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at, timezone.get_current_timezone())
        if not 2000 <= received_at.year <= 2100:
            errors["received_at"] = _("收到时间不正确。")
    if errors:
        raise ValidationError(errors)
    return {
        "submitted_by": user,
        "origin_unit": unit,
        "text": payload.text,
        "channel": payload.channel,
        "kind": payload.kind,
        "category": category,
        "anonymous": payload.anonymous,
        "member": member,
        "contact_name": payload.contact_name,
        "contact_phone": payload.contact_phone,
        "received_at": received_at,
        "title": payload.title,
        "confidential": payload.confidential,
        "publish_consent": payload.publish_consent,
        "flags": [str(flag) for flag in payload.flags] if payload.flags is not None else None,
    }


def _track_code_slot(user, key: str) -> str:
    """Where a replay finds the follow-up code: named by a keyed hash, so the cache names nobody."""
    ref = salted_hmac("lianxin.appeals.track-replay", f"{user.pk}|{SUBMIT_SCOPE}|{key}").hexdigest()
    return f"appeals:track-replay:{hashlib.sha256(ref.encode()).hexdigest()}"


def _similar(user, found: list[tuple[Appeal, float]]) -> list[dict]:
    """Near-identical open appeals: in full (with id) where the caller may view them; otherwise only
    number, title and state, and never a confidential one or one showing signs of distress (not for
    a coworker's eyes)."""
    if not found:
        return []
    visible = set(
        Appeal.objects.filter(
            selectors.appeal_scope_q(user), pk__in=[other.pk for other, _score in found]
        ).values_list("pk", flat=True)
    )
    return [
        {
            "id": other.pk if other.pk in visible else None,
            "number": other.number,
            "title": other.title,
            "state": other.state,
            "similarity": round(score, 2),
        }
        for other, score in found
        if other.pk in visible or not (other.confidential or other.flag_distress)
    ]


@router.post(
    "/check",
    response={200: CheckOut, **ERRORS},
    summary="Before submitting: the suggested category, flags, similar open appeals, published answers",
)
def appeal_check(request: HttpRequest, payload: CheckIn):
    """What the phone shows while the worker types (the web form's 先查一查). Nothing is stored.
    A client that showed this may submit with `?similar=false`."""
    unit = selectors.intake_unit_get(fetched_by=request.user, unit_id=payload.origin_unit)
    normalized = rules.normalize(payload.text)
    if len(normalized) < MIN_CHECK_TEXT:
        return {"ready": False}
    ref = reference.current()
    code = rules.suggest_category(normalized, table=ref.keywords)
    category = ref.category(code) if code else None
    return {
        "ready": True,
        "category": category.code if category else None,
        "category_name": category.name if category else None,
        "flags": sorted(rules.find_flags(normalized)),
        "similar": _similar(request.user, duplicates.similar_open(normalized, unit=unit)),
        "answers": selectors.public_answers_like(normalized),
    }


@router.post(
    "",
    response={201: AppealCreatedOut, **CONFLICTS},
    summary="Raise or record an appeal (idempotent with Idempotency-Key)",
)
@_answers_conflicts
def appeal_create(
    request: HttpRequest,
    payload: AppealIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="重试时带上同一个值:回答第一次建立的诉求,不会重复建立",
    ),
    similar: bool = Query(
        True,
        description="false:回答里不查近似诉求(`similar` 为空)。客户端在输入时已用 /appeals/check 查过时用它,提交更快",
    ),
):
    user = request.user
    arguments = _intake_arguments(user, payload)
    outcome = idempotent(
        user=user,
        scope=SUBMIT_SCOPE,
        key=idempotency_key,
        fingerprint=fingerprint_of(payload.model_dump(mode="json")),
        perform=lambda: services.appeal_submit(**arguments, find_similar=similar),
        target=lambda intake: intake.appeal,
        sealed=lambda intake: intake.appeal.is_anonymous,
    )
    appeal = outcome.target
    if outcome.replayed:
        sealed = cache.get(_track_code_slot(user, idempotency_key))
        appeal.track_code = crypto.decrypt(sealed) if sealed else None
        found = (
            duplicates.similar_open(appeal.text_normalized, unit=appeal.origin_unit, exclude_pk=appeal.pk)
            if similar
            else []
        )
    else:
        appeal.track_code = outcome.result.track_code
        found = outcome.result.similar
        if idempotency_key and appeal.track_code:
            cache.set(
                _track_code_slot(user, idempotency_key),
                crypto.encrypt(appeal.track_code),
                REPLAY_WINDOW.total_seconds(),
            )
    appeal.similar = _similar(user, found)
    appeal.replayed = outcome.replayed
    return Status(201, appeal)


# --- reads ----------------------------------------------------------------------------------------


@router.get("", response={200: list[AppealListOut], **ERRORS}, summary="List appeals in scope")
@paginate(Pagination)
def appeal_list(request: HttpRequest, filters: Query[AppealFiltersIn]):
    unit = _view_unit(request.user, filters.unit) if filters.unit else None
    chosen = selectors.AppealFilters(
        state=filters.state or "",
        unit=unit,
        category=filters.category,
        kind=filters.kind or "",
        channel=filters.channel or "",
        flag=filters.flag or "",
        q=filters.q,
        overdue=filters.overdue,
        date_from=filters.date_from,
        date_to=filters.date_to,
        bucket=filters.bucket or "",
    )
    return selectors.appeal_list(fetched_by=request.user, filters=chosen).select_related("member")


@router.get(
    "/stats",
    response={200: StatsOut, **ERRORS},
    summary="Counts and the three rates of a unit's subtree",
)
def appeal_stats(request: HttpRequest, filters: Query[StatsFiltersIn]):
    unit = _view_unit(request.user, filters.unit) if filters.unit else _top_unit(request.user)
    today = timezone.localdate()
    date_from = filters.date_from or today.replace(month=1, day=1)
    date_to = filters.date_to or today
    if date_from > date_to:
        message = _("结束日期不能早于开始日期。")
        errors = [{"path": "query.to", "message": message}]
        return Status(422, error_body("invalid", _("输入有误,请检查标出的字段。"), errors))
    rates = selectors.appeal_rates(unit=unit, date_from=date_from, date_to=date_to)
    return {
        **vars(rates),
        "unit_id": unit.pk,
        "unit_name": unit.name,
        "date_from": date_from,
        "date_to": date_to,
        "response_rate": rates.response_rate,
        "resolution_rate": rates.resolution_rate,
        "satisfaction_rate": rates.satisfaction_rate,
    }


@router.get("/{int:appeal_id}", response={200: AppealOut, **ERRORS}, summary="One appeal")
def appeal_detail(request: HttpRequest, appeal_id: int):
    return selectors.appeal_get(fetched_by=request.user, appeal_id=appeal_id)


@router.get(
    "/{int:appeal_id}/events", response={200: list[EventOut], **ERRORS}, summary="An appeal's timeline"
)
def appeal_events(request: HttpRequest, appeal_id: int):
    appeal = selectors.appeal_get(fetched_by=request.user, appeal_id=appeal_id)
    return selectors.appeal_events(appeal=appeal)


# --- steps ----------------------------------------------------------------------------------------


def _department(appeal: Appeal, department_id: int | None):
    department = (
        services.department_choices(appeal).filter(pk=department_id).first() if department_id else None
    )
    if department is None:
        raise ValidationError({"department": _("请选择本单位或上级单位的承办部门。")})
    return department


def _assignee(user_id: int | None, *, required: bool):
    from django.contrib.auth import get_user_model

    if user_id is None and not required:
        return None
    assignee = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if assignee is None:
        raise ValidationError({"assignee": _("此人不能办理这个单位的诉求。")})
    return assignee


def _merge_target(user, appeal_id: int | None) -> Appeal:
    try:
        if appeal_id is None:
            raise Http404
        return selectors.appeal_get(fetched_by=user, appeal_id=appeal_id)
    except Http404:
        raise ValidationError({"into": _("请选择您范围内要并入的诉求。")}) from None


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise ValidationError({"category": _("没有这个类别。")})
    return category


def _act(action: str, appeal: Appeal, user, body: ActionIn) -> None:
    version = body.expected_version
    common = {"appeal": appeal, "expected_version": version}
    if action == "accept":
        services.appeal_accept(**common, accepted_by=user, note=body.note)
    elif action == "request_info":
        services.appeal_request_info(**common, requested_by=user, question=body.note)
    elif action == "deliberate":
        services.appeal_send_to_deliberation(**common, sent_by=user, note=body.note)
    elif action == "start":
        assignee = _assignee(body.assignee, required=False)
        services.appeal_start(**common, started_by=user, assignee=assignee, note=body.note)
    elif action == "assign":
        assignee = _assignee(body.assignee, required=True)
        services.appeal_assign(**common, assigned_by=user, assignee=assignee)
    elif action == "refer":
        department = _department(appeal, body.department)
        services.appeal_refer(**common, referred_by=user, department=department, note=body.note)
    elif action == "extend":
        services.appeal_extend(**common, extended_by=user, reason=body.note)
    elif action == "answer":
        services.appeal_answer(**common, answered_by=user, answer=body.answer or body.note)
    elif action == "merge":
        into = _merge_target(user, body.into)
        services.appeal_merge(**common, merged_by=user, into=into, note=body.note)
    elif action == "reject":
        services.appeal_reject(**common, rejected_by=user, reason=body.note)
    elif action in ("remind", "supervise"):
        services.appeal_remind(**common, reminded_by=user, note=body.note, order=action == "supervise")
    elif action == "confirm_flags":
        flags = [str(flag) for flag in body.flags] if body.flags is not None else appeal.flags
        services.appeal_confirm_flags(
            **common, confirmed_by=user, flags=flags, category=_category(body.category)
        )
    else:  # the Literal path parameter lets no other action through
        raise Http404


@router.post(
    "/{int:appeal_id}/actions/{action}",
    response={200: AppealOut, **CONFLICTS},
    summary="Take a step on an appeal",
    description=(
        "accept, request_info (note: the question), deliberate, start (assignee), assign (assignee), "
        "refer (department, note), extend (note: the reason), answer (answer), merge (into), "
        "reject (note: the reason the worker sees), remind, supervise (note: the order), "
        "confirm_flags (flags, category). Send expected_version to be refused with 409 when "
        "someone else acted first."
    ),
)
@_answers_conflicts
def appeal_act(
    request: HttpRequest,
    appeal_id: int,
    action: AppealAction = Path(..., description="要执行的操作"),
    body: ActionIn | None = None,
):
    appeal = selectors.appeal_get(fetched_by=request.user, appeal_id=appeal_id)
    _act(action, appeal, request.user, body or ActionIn())
    return selectors.appeal_get(fetched_by=request.user, appeal_id=appeal_id)


# --- follow-up by code (no login) -----------------------------------------------------------------


def _code():
    return Path(..., min_length=1, max_length=40, description="提交时给出的查询码")


def _track_out(appeal: Appeal) -> dict:
    window_end = services.rating_window_end(appeal)
    worker_users = {appeal.submitted_by_id, appeal.member.user_id if appeal.member_id else None} - {None}
    events = [
        {
            "action": event.action,
            "action_label": event.get_action_display(),
            "at": event.at,
            "note": event.note,
            "actor_name": (
                event.actor.display_name if event.actor_id and event.actor_id not in worker_users else None
            ),
        }
        for event in selectors.appeal_events(appeal=appeal, for_worker=True)
    ]
    return {
        "number": appeal.number,
        "title": appeal.title,
        "text": appeal.text,
        "state": appeal.state,
        "state_label": appeal.get_state_display(),
        "category": appeal.category.name,
        "handling_unit_name": appeal.handling_unit.name,
        "received_at": appeal.received_at,
        "accept_due": appeal.accept_due,
        "answer_due": appeal.answer_due,
        "waiting_for_worker": appeal.is_paused,
        "answer": appeal.answer,
        "reject_reason": appeal.reject_reason,
        "merged_into_number": appeal.merged_into.number if appeal.merged_into_id else None,
        "rating_window_end": window_end,
        "can_rate": appeal.state == State.ANSWERED
        and window_end is not None
        and timezone.now() <= window_end,
        "can_supplement": appeal.is_paused and appeal.state in OPEN_STATES,
        "can_withdraw": appeal.state in OPEN_STATES,
        "events": events,
    }


@router.get(
    "/track/{code}",
    auth=None,
    response={200: TrackOut, 404: ErrorOut, 422: ErrorOut},
    summary="Follow an appeal by its code",
)
def appeal_track(request: HttpRequest, code: str = _code()):
    return _track_out(selectors.appeal_track(code=code))


@router.post("/track/{code}/rate", auth=None, response={200: TrackOut, **PUBLIC}, summary="Rate the answer")
@_answers_conflicts
def appeal_track_rate(request: HttpRequest, payload: RateIn, code: str = _code()):
    appeal = selectors.appeal_track(code=code)
    services.appeal_rate(appeal=appeal, score=str(payload.score), comment=payload.comment, track_code=code)
    return _track_out(selectors.appeal_track(code=code))


@router.post(
    "/track/{code}/supplement",
    auth=None,
    response={200: TrackOut, **PUBLIC},
    summary="Add what the handler asked for",
)
@_answers_conflicts
def appeal_track_supplement(request: HttpRequest, payload: SupplementIn, code: str = _code()):
    appeal = selectors.appeal_track(code=code)
    services.appeal_provide_info(appeal=appeal, text=payload.text, track_code=code)
    return _track_out(selectors.appeal_track(code=code))


@router.post(
    "/track/{code}/withdraw", auth=None, response={200: TrackOut, **PUBLIC}, summary="Withdraw the appeal"
)
@_answers_conflicts
def appeal_track_withdraw(request: HttpRequest, code: str = _code(), payload: WithdrawIn | None = None):
    appeal = selectors.appeal_track(code=code)
    services.appeal_withdraw(appeal=appeal, reason=(payload.reason if payload else ""), track_code=code)
    return _track_out(selectors.appeal_track(code=code))
