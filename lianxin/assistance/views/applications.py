"""Aid application pages: the list with its tabs, recording an application, and one application with
every step on it (approve, return, resubmit, void, pay, reverse).

Views parse input, call one selector or service and shape the answer. Scope lives in the selectors
(an application outside it answers 404, for GET and POST alike) and the services (403 for a step
the user's role does not grant, `AssistanceConflict` when someone else acted first: 409 with
"refresh"; `AssistanceError`, such as a fund that cannot cover the amount: 422 with the message on
the step's form). Names are masked in lists; the detail page shows the beneficiary in full and
leaves a line in the access log.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from lianxin.appeals.selectors import appeal_get
from lianxin.core.audit import access_log
from lianxin.core.capabilities import (
    APPEALS_VIEW,
    ASSISTANCE_APPROVE,
    ASSISTANCE_PAY,
    ASSISTANCE_RECORD,
    ASSISTANCE_VIEW,
)
from lianxin.core.idempotency import IdempotencyKeyReused, IdempotencyResultLost
from lianxin.core.pagination import CappedPaginator
from lianxin.core.permissions import has_capability, has_unit_permission
from lianxin.core.text import join_list, mask_name
from lianxin.members.selectors import member_units

from .. import services
from ..forms_money import (
    ApplicationFilterForm,
    ApplicationForm,
    NoteForm,
    PayForm,
    ReasonForm,
    ResubmitForm,
)
from ..models import Application, ApplicationStatus, Programme, ProgrammeKind, SchoolLevel
from ..selectors import applications as selectors
from ..selectors.files import file_get, file_member_candidates, member_for_file
from ..services import AssistanceConflict, AssistanceError

PAGE_SIZE = 50
Status = ApplicationStatus
TO_APPROVE = "to_approve"
TO_PAY = "to_pay"

TABS = [
    (TO_APPROVE, gettext_lazy("待我审批"), ASSISTANCE_APPROVE),
    (TO_PAY, gettext_lazy("待我发放"), ASSISTANCE_PAY),
    (Status.PENDING.value, gettext_lazy("待审批"), None),
    (Status.APPROVED.value, gettext_lazy("已批准待发放"), None),
    (Status.PAID.value, gettext_lazy("已发放"), None),
    (Status.RETURNED.value, gettext_lazy("已退回"), None),
    (Status.REVERSED.value, gettext_lazy("已冲正"), None),
    (Status.VOIDED.value, gettext_lazy("已作废"), None),
    ("all", gettext_lazy("全部"), None),
]


def _fragment_wanted(request: HttpRequest) -> bool:
    """An htmx request for part of the page (not a boosted page load or a history restore)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def url_or_none(name: str, *args) -> str | None:
    """The address of a page, or None while its module does not serve it yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def money_nav(user) -> dict:
    """What every page of this area shows in its sub-navigation."""
    return {
        "nav_active": "assistance",
        "home_url": url_or_none("assistance:home"),
        "can_record": has_capability(user, ASSISTANCE_RECORD),
    }


def _paging(page) -> dict:
    return {
        "page": page,
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "ellipsis": Paginator.ELLIPSIS,
    }


def _page(request: HttpRequest, queryset, size: int = PAGE_SIZE):
    page = CappedPaginator(queryset, size).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read here, not while the template renders
    for application in page.object_list:
        application.member_masked = mask_name(application.member.name)
    return page


# --- the list --------------------------------------------------------------------------------------


def _tabs_for(user) -> list[tuple[str, str]]:
    return [(code, label) for code, label, cap in TABS if cap is None or has_capability(user, cap)]


def _default_tab(user) -> str:
    if has_capability(user, ASSISTANCE_APPROVE):
        return TO_APPROVE
    if has_capability(user, ASSISTANCE_PAY):
        return TO_PAY
    return "all"


def _queue(user, tab: str, filters: selectors.ApplicationFilters):
    """The applications of a tab: a personal queue or a status, narrowed by the filters."""
    if tab in (TO_APPROVE, TO_PAY):
        queue = (selectors.approval_queue if tab == TO_APPROVE else selectors.payment_queue)(fetched_by=user)
        if filters != selectors.ApplicationFilters():
            queue = queue.filter(
                pk__in=selectors.application_list(fetched_by=user, filters=filters).values("pk")
            )
        return queue
    status = "" if tab == "all" else tab
    return selectors.application_list(fetched_by=user, filters=replace(filters, status=status))


def _counts(user, tabs, filters: selectors.ApplicationFilters) -> dict[str, int]:
    """How many applications each tab holds (one grouped query, and one per personal queue)."""
    by_status = dict(
        selectors.application_list(fetched_by=user, filters=filters)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    counts = {**by_status, "all": sum(by_status.values())}
    for code, _label in tabs:
        if code in (TO_APPROVE, TO_PAY):
            counts[code] = _queue(user, code, filters).count()
    return counts


@login_required
@require_GET
@vary_on_headers("HX-Request")
def application_list(request: HttpRequest) -> HttpResponse:
    """Applications in scope, tab by tab (what waits for me, then by status), with filters; with
    HX-Request only the tabs and the table."""
    user = request.user
    if not has_capability(user, ASSISTANCE_VIEW):
        raise PermissionDenied(_("您没有查看帮扶申请的权限。"))
    tabs = _tabs_for(user)
    tab = request.GET.get("status") or _default_tab(user)
    if tab not in {code for code, _label in tabs}:
        tab = "all"
    form = ApplicationFilterForm(
        request.GET,
        programmes=list(selectors.programme_list(fetched_by=user, active_only=False)),
        units=member_units(fetched_by=user, code=ASSISTANCE_VIEW),
    )
    filters = form.filters()
    counts = _counts(user, tabs, filters)
    page = _page(request, _queue(user, tab, filters))
    context = {
        "form": form,
        "tab": tab,
        "tabs": [(code, label, counts.get(code, 0)) for code, label in tabs],
        **_paging(page),
        **money_nav(user),
    }
    if _fragment_wanted(request):
        return render(request, "assistance/partials/_applications_results.html", context)
    return render(request, "assistance/applications_list.html", context)


# --- recording an application ----------------------------------------------------------------------


def _member_lookup(user):
    def lookup(text: str):
        return file_member_candidates(fetched_by=user, q=text)

    return lookup


def _money(value: Decimal | str | None) -> str:
    return f"{Decimal(str(value)):,.2f}" if value not in (None, "") else ""


def programme_rules(programme: Programme) -> list[str]:
    """What a recorder should know of a programme's rules, one line each."""
    lines = []
    if programme.kind == ProgrammeKind.SCHOOL_AID and programme.amounts_by_school_level:
        levels = join_list(
            f"{SchoolLevel(level).label} {_money(amount)}"
            for level, amount in programme.amounts_by_school_level.items()
            if level in SchoolLevel.values and amount not in (None, "")
        )
        lines.append(_("按学段发放(元):%(levels)s") % {"levels": levels})
    elif programme.min_amount is not None or programme.max_amount is not None:
        low = _money(programme.min_amount) or "0.00"
        high = _money(programme.max_amount) or "—"
        lines.append(_("金额 %(low)s – %(high)s 元") % {"low": low, "high": high})
    elif programme.standard_amount is not None:
        lines.append(_("标准金额 %(amount)s 元") % {"amount": _money(programme.standard_amount)})
    if programme.cap_per_person_year is not None:
        lines.append(_("每人每年上限 %(cap)s 元") % {"cap": _money(programme.cap_per_person_year)})
    if programme.cap_per_household_year is not None:
        lines.append(_("每户每年上限 %(cap)s 元") % {"cap": _money(programme.cap_per_household_year)})
    if programme.once_per_period:
        lines.append(_("每户%(period)s限一次") % {"period": programme.get_period_display()})
    if programme.requires_file:
        lines.append(_("须为在档困难职工"))
    if programme.approval_threshold is not None:
        lines.append(_("超过 %(amount)s 元须上级审批") % {"amount": _money(programme.approval_threshold)})
    return lines


