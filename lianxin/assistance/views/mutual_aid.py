"""Mutual-aid pages: the plans, one plan (figures, enrolment, the enrolled), the claims with their
status tabs, recording a claim (the benefit previewed as invoices are typed), one claim and its steps.

Views parse input, call one selector or service and shape the answer. A plan or claim outside the
user's scope answers 404 (GET and POST alike); a step the user's role does not give answers 403;
someone acting first answers with a message (409 for htmx). Names in lists are masked; opening a
claim (illness, hospital, invoices: health data) is written to the access log.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from lianxin.core import capabilities as caps
from lianxin.core.audit import access_log
from lianxin.core.idempotency import IdempotencyError
from lianxin.core.pagination import CappedPaginator
from lianxin.core.permissions import has_capability, has_unit_permission
from lianxin.core.text import mask_name
from lianxin.members.models import MemberStatus
from lianxin.members.selectors import member_list
from lianxin.org.models import Unit, UnitLevel

from ..forms_mutual import (
    STATUS_TABS,
    ClaimFilterForm,
    ClaimForm,
    EnrolMemberForm,
    EnrolUnitForm,
    InvoiceFormSet,
    PayForm,
    PlanForm,
    ReasonForm,
    StepForm,
)
from ..models import ClaimStatus
from ..selectors import mutual_aid as selectors
from ..services import mutual_aid as services
from ..services.base import AssistanceConflict, AssistanceError

PAGE_SIZE = 50
UNIT_CHOICES_CAP = 300
NAV = {"nav_active": "assistance"}


def _fragment_wanted(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _require_view(user) -> None:
    if not has_capability(user, caps.ASSISTANCE_VIEW):
        raise PermissionDenied(_("您没有查看帮扶记录的权限。"))


def _paging(request: HttpRequest, rows, size: int = PAGE_SIZE) -> dict:
    paginator = CappedPaginator(rows, size)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read here, not while the template renders
    return {
        "page": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "ellipsis": Paginator.ELLIPSIS,
    }


def _with_percent(plan):
    """The plan with `rate_percent` ("60", "62.5") for the pages."""
    plan.rate_percent = f"{(plan.rate * 100).normalize():f}"
    return plan


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- plans -------------------------------------------------------------------------------------------


@login_required
@require_GET
def plans(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_view(user)
    context = {
        **NAV,
        "plans": [_with_percent(plan) for plan in selectors.plan_list(fetched_by=user)],
        "can_configure": has_capability(user, caps.ASSISTANCE_CONFIGURE),
    }
    return render(request, "assistance/mutual_plans.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = selectors.unit_choices(fetched_by=user, code=caps.ASSISTANCE_CONFIGURE, cap=UNIT_CHOICES_CAP)
    units = [unit for unit in units if unit.level != UnitLevel.TEAM]  # plans are run above team level
    if not units:
        raise PermissionDenied(_("您没有维护互助保障计划的权限。"))
    posted = request.POST if request.method == "POST" else None
    initial = {"unit": str(units[0].pk)} if len(units) == 1 else {}
    form = PlanForm(
        posted, initial=initial, units=units, funds=selectors.mutual_fund_choices(fetched_by=user)
    )
    if posted is not None and form.is_valid():
        try:
            plan = services.plan_create(actor=user, **form.arguments())
        except ValidationError as exc:
            form.add_service_errors(exc, {"rate": "rate_percent"})
        else:
            messages.success(request, _("已建立互助保障计划“%(name)s”。") % {"name": plan.name})
            return redirect("assistance:plan_detail", pk=plan.pk)
    return render(
        request, "assistance/mutual_plan_form.html", {**NAV, "form": form}, status=422 if posted else 200
    )


def _enrol_units(user, plan) -> list[Unit]:
    return [
        unit
        for unit in selectors.unit_choices(fetched_by=user, code=caps.ASSISTANCE_RECORD, cap=UNIT_CHOICES_CAP)
        if unit.path.startswith(plan.unit.path)
    ]


def _member_finder(user, plan):
    def find(text: str):
        members = member_list(fetched_by=user, unit=plan.unit, status=MemberStatus.ACTIVE)
        exact = list(members.filter(member_no=text)[:1])
        return exact or list(
            member_list(fetched_by=user, q=text, unit=plan.unit, status=MemberStatus.ACTIVE)[:6]
        )

    return find


def _plan_context(request: HttpRequest, plan, *, member_form=None, unit_form=None) -> dict:
    user = request.user
    _with_percent(plan)
    units = _enrol_units(user, plan)
    may_enrol = bool(units) and services.plan_accepts_enrolment(plan)
    q = (request.GET.get("q") or "").strip()[:50]
    paging = _paging(request, selectors.enrolment_list(fetched_by=user, plan=plan, q=q))
    for enrolment in paging["page"].object_list:
        enrolment.member_masked = mask_name(enrolment.member.name)
    return {
        **NAV,
        **paging,
        "plan": plan,
        "q": q,
        "figures": selectors.plan_figures(plan=plan, fetched_by=user),
        "may_enrol": may_enrol,
        "may_claim": bool(units),
        "may_close": plan.is_open and has_unit_permission(user, plan.unit, caps.ASSISTANCE_CONFIGURE),
        "member_form": member_form or (EnrolMemberForm(find_members=None) if may_enrol else None),
        "unit_form": unit_form or (EnrolUnitForm(units=units) if may_enrol else None),
        "query": _query_without_page(request),
    }


@login_required
@require_GET
@vary_on_headers("HX-Request")
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(fetched_by=request.user, plan_id=pk)
    context = _plan_context(request, plan)
    if _fragment_wanted(request):
        return render(request, "assistance/partials/_mutual_enrolments.html", context)
    return render(request, "assistance/mutual_plan_detail.html", context)


@login_required
@require_POST
def plan_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol one member (`member`: number or name) or a whole unit (`unit`)."""
    user = request.user
    plan = selectors.plan_get(fetched_by=user, plan_id=pk)
    units = _enrol_units(user, plan)
    if not units:
        raise PermissionDenied(_("您没有为这个计划登记参保的权限。"))
    whole_unit = "unit" in request.POST
    if whole_unit:
        form = EnrolUnitForm(request.POST, units=units)
    else:
        form = EnrolMemberForm(request.POST, find_members=_member_finder(user, plan))
    if form.is_valid():
        try:
            if whole_unit:
                done = services.enrolment_add_unit(actor=user, plan=plan, unit=form.cleaned_data["unit"])
            else:
                done = services.enrolment_add(actor=user, plan=plan, members=[form.cleaned_data["member"]])
        except AssistanceError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:  # the member left the union since the form was shown
            form.add_error(None, " ".join(exc.messages))
        else:
            total = plan.premium * len(done)
            messages.success(
                request,
                _("已登记参保 %(count)s 人,会费 %(total)s 元已记入“%(fund)s”。")
                % {"count": len(done), "total": f"{total:,.2f}", "fund": plan.fund.name},
            )
            return redirect("assistance:plan_detail", pk=plan.pk)
    forms = {"unit_form": form} if whole_unit else {"member_form": form}
    return render(
        request, "assistance/mutual_plan_detail.html", _plan_context(request, plan, **forms), status=422
    )


