"""The aid API: programmes, applications and every step on them.

Answers beyond the shared ones (core/api.py): 409 `conflict` when the application changed under
the caller (`version` is stale: someone acted first) or the step is not possible in its status;
422 `insufficient_funds` when the fund cannot cover an approval, 422 `not_possible` for any other
rule (caps, once per period, eligibility, recorder ≠ approver ≠ payer), 422 with the field's path
for bad input. 404 for anything outside the caller's scope; 403 for a step on a visible application
that is not the caller's to take.

`POST /applications/{id}/actions/pay` needs an `Idempotency-Key` header (422 without it): a retry
with the same key answers 200 with the first payment and `"replayed": true`, never a second one;
the same key with another body answers 422. Money is a string with two decimals.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from lianxin.appeals.selectors import appeal_get
from lianxin.core.api import ERRORS, Pagination
from lianxin.core.audit import access_log, target_of
from lianxin.core.capabilities import ASSISTANCE_VIEW
from lianxin.core.permissions import get_object_in_scope, scope_q
from lianxin.org.models import Unit

from .. import services
from ..models import Application
from ..selectors import applications as selectors
from ..selectors.files import file_get, member_for_file
from ..selectors.funds import fund_get_for_user
from ..services import programmes
from .common import ACTION_PATH, WITH_CONFLICTS, answers_domain_errors, pay_key_missing
from .schemas_money import (
    ApplicationAction,
    ApplicationActionIn,
    ApplicationFiltersIn,
    ApplicationIn,
    ApplicationListOut,
    ApplicationOut,
    ProgrammeFiltersIn,
    ProgrammeIn,
    ProgrammeOut,
)

router = Router()


def view_unit(user, unit_id: int) -> Unit:
    """A unit where the user holds assistance.view, else 404."""
    return get_object_in_scope(Unit.objects.filter(scope_q(user, ASSISTANCE_VIEW)), pk=unit_id)


# --- programmes ------------------------------------------------------------------------------------


@router.get(
    "/programmes",
    response={200: list[ProgrammeOut], **ERRORS},
    summary="List the programmes one can record aid under",
)
@paginate(Pagination)
def programme_list(request: HttpRequest, filters: Query[ProgrammeFiltersIn]):
    member = None
    if filters.member is not None:
        member = member_for_file(fetched_by=request.user, member_id=filters.member)
    return selectors.programme_list(fetched_by=request.user, member=member, active_only=filters.active)


@router.post(
    "/programmes",
    response={201: ProgrammeOut, **WITH_CONFLICTS},
    summary="Set up a programme (needs assistance.configure on its unit)",
)
@answers_domain_errors
def programme_create(request: HttpRequest, payload: ProgrammeIn):
    user = request.user
    unit = view_unit(user, payload.unit)
    try:
        fund = fund_get_for_user(fetched_by=user, fund_id=payload.fund)
    except Http404:
        raise ValidationError({"fund": _("没有这项资金,或不在您的范围内。")}) from None
    rules = payload.model_dump(exclude={"unit", "fund"})
    programme = programmes.programme_create(actor=user, unit=unit, fund=fund, **rules)
    return Status(201, selectors.programme_get_for_user(fetched_by=user, programme_id=programme.pk))


# --- applications ----------------------------------------------------------------------------------


def _filters(user, filters: ApplicationFiltersIn) -> selectors.ApplicationFilters:
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError({"to": _("结束日期不能早于开始日期。")})
    programme = None
    if filters.programme is not None:
        programme = selectors.programme_get_for_user(fetched_by=user, programme_id=filters.programme)
    return selectors.ApplicationFilters(
        status=filters.status or "",
        programme=programme,
        unit=view_unit(user, filters.unit) if filters.unit else None,
        member=filters.member,
        date_from=filters.date_from,
        date_to=filters.date_to,
        q=filters.q.strip(),
    )


@router.get(
    "/applications",
    response={200: list[ApplicationListOut], **ERRORS},
    summary="List aid applications in scope (names masked)",
)
@paginate(Pagination)
def application_list(request: HttpRequest, filters: Query[ApplicationFiltersIn]):
    user = request.user
    chosen = _filters(user, filters)
    if filters.queue:
        queue = selectors.approval_queue if filters.queue == "to_approve" else selectors.payment_queue
        scoped = selectors.application_list(fetched_by=user, filters=chosen)
        return queue(fetched_by=user).filter(pk__in=scoped.values("pk"))
    return selectors.application_list(fetched_by=user, filters=chosen)


def _detail(user, application_id: int) -> Application:
    application = selectors.application_get_for_user(fetched_by=user, application_id=application_id)
    application.event_rows = selectors.application_events(application=application)
    return application


def _record_arguments(user, payload: ApplicationIn) -> dict:
    errors: dict[str, str] = {}
    found = {}
    lookups = {
        "programme": (
            lambda: selectors.programme_get_for_user(fetched_by=user, programme_id=payload.programme),
            _("没有这个帮扶项目,或不在您的范围内。"),
        ),
        "member": (
            lambda: member_for_file(fetched_by=user, member_id=payload.member),
            _("没有这个会员,或不在您可登记帮扶的范围内。"),
        ),
    }
    if payload.file is not None:
        lookups["file"] = (
            lambda: file_get(fetched_by=user, file_id=payload.file),
            _("没有这个困难档案,或不在您的范围内。"),
        )
    if payload.appeal is not None:
        lookups["appeal"] = (
            lambda: appeal_get(fetched_by=user, appeal_id=payload.appeal),
            _("没有这件诉求,或不在您的范围内。"),
        )
    for field, (finder, message) in lookups.items():
        try:
            found[field] = finder()
        except Http404:
            errors[field] = message
    if errors:
        raise ValidationError(errors)
    return {
        "actor": user,
        "programme": found["programme"],
        "member": found["member"],
        "reason": payload.reason,
        "amount": payload.amount,
        "school_level": payload.school_level or "",
        "goods": payload.goods,
        "file": found.get("file"),
        "appeal": found.get("appeal"),
        "on": payload.on,
    }


@router.post(
    "/applications",
    response={201: ApplicationOut, **WITH_CONFLICTS},
    summary="Record an aid application (pending approval)",
)
@answers_domain_errors
def application_create(request: HttpRequest, payload: ApplicationIn):
    user = request.user
    application = services.application_record(**_record_arguments(user, payload))
    try:
        return Status(201, _detail(user, application.pk))
    except Http404:  # recorded where the recorder may record but not look
        application.event_rows = []
        return Status(201, application)


@router.get(
    "/applications/{int:application_id}",
    response={200: ApplicationOut, **ERRORS},
    summary="One application with its steps (logged as a view of personal data)",
)
def application_detail(request: HttpRequest, application_id: int):
    application = _detail(request.user, application_id)
    access_log(
        user=request.user,
        action="view",
        subject=target_of(application),
        fields=["member", "reason"],
        request=request,
        number=application.number,
        channel="api",
    )
    return application


def _act(action: str, application: Application, user, body: ApplicationActionIn, key: str | None) -> bool:
    """Run the step; True when it was a payment replayed from its idempotency key."""
    common = {"actor": user, "application": application, "version": body.version}
    if action == "approve":
        services.application_approve(**common, note=body.note)
    elif action == "return":
        services.application_return(**common, reason=body.reason or "")
    elif action == "void":
        services.application_void(**common, reason=body.reason or "")
    elif action == "reverse":
        services.application_reverse(**common, reason=body.reason or "")
    elif action == "resubmit":
        services.application_resubmit(**common, amount=body.amount, reason=body.reason, note=body.note)
    elif action == "pay":
        outcome = services.application_pay(
            **common, reference=body.reference, idempotency_key=key, note=body.note, paid_on=body.paid_on
        )
        return outcome.replayed
    else:  # the Literal path parameter lets no other action through
        raise Http404
    return False


@router.post(
    "/applications/{int:application_id}/actions/{action}",
    response={200: ApplicationOut, **WITH_CONFLICTS},
    summary="Take a step on an application",
    description=(
        "approve (note), return (reason), void (reason), resubmit (amount, reason, note), "
        "pay (reference, note, paid_on; needs the Idempotency-Key header), reverse (reason). "
        "Always send the version you read: 409 when someone else acted first."
    ),
)
@answers_domain_errors
def application_act(
    request: HttpRequest,
    application_id: int,
    body: ApplicationActionIn,
    action: ApplicationAction = ACTION_PATH,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="发放(pay)必填:重试时带上同一个值,回答第一次的结果,不会重复发放",
    ),
):
    user = request.user
    application = selectors.application_get_for_user(fetched_by=user, application_id=application_id)
    if action == "pay" and not idempotency_key:
        return pay_key_missing(_("登记发放须带 Idempotency-Key 请求头,重试时用同一个值,才不会重复发放。"))
    replayed = _act(action, application, user, body, idempotency_key)
    application = _detail(user, application_id)
    application.replayed = replayed
    return application