def _suggested_amount(programme: Programme | None, school_level: str) -> Decimal | None:
    if programme is None:
        return None
    try:
        return services.programme_amount(programme=programme, school_level=school_level)
    except AssistanceError:
        return None


def _amount_context(programme: Programme | None, form: ApplicationForm) -> dict:
    return {
        "form": form,
        "programme": programme,
        "is_school_aid": programme is not None and programme.kind == ProgrammeKind.SCHOOL_AID,
        "is_in_kind": programme is not None and programme.kind == ProgrammeKind.IN_KIND,
        "rules": programme_rules(programme) if programme is not None else [],
    }


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _prefill(request: HttpRequest) -> tuple[dict, dict]:
    """Initial values from ?appeal=, ?file= or ?member= (each 404 when out of the user's scope),
    and what the page shows about where they came from."""
    user = request.user
    initial: dict = {}
    source: dict = {}
    appeal_id = _int_or_none(request.GET.get("appeal"))
    file_id = _int_or_none(request.GET.get("file"))
    member_id = _int_or_none(request.GET.get("member"))
    if request.GET.get("appeal") and appeal_id is None:
        raise Http404
    if appeal_id is not None:
        appeal = appeal_get(fetched_by=user, appeal_id=appeal_id)
        found = services.application_initial_from_appeal(appeal=appeal, fetched_by=user)
        initial["appeal"] = appeal.pk
        initial["reason"] = found["reason"]
        source["appeal"] = found["appeal"]
        if found["programme"] is not None:
            initial["programme"] = str(found["programme"].pk)
        if found["member"] is not None:
            initial["member"] = found["member"].member_no
            source["member"] = found["member"]
        if found["file"] is not None:
            initial["file"] = found["file"].pk
            source["file"] = found["file"]
    if file_id is not None:
        file = file_get(fetched_by=user, file_id=file_id)
        initial["file"] = file.pk
        initial["member"] = file.member.member_no
        source["file"] = file
        source["member"] = file.member
    elif member_id is not None:
        member = member_for_file(fetched_by=user, member_id=member_id)
        initial["member"] = member.member_no
        source["member"] = member
    return initial, source