@login_required
@require_POST
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(fetched_by=request.user, plan_id=pk)
    try:
        services.plan_close(actor=request.user, plan=plan)
    except AssistanceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已停止参保;已参保职工的理赔照常办理。"))
    return redirect("assistance:plan_detail", pk=plan.pk)


# --- claims ------------------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def claims(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_view(user)
    status = request.GET.get("status", ClaimStatus.PENDING)
    if status not in {code for code, _label in STATUS_TABS}:
        status = ClaimStatus.PENDING
    form = ClaimFilterForm(request.GET, plans=selectors.plan_choices(fetched_by=user))
    plan = q = None
    if form.is_valid():
        plan, q = form.cleaned_data["plan"], form.cleaned_data["q"]
    filters = selectors.ClaimFilters(status=status, plan=plan, q=q or "")
    counts = selectors.claim_counts(fetched_by=user, plan=plan)
    paging = _paging(request, selectors.claim_list(fetched_by=user, filters=filters))
    for claim in paging["page"].object_list:
        claim.member_masked = mask_name(claim.enrolment.member.name)
    base = request.GET.copy()
    for key in ("status", "page"):
        base.pop(key, None)
    context = {
        **NAV,
        **paging,
        "form": form,
        "status": status,
        "tabs": [(code, label, counts.get(code, 0)) for code, label in STATUS_TABS],
        "base_query": base.urlencode(),
        "query": _query_without_page(request),
        "can_record": has_capability(user, caps.ASSISTANCE_RECORD),
    }
    if _fragment_wanted(request):
        return render(request, "assistance/partials/_mutual_claims_results.html", context)
    return render(request, "assistance/mutual_claims.html", context)


