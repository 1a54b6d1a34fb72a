"""The mutual-aid API: plans with their figures, claims and every step on them.

Answers beyond the shared ones (core/api.py): 409 `conflict` when the claim changed under the
caller (`version` is stale) or the step is not possible in its status; 422 `insufficient_funds`
when the plan's fund cannot cover an approval; 422 `not_possible` for any other rule (a benefit of
zero, recorder ≠ approver ≠ payer, enrolment closed); 422 with the field's path for bad input
(`body.invoices.1.invoice_no` for an invoice already claimed). 404 for anything outside the
caller's scope; 403 for a step on a visible claim that is not the caller's to take.

`POST /mutual-aid/claims/{id}/actions/pay` needs an `Idempotency-Key` header (422 without it): a
retry with the same key answers 200 with the first payment and `"replayed": true`, never a second
one; the same key with another body answers 422.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status
from ninja.pagination import paginate

from lianxin.core.api import ERRORS, Pagination
from lianxin.core.audit import access_log, target_of

from ..models import Claim, Enrolment
from ..selectors import mutual_aid as selectors
from ..services import mutual_aid as services
from .common import ACTION_PATH, WITH_CONFLICTS, answers_domain_errors, pay_key_missing
from .schemas_mutual import (
    ClaimAction,
    ClaimActionIn,
    ClaimFiltersIn,
    ClaimIn,
    ClaimListOut,
    ClaimOut,
    PlanDetailOut,
    PlanOut,
)

router = Router()

# --- plans -------------------------------------------------------------------------------------------


@router.get(
    "/mutual-aid/plans",
    response={200: list[PlanOut], **ERRORS},
    summary="Mutual-aid plans in scope with their figures (insured, claims paid, amount paid)",
)
@paginate(Pagination)
def plan_list(request: HttpRequest):
    return selectors.plan_list(fetched_by=request.user)


@router.get(
    "/mutual-aid/plans/{int:plan_id}",
    response={200: PlanDetailOut, **ERRORS},
    summary="One plan with its figures per unit",
)
def plan_detail(request: HttpRequest, plan_id: int):
    user = request.user
    selectors.plan_get(fetched_by=user, plan_id=plan_id)  # 404 outside scope
    plan = selectors.plan_list(fetched_by=user).get(pk=plan_id)
    plan.units = selectors.plan_figures(plan=plan, fetched_by=user).units
    return plan


# --- claims ------------------------------------------------------------------------------------------


@router.get(
    "/mutual-aid/claims",
    response={200: list[ClaimListOut], **ERRORS},
    summary="Mutual-aid claims in scope (names masked)",
)
@paginate(Pagination)
def claim_list(request: HttpRequest, filters: Query[ClaimFiltersIn]):
    user = request.user
    plan = selectors.plan_get(fetched_by=user, plan_id=filters.plan) if filters.plan else None
    chosen = selectors.ClaimFilters(status=filters.status or "", plan=plan, q=filters.q)
    return selectors.claim_list(fetched_by=user, filters=chosen)


def _detail(user, claim_id: int) -> Claim:
    claim = selectors.claim_get(fetched_by=user, claim_id=claim_id)
    claim.invoice_rows = selectors.claim_invoices(claim=claim)
    claim.event_rows = selectors.claim_events(claim=claim)
    return claim


def _logged(request: HttpRequest, claim: Claim) -> Claim:
    access_log(
        user=request.user,
        action="view",
        subject=target_of(claim),
        fields=["member", "illness", "hospital", "invoices"],
        request=request,
        number=claim.number,
        channel="api",
    )
    return claim


def _enrolment(user, payload: ClaimIn) -> Enrolment:
    try:
        plan = selectors.plan_get(fetched_by=user, plan_id=payload.plan)
    except Http404:
        raise ValidationError({"plan": _("没有这个互助保障计划,或不在您的范围内。")}) from None
    enrolment = (
        selectors.enrolment_list(fetched_by=user, plan=plan)
        .select_related("plan", "plan__unit", "plan__fund")
        .filter(member_id=payload.member)
        .first()
    )
    if enrolment is None:
        raise ValidationError({"member": _("这名职工没有参加这个计划,或不在您的范围内。")})
    return enrolment


@router.post(
    "/mutual-aid/claims",
    response={201: ClaimOut, **WITH_CONFLICTS},
    summary="Record a claim with its invoices; the benefit follows the plan's rules",
)
@answers_domain_errors
def claim_create(request: HttpRequest, payload: ClaimIn):
    user = request.user
    claim = services.claim_record(
        actor=user,
        enrolment=_enrolment(user, payload),
        illness=payload.illness,
        hospital=payload.hospital,
        admitted_on=payload.admitted_on,
        discharged_on=payload.discharged_on,
        note=payload.note,
        invoices=[invoice.model_dump() for invoice in payload.invoices],
    )
    return Status(201, _detail(user, claim.pk))


@router.get(
    "/mutual-aid/claims/{int:claim_id}",
    response={200: ClaimOut, **ERRORS},
    summary="One claim with its invoices and steps (logged as a view of personal data)",
)
def claim_detail(request: HttpRequest, claim_id: int):
    return _logged(request, _detail(request.user, claim_id))


def _act(action: str, claim: Claim, user, body: ClaimActionIn, key: str | None) -> bool:
    """Run the step; True when it was a payment replayed from its idempotency key."""
    common = {"actor": user, "claim": claim, "version": body.version}
    if action == "approve":
        services.claim_approve(**common, note=body.note)
    elif action == "resubmit":
        services.claim_resubmit(**common, note=body.note)
    elif action == "return":
        services.claim_return(**common, reason=body.reason)
    elif action == "reject":
        services.claim_reject(**common, reason=body.reason)
    elif action == "reverse":
        services.claim_reverse(**common, reason=body.reason)
    elif action == "pay":
        outcome = services.claim_pay(**common, reference=body.reference, idempotency_key=key, note=body.note)
        return outcome.replayed
    else:  # the Literal path parameter lets no other action through
        raise Http404
    return False


@router.post(
    "/mutual-aid/claims/{int:claim_id}/actions/{action}",
    response={200: ClaimOut, **WITH_CONFLICTS},
    summary="Take a step on a claim",
    description=(
        "approve (note), return (reason), reject (reason), resubmit (note), "
        "pay (reference, note; needs the Idempotency-Key header), reverse (reason). "
        "Always send the version you read: 409 when someone else acted first."
    ),
)
@answers_domain_errors
def claim_act(
    request: HttpRequest,
    claim_id: int,
    body: ClaimActionIn,
    action: ClaimAction = ACTION_PATH,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="赔付(pay)必填:重试时带上同一个值,回答第一次的结果,不会重复赔付",
    ),
):
    user = request.user
    claim = selectors.claim_get(fetched_by=user, claim_id=claim_id)
    if action == "pay" and not idempotency_key:
        return pay_key_missing(_("赔付须带 Idempotency-Key 请求头,重试时用同一个值,才不会重复赔付。"))
    replayed = _act(action, claim, user, body, idempotency_key)
    claim = _detail(user, claim_id)
    claim.replayed = replayed
    return claim