def _linked(user, form: ApplicationForm) -> tuple:
    """The hardship file and appeal named by the form's hidden fields, if the user may see them."""
    data = form.cleaned_data
    file = appeal = None
    if data.get("file"):
        try:
            file = file_get(fetched_by=user, file_id=data["file"])
        except Http404:
            form.add_error(None, _("所选困难档案不在您的范围内。"))
    if data.get("appeal"):
        try:
            if not has_capability(user, APPEALS_VIEW):
                raise Http404
            appeal = appeal_get(fetched_by=user, appeal_id=data["appeal"])
        except Http404:
            form.add_error(None, _("来源诉求不在您的范围内。"))
    return file, appeal


def _programmes(user) -> list[Programme]:
    return list(selectors.programme_list(fetched_by=user))


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest) -> HttpResponse:
    """Record one grant of aid: programme, beneficiary, amount (prefilled from the programme),
    reason. Prefilled from ?appeal=, ?file= or ?member=."""
    user = request.user
    if not has_capability(user, ASSISTANCE_RECORD):
        raise PermissionDenied(_("您没有登记帮扶申请的权限。"))
    programmes = _programmes(user)
    posted = request.POST if request.method == "POST" else None
    initial, source = _prefill(request) if posted is None else ({}, {})
    chosen = next((p for p in programmes if str(p.pk) == str(initial.get("programme", ""))), None)
    if chosen is not None and "amount" not in initial:
        initial["amount"] = _suggested_amount(chosen, "")
    form = ApplicationForm(posted, initial=initial, programmes=programmes, member_lookup=_member_lookup(user))
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        file, appeal = _linked(user, form)
        if not form.errors:
            try:
                application = services.application_record(
                    actor=user,
                    programme=data["programme"],
                    member=data["member"],
                    reason=data["reason"],
                    amount=data["amount"],
                    school_level=data["school_level"],
                    goods=data["goods"],
                    file=file,
                    appeal=appeal,
                    on=data["on"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            except AssistanceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("已登记帮扶申请 %(number)s,等待审批。") % {"number": application.number},
                )
                if has_unit_permission(user, application.unit, ASSISTANCE_VIEW):
                    return redirect("assistance:application_detail", pk=application.pk)
                return redirect("assistance:application_new")
    programme = chosen
    if posted is not None:
        programme = next((p for p in programmes if str(p.pk) == posted.get("programme")), None)
    context = {
        **_amount_context(programme, form),
        "source": source,
        "has_programmes": bool(programmes),
        **money_nav(user),
    }
    return render(request, "assistance/applications_new.html", context, status=422 if posted else 200)


@login_required
@require_GET
def application_amount(request: HttpRequest) -> HttpResponse:
    """The school level, amount and goods fields for the chosen programme, the amount prefilled
    with the programme's standard (htmx, when the programme or the school level changes)."""
    user = request.user
    if not has_capability(user, ASSISTANCE_RECORD):
        raise PermissionDenied(_("您没有登记帮扶申请的权限。"))
    programme_id = _int_or_none(request.GET.get("programme"))
    programme = None
    if programme_id is not None:
        programme = next((p for p in _programmes(user) if p.pk == programme_id), None)
    school_level = request.GET.get("school_level") or ""
    if school_level not in SchoolLevel.values:
        school_level = ""
    form = ApplicationForm(
        initial={
            "school_level": school_level,
            "amount": _suggested_amount(programme, school_level),
            "goods": (request.GET.get("goods") or "")[:200],
        },
        programmes=[programme] if programme else [],
        member_lookup=_member_lookup(user),
    )
    return render(request, "assistance/partials/_application_amount.html", _amount_context(programme, form))


@login_required
@require_GET
def application_member_options(request: HttpRequest) -> HttpResponse:
    """Members the user may record aid for, matching what was typed (htmx, as a datalist)."""
    user = request.user
    if not has_capability(user, ASSISTANCE_RECORD):
        raise PermissionDenied(_("您没有登记帮扶申请的权限。"))
    text = (request.GET.get("member") or "").strip()[:50]
    members = file_member_candidates(fetched_by=user, q=text) if text else []
    return render(request, "assistance/partials/_application_member_options.html", {"members": members})


# --- one application, and every step on it -------------------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    statuses: tuple
    style: str = "primary"


STEPS: dict[str, Step] = {
    "approve": Step(gettext_lazy("批准"), (Status.PENDING,), "success"),
    "pay": Step(gettext_lazy("登记发放"), (Status.APPROVED,), "primary"),
    "return": Step(gettext_lazy("退回"), (Status.PENDING, Status.APPROVED), "warning"),
    "resubmit": Step(gettext_lazy("修改后重新提交"), (Status.RETURNED,), "primary"),
    "reverse": Step(gettext_lazy("冲正"), (Status.PAID,), "danger"),
    "void": Step(gettext_lazy("作废"), (Status.PENDING, Status.RETURNED), "secondary"),
}

DONE = {
    "approve": gettext_lazy("已批准,金额已在资金中预留,等待发放。"),
    "pay": gettext_lazy("已登记发放。"),
    "return": gettext_lazy("已退回登记人。"),
    "resubmit": gettext_lazy("已重新提交审批。"),
    "reverse": gettext_lazy("已冲正,款项已退回资金。"),
    "void": gettext_lazy("已作废。"),
}


def _capable(user, application: Application, name: str) -> bool:
    """Whether the user's role grants the step on this application (the status is the service's)."""
    programme_unit = application.programme.unit
    if name == "approve":
        return has_unit_permission(user, application.approval_unit, ASSISTANCE_APPROVE)
    if name == "return":
        return has_unit_permission(user, application.approval_unit, ASSISTANCE_APPROVE) or (
            application.status == Status.APPROVED
            and has_unit_permission(user, programme_unit, ASSISTANCE_PAY)
        )
    if name in ("pay", "reverse"):
        return has_unit_permission(user, programme_unit, ASSISTANCE_PAY)
    return has_unit_permission(user, application.unit, ASSISTANCE_RECORD)  # resubmit, void


def _why_not(user, application: Application, name: str) -> str:
    """Why a step the user's role grants is not offered to this user ("" when it is)."""
    if name == "approve" and application.recorded_by_id == user.pk:
        return _("您登记了这份申请,须由其他有审批权的人审批。")
    if name == "pay" and application.programme.payer_must_differ and application.approved_by_id == user.pk:
        return _("您批准了这份申请,本项目须由其他人登记发放。")
    return ""


def _form_for(name: str, application: Application, data=None):
    kwargs = {"application": application, "auto_id": f"{name}_%s"}
    if name == "approve":
        return NoteForm(data, **kwargs)
    if name == "pay":
        return PayForm(data, **kwargs)
    if name == "resubmit":
        return ResubmitForm(data, **kwargs)
    labels = {
        "return": (_("退回原因"), _("登记人会收到通知,修改后可重新提交。")),
        "void": (_("作废原因"), _("作废后不能恢复,不占用本周期名额和年度上限。")),
        "reverse": (_("冲正原因"), _("款项退回资金,原发放流水和冲正流水都保留。")),
    }
    label, help_text = labels[name]
    return ReasonForm(data, label=label, help_text=help_text, **kwargs)


def _actions_context(request: HttpRequest, application: Application, *, bound: dict | None = None) -> dict:
    """The step forms the user may take now; `bound` holds a posted form to show with its errors."""
    user = request.user
    bound = bound or {}
    steps, notes = [], []
    for name, step in STEPS.items():
        if application.status not in step.statuses or not _capable(user, application, name):
            continue
        reason = _why_not(user, application, name)
        if reason:
            notes.append(reason)
            continue
        form = bound.get(name) or _form_for(name, application)
        steps.append({"name": name, "label": step.label, "style": step.style, "form": form})
    return {
        "application": application,
        "steps": steps,
        "step_notes": notes,
        "open_step": next(iter(bound), ""),
    }


def _timeline(application: Application) -> list:
    events = selectors.application_events(application=application)
    for event in events:
        event.from_label = Status(event.from_status).label if event.from_status in Status.values else ""
        event.to_label = Status(event.to_status).label if event.to_status in Status.values else ""
    return events


def _detail_context(request: HttpRequest, application: Application, *, bound: dict | None = None) -> dict:
    user = request.user
    fund = application.fund or application.programme.fund  # the reserving fund once approved
    return {
        **money_nav(user),
        **_actions_context(request, application, bound=bound),
        "events": _timeline(application),
        "file_url": url_or_none("assistance:file_detail", application.file_id)
        if application.file_id
        else None,
        "appeal_url": (
            reverse("appeals:detail", args=[application.appeal_id])
            if application.appeal_id
            and has_unit_permission(user, application.appeal.origin_unit, APPEALS_VIEW)
            else None
        ),
        "fund": fund,
        "fund_url": url_or_none("assistance:fund_detail", fund.pk)
        if has_unit_permission(user, fund.unit, ASSISTANCE_VIEW)
        else None,
    }


def _log_view(request: HttpRequest, application: Application) -> None:
    access_log(
        user=request.user,
        action="view",
        subject=f"assistance.application:{application.pk}",
        fields=["member", "reason"],
        request=request,
    )


@login_required
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(fetched_by=request.user, application_id=pk)
    _log_view(request, application)
    return render(request, "assistance/applications_detail.html", _detail_context(request, application))


def _run(name: str, form, application: Application, user):
    """The step's service; for a payment, its `Outcome` (replayed when the key was used before)."""
    data = form.cleaned_data
    common = {"actor": user, "application": application, "version": data["version"]}
    if name == "approve":
        return services.application_approve(**common, note=data["note"])
    if name == "return":
        return services.application_return(**common, reason=data["reason"])
    if name == "void":
        return services.application_void(**common, reason=data["reason"])
    if name == "reverse":
        return services.application_reverse(**common, reason=data["reason"])
    if name == "resubmit":
        return services.application_resubmit(
            **common, amount=data["amount"], reason=data["reason"], note=data["note"]
        )
    if name == "pay":
        return services.application_pay(
            **common,
            reference=data["reference"],
            idempotency_key=data["idempotency_key"],
            note=data["note"],
            paid_on=data["paid_on"],
        )
    raise Http404


def _conflict(request: HttpRequest, application: Application, message: str) -> HttpResponse:
    """Someone acted first: say so, with a way to see what they did (409)."""
    if request.htmx:
        response = render(
            request,
            "assistance/partials/_application_conflict.html",
            {"message": message, "application": application},
            status=409,
        )
        response["HX-Retarget"] = "#application-alerts"
        response["HX-Reswap"] = "innerHTML"
        return response
    fresh = selectors.application_get_for_user(fetched_by=request.user, application_id=application.pk)
    context = {**_detail_context(request, fresh), "conflict": message}
    return render(request, "assistance/applications_detail.html", context, status=409)


@login_required
@require_http_methods(["GET", "POST"])
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step on the application. Outside scope: 404; a step the role does not grant: 403;
    someone else acted first: 409 with "refresh"; a rule refused (insufficient funds…) or bad input:
    422 with the form and its message."""
    user = request.user
    application = selectors.application_get_for_user(fetched_by=user, application_id=pk)
    if action not in STEPS:
        raise Http404
    detail_url = reverse("assistance:application_detail", args=[application.pk])
    if request.method == "GET":
        return redirect(f"{detail_url}#step-{action}")
    if not _capable(user, application, action):
        raise PermissionDenied(_("您没有这项操作的权限。"))
    form = _form_for(action, application, request.POST)
    if form.is_valid():
        try:
            result = _run(action, form, application, user)
        except (AssistanceConflict, IdempotencyResultLost) as exc:
            return _conflict(request, application, exc.message)
        except (AssistanceError, IdempotencyKeyReused) as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if action == "pay" and result.replayed:
                messages.info(request, _("这笔发放已经登记过,重复提交没有重复发放。"))
            else:
                messages.success(request, DONE[action])
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = detail_url
                return response
            return redirect(detail_url)
    application = selectors.application_get_for_user(fetched_by=user, application_id=pk)
    if request.htmx:
        context = _actions_context(request, application, bound={action: form})
        return render(request, "assistance/partials/_application_actions.html", context, status=422)
    context = _detail_context(request, application, bound={action: form})
    return render(request, "assistance/applications_detail.html", context, status=422)


urlpatterns: list = [
    path("applications/", application_list, name="applications"),
    path("applications/new/", application_new, name="application_new"),
    path("applications/new/amount/", application_amount, name="application_amount"),
    path("applications/new/members/", application_member_options, name="application_member_options"),
    path("applications/<int:pk>/", application_detail, name="application_detail"),
    path("applications/<int:pk>/do/<str:action>/", application_action, name="application_action"),
]