def _claim_forms(request: HttpRequest, data=None):
    user = request.user
    plans = selectors.plan_choices(fetched_by=user)

    def find(plan, text):
        return selectors.enrolment_find(fetched_by=user, plan=plan, text=text)

    initial = {}
    if data is None and request.GET.get("enrolment", "").isdigit():
        try:
            enrolment = selectors.enrolment_get(fetched_by=user, enrolment_id=int(request.GET["enrolment"]))
        except Http404:
            enrolment = None
        if enrolment is not None:
            initial = {"plan": str(enrolment.plan_id), "member": enrolment.member.member_no}
    elif data is None and request.GET.get("plan", "").isdigit():
        initial = {"plan": request.GET["plan"]}
    if data is None and not initial and len(plans) == 1:
        initial = {"plan": str(plans[0].pk)}
    form = ClaimForm(data, initial=initial, plans=plans, find_enrolments=find)
    formset = InvoiceFormSet(data, prefix="invoices")
    return form, formset


def _preview(form: ClaimForm, formset) -> dict:
    """The benefit the claim would get, from whatever of the form is filled in so far."""
    form.is_valid()
    enrolment = form.cleaned_data.get("enrolment") if hasattr(form, "cleaned_data") else None
    if enrolment is None:
        return {"message": _("填写计划、参保职工和票据后,这里显示按计划规则算出的赔付金额。")}
    formset.is_valid()
    eligible = sum(
        (
            row.cleaned_data["eligible"]
            for row in formset.forms
            if getattr(row, "cleaned_data", {}).get("eligible")
        ),
        start=0,
    )
    if not eligible:
        return {"message": _("填写票据的可报销金额后,这里显示赔付金额。")}
    benefit = services.claim_benefit_explained(
        plan=enrolment.plan, enrolment=enrolment, eligible_total=eligible
    )
    return {"benefit": benefit, "enrolment": enrolment}


def _grown(data):
    """The posted data with one more invoice row."""
    data = data.copy()
    data["invoices-TOTAL_FORMS"] = str(min(int(data.get("invoices-TOTAL_FORMS") or 1), 49) + 1)
    return data


@login_required
@require_http_methods(["GET", "POST"])
def claim_new(request: HttpRequest) -> HttpResponse:
    """Record a claim. With `preview` (htmx on every change, or the 试算 button) only the benefit
    is worked out; with `add_row` one more invoice row is shown; otherwise the claim is recorded."""
    user = request.user
    if not has_capability(user, caps.ASSISTANCE_RECORD):
        raise PermissionDenied(_("您没有登记互助理赔的权限。"))
    data = request.POST if request.method == "POST" else None
    if data is not None and "add_row" in data:
        data = _grown(data)
    form, formset = _claim_forms(request, data)
    context = {**NAV, "form": form, "formset": formset}
    if data is None:
        return render(request, "assistance/mutual_claim_form.html", context)
    if "preview" in data or "add_row" in data:
        context["preview"] = _preview(form, formset)
        if "preview" in data and _fragment_wanted(request):
            return render(request, "assistance/partials/_mutual_benefit.html", context)
        return render(request, "assistance/mutual_claim_form.html", context)
    if form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        try:
            claim = services.claim_record(
                actor=user,
                enrolment=fields["enrolment"],
                illness=fields["illness"],
                hospital=fields["hospital"],
                admitted_on=fields["admitted_on"],
                discharged_on=fields["discharged_on"],
                invoices=formset.invoices(),
                note=fields["note"],
            )
        except ValidationError as exc:
            for message in formset.add_service_errors(exc):
                form.add_error(None, message)
            other = {key: value for key, value in exc.message_dict.items() if not key.startswith("invoices")}
            if other:
                form.add_service_errors(ValidationError(other))
        except AssistanceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("已登记理赔 %(number)s,赔付金额 %(amount)s 元,等待审核。")
                % {"number": claim.number, "amount": f"{claim.benefit:,.2f}"},
            )
            return redirect("assistance:claim_detail", pk=claim.pk)
    context["preview"] = _preview(form, formset) if form.cleaned_data.get("enrolment") else None
    return render(request, "assistance/mutual_claim_form.html", context, status=422)


# --- one claim and its steps -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    statuses: tuple
    style: str = "primary"


STEPS: dict[str, Step] = {
    "approve": Step(gettext_lazy("核准"), (ClaimStatus.PENDING,), "success"),
    "resubmit": Step(gettext_lazy("重新提交"), (ClaimStatus.RETURNED,)),
    "pay": Step(gettext_lazy("赔付"), (ClaimStatus.APPROVED,), "success"),
    "return": Step(gettext_lazy("退回"), (ClaimStatus.PENDING, ClaimStatus.APPROVED), "warning"),
    "reject": Step(gettext_lazy("不予赔付"), (ClaimStatus.PENDING, ClaimStatus.RETURNED), "danger"),
    "reverse": Step(gettext_lazy("冲正"), (ClaimStatus.PAID,), "danger"),
}

DONE = {
    "approve": gettext_lazy("已核准,赔付金额已从互助基金中预留。"),
    "resubmit": gettext_lazy("已重新提交审核。"),
    "pay": gettext_lazy("已赔付。"),
    "return": gettext_lazy("已退回登记人。"),
    "reject": gettext_lazy("已决定不予赔付。"),
    "reverse": gettext_lazy("已冲正,款项已退回互助基金。"),
}


def _may(user, claim, name: str) -> bool:
    """Whether the user's role gives the step on this claim (the status is the service's to judge)."""
    if name == "approve":
        return services.may_approve(user, claim) and claim.recorded_by_id != user.pk
    if name == "resubmit":
        return services.may_record(user, claim)
    if name == "pay":
        return services.may_pay(user, claim) and user.pk not in (claim.recorded_by_id, claim.approved_by_id)
    if name == "return":
        return services.may_approve(user, claim) or (
            claim.status == ClaimStatus.APPROVED and services.may_pay(user, claim)
        )
    if name == "reject":
        return services.may_approve(user, claim)
    if name == "reverse":
        return services.may_pay(user, claim)
    return False


def _form_for(name: str, claim, data=None):
    kwargs = {"claim": claim, "auto_id": f"{name}_%s"}
    if name in ("approve", "resubmit"):
        return StepForm(data, **kwargs)
    if name == "pay":
        return PayForm(data, **kwargs)
    labels = {"return": _("退回原因"), "reject": _("不予赔付的原因"), "reverse": _("冲正原因")}
    return ReasonForm(data, label=labels[name], **kwargs)


def _run(name: str, form, claim, user) -> None:
    data = form.cleaned_data
    common = {"actor": user, "claim": claim, "version": data["version"]}
    if name == "approve":
        services.claim_approve(**common, note=data["note"])
    elif name == "resubmit":
        services.claim_resubmit(**common, note=data["note"])
    elif name == "pay":
        services.claim_pay(
            **common, reference=data["reference"], idempotency_key=data["key"], note=data["note"]
        )
    elif name == "return":
        services.claim_return(**common, reason=data["note"])
    elif name == "reject":
        services.claim_reject(**common, reason=data["note"])
    elif name == "reverse":
        services.claim_reverse(**common, reason=data["note"])


def _actions_context(request: HttpRequest, claim, *, bound: dict | None = None) -> dict:
    bound = bound or {}
    steps = [
        {
            "name": name,
            "label": step.label,
            "style": step.style,
            "form": bound.get(name) or _form_for(name, claim),
        }
        for name, step in STEPS.items()
        if claim.status in step.statuses and _may(request.user, claim, name)
    ]
    return {"claim": claim, "steps": steps, "open_step": next(iter(bound), "")}


def _detail_context(request: HttpRequest, claim, *, bound: dict | None = None) -> dict:
    _with_percent(claim.plan)
    events = selectors.claim_events(claim=claim)
    for event in events:
        event.from_label = (
            ClaimStatus(event.from_status).label if event.from_status in ClaimStatus.values else ""
        )
        event.to_label = ClaimStatus(event.to_status).label if event.to_status in ClaimStatus.values else ""
    return {
        **NAV,
        **_actions_context(request, claim, bound=bound),
        "member": claim.enrolment.member,
        "invoices": selectors.claim_invoices(claim=claim),
        "events": events,
        "benefit": services.benefit_compute(
            plan=claim.plan,
            eligible_total=claim.eligible_total,
            used=services.enrolment_used(claim.enrolment, exclude=claim),
        )
        if claim.status in (ClaimStatus.PENDING, ClaimStatus.RETURNED)
        else None,
    }


def _log_view(request: HttpRequest, claim) -> None:
    access_log(
        user=request.user,
        action="view",
        subject=f"assistance.claim:{claim.pk}",
        fields=["member", "illness", "hospital", "invoices"],
        request=request,
    )


@login_required
@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get(fetched_by=request.user, claim_id=pk)
    _log_view(request, claim)
    return render(request, "assistance/mutual_claim_detail.html", _detail_context(request, claim))


def _refused(request: HttpRequest, message: str, status: int, detail_url: str) -> HttpResponse:
    if request.htmx:
        response = render(
            request, "assistance/partials/_mutual_alert.html", {"message": message}, status=status
        )
        response["HX-Retarget"] = "#claim-alerts"
        response["HX-Reswap"] = "innerHTML"
        return response
    messages.error(request, message)
    return redirect(detail_url)


@login_required
@require_http_methods(["GET", "POST"])
def claim_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step on a claim. Outside scope: 404; a step the role does not give: 403; someone else
    acted first or the fund is short: a message (409 / 422 for htmx); bad input: the form again."""
    user = request.user
    claim = selectors.claim_get(fetched_by=user, claim_id=pk)
    if action not in STEPS:
        raise Http404
    detail_url = reverse("assistance:claim_detail", args=[claim.pk])
    if request.method == "GET":
        return redirect(f"{detail_url}#step-{action}")
    if not _may(user, claim, action):
        raise PermissionDenied(_("您没有这项操作的权限。"))
    form = _form_for(action, claim, request.POST)
    if form.is_valid():
        try:
            _run(action, form, claim, user)
        except AssistanceConflict as exc:
            return _refused(request, exc.message, 409, detail_url)
        except AssistanceError as exc:
            return _refused(request, exc.message, 422, detail_url)
        except IdempotencyError as exc:
            return _refused(request, exc.message, 409, detail_url)
        except ValidationError as exc:
            form.add_service_errors(exc, {"reason": "note", "idempotency_key": "reference"})
        else:
            messages.success(request, DONE[action])
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = detail_url
                return response
            return redirect(detail_url)
    claim = selectors.claim_get(fetched_by=user, claim_id=pk)
    if request.htmx:
        context = _actions_context(request, claim, bound={action: form})
        return render(request, "assistance/partials/_mutual_claim_actions.html", context, status=422)
    _log_view(request, claim)
    context = _detail_context(request, claim, bound={action: form})
    return render(request, "assistance/mutual_claim_detail.html", context, status=422)


urlpatterns: list = [
    path("mutual-aid/", plans, name="mutual_aid"),
    path("mutual-aid/plans/new/", plan_new, name="plan_new"),
    path("mutual-aid/plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("mutual-aid/plans/<int:pk>/enrol/", plan_enrol, name="plan_enrol"),
    path("mutual-aid/plans/<int:pk>/close/", plan_close, name="plan_close"),
    path("mutual-aid/claims/", claims, name="claims"),
    path("mutual-aid/claims/new/", claim_new, name="claim_new"),
    path("mutual-aid/claims/<int:pk>/", claim_detail, name="claim_detail"),
    path("mutual-aid/claims/<int:pk>/do/<str:action>/", claim_action, name="claim_action"),
]
