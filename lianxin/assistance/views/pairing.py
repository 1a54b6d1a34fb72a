"""Pairing pages: the pairings in scope and who is behind, a leader's own pairings (我的结对, made
for a phone), pairing a leader with a household, recording a visit, ending a pairing; and the
follow-ups (跟踪问效) due after aid, with the follow-up visit.

A pairing or an application outside the user's scope answers 404; a leader reaches their own
pairings whatever their role grants. Household names in lists are masked.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from lianxin.core import capabilities as caps
from lianxin.core.audit import access_log, target_of
from lianxin.core.pagination import CappedPaginator
from lianxin.core.permissions import has_capability, has_unit_permission
from lianxin.core.text import mask_name

from ..forms_files import FollowUpForm, PairingEndForm, PairingForm, VisitForm
from ..models import FileStatus, Pairing, Visit
from ..selectors import pairing as selectors
from ..selectors.files import file_get
from ..services import pairing as services
from ..services.base import AssistanceError
from .files import assistance_nav

PAGE_SIZE = 50

TABS = [
    ("active", gettext_lazy("结对中")),
    ("behind", gettext_lazy("走访不足")),
    ("ended", gettext_lazy("已结束")),
]


def _mask(rows, attribute: str = "file") -> list:
    for row in rows:
        holder = getattr(row, attribute)
        member = holder.member
        row.masked_name = mask_name(member.name)
    return rows


def _paging(page) -> dict:
    return {
        "page": page,
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "ellipsis": Paginator.ELLIPSIS,
    }


# --- pairings in scope --------------------------------------------------------------------------


@login_required
@require_GET
def pairing_list(request: HttpRequest) -> HttpResponse:
    """Pairings in scope; the "behind" tab lists those whose visits fall short (who is behind)."""
    user = request.user
    if not has_capability(user, caps.ASSISTANCE_VIEW):
        if selectors.my_pairings(fetched_by=user):
            return redirect("assistance:my_pairings")
        raise PermissionDenied(_("您没有查看结对帮扶的权限。"))
    tab = request.GET.get("tab") or "active"
    if tab not in dict(TABS):
        tab = "active"
    if tab == "behind":
        page = Paginator(selectors.pairings_behind(fetched_by=user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    else:
        rows = selectors.pairing_list(fetched_by=user, active=tab == "active")
        page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = selectors.with_progress(page.object_list)
    page.object_list = _mask(list(page.object_list))
    context = {"tab": tab, "tabs": TABS, **_paging(page), **assistance_nav(user)}
    return render(request, "assistance/pairing_list.html", context)


@login_required
@require_GET
def my_pairings(request: HttpRequest) -> HttpResponse:
    """A leader's households, the longest unvisited first, each with what is still owed."""
    rows = _mask(selectors.my_pairings(fetched_by=request.user))
    context = {"pairings": rows, **assistance_nav(request.user), "nav_active": "my_pairings"}
    return render(request, "assistance/pairing_mine.html", context)


# --- pairing a leader with a household ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pairing_new(request: HttpRequest) -> HttpResponse:
    """Pair a leader with the household of ?file=<pk> (the file's page links here)."""
    user = request.user
    file_id = request.GET.get("file") or request.POST.get("file")
    if not file_id:
        return redirect("assistance:files")
    file = file_get(fetched_by=user, file_id=file_id)
    if not has_unit_permission(user, file.unit, caps.ASSISTANCE_RECORD):
        raise PermissionDenied(_("您没有为这户建立结对的权限。"))
    if file.status != FileStatus.ACTIVE:
        messages.error(request, _("档案已脱困,不能再结对。"))
        return redirect("assistance:file_detail", pk=file.pk)
    leaders = list(selectors.leader_candidates(fetched_by=user, file=file))
    posted = request.POST if request.method == "POST" else None
    form = PairingForm(posted, leaders=leaders)
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            pairing = services.pairing_create(
                actor=user,
                file=file,
                leader=data["leader"],
                visits_per_year=data["visits_per_year"],
                on=data["started_on"],
            )
        except AssistanceError as exc:
            messages.error(request, exc.message)
            return redirect("assistance:file_detail", pk=file.pk)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已与%(leader)s结对。") % {"leader": pairing.leader.display_name})
            return redirect("assistance:file_detail", pk=file.pk)
    file.masked_name = mask_name(file.member.name)
    context = {"file": file, "form": form, **assistance_nav(user)}
    return render(request, "assistance/pairing_new.html", context, status=422 if posted else 200)


# --- one pairing, its visits ----------------------------------------------------------------------


def _pairing_context(request: HttpRequest, pairing: Pairing, *, bound: dict | None = None) -> dict:
    user = request.user
    bound = bound or {}
    pairing.visits_required = selectors.required_visits(pairing, timezone.localdate())
    pairing.is_behind = pairing.ended_on is None and pairing.visits_done < pairing.visits_required
    pairing.masked_name = mask_name(pairing.file.member.name)
    active = pairing.ended_on is None
    may_visit = active and services.may_record_visit(user, pairing)
    may_end = active and has_unit_permission(user, pairing.unit, caps.ASSISTANCE_RECORD)
    return {
        "pairing": pairing,
        "visits": selectors.pairing_visits(pairing=pairing),
        "visit_form": (bound.get("visit") or VisitForm()) if may_visit else None,
        "end_form": (bound.get("end") or PairingEndForm()) if may_end else None,
        "is_leader": pairing.leader_id == user.pk,
        "open_step": next(iter(bound), ""),
        **assistance_nav(user),
    }


def _log_visits(request: HttpRequest, pairing: Pairing) -> None:
    """Visit notes describe the household: reading them is a view of personal data."""
    access_log(
        user=request.user,
        action="view",
        subject=target_of(pairing.file),
        fields=["visits"],
        request=request,
        pairing=pairing.pk,
    )


@login_required
@require_GET
def pairing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = selectors.pairing_get(fetched_by=request.user, pairing_id=pk)
    context = _pairing_context(request, pairing)
    _log_visits(request, pairing)
    return render(request, "assistance/pairing_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pairing_visit(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a visit: the paired leader on a phone, or a cadre on the leader's behalf."""
    user = request.user
    pairing = selectors.pairing_get(fetched_by=user, pairing_id=pk)
    detail_url = reverse("assistance:pairing_detail", args=[pairing.pk])
    if request.method == "GET":
        return redirect(f"{detail_url}#visit")
    if not services.may_record_visit(user, pairing):
        raise PermissionDenied(_("只有结对领导或工会干部可以登记走访。"))
    form = VisitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_record(
                actor=user,
                kind=Visit.Kind.PAIRING,
                pairing=pairing,
                visited_on=data["visited_on"],
                notes=data["notes"],
                needs=data["needs"],
            )
        except AssistanceError as exc:
            messages.error(request, exc.message)
            return redirect(detail_url)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已登记走访。"))
            return redirect(detail_url)
    pairing = selectors.pairing_get(fetched_by=user, pairing_id=pk)
    context = _pairing_context(request, pairing, bound={"visit": form})
    _log_visits(request, pairing)
    return render(request, "assistance/pairing_detail.html", context, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def pairing_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    pairing = selectors.pairing_get(fetched_by=user, pairing_id=pk)
    detail_url = reverse("assistance:pairing_detail", args=[pairing.pk])
    if request.method == "GET":
        return redirect(f"{detail_url}#end")
    if not has_unit_permission(user, pairing.unit, caps.ASSISTANCE_RECORD):
        raise PermissionDenied(_("您没有结束这个结对的权限。"))
    form = PairingEndForm(request.POST)
    if form.is_valid():
        try:
            services.pairing_end(actor=user, pairing=pairing, reason=form.cleaned_data["reason"])
        except AssistanceError as exc:
            messages.error(request, exc.message)
            return redirect(detail_url)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("结对已结束。"))
            return redirect(detail_url)
    context = _pairing_context(request, pairing, bound={"end": form})
    _log_visits(request, pairing)
    return render(request, "assistance/pairing_detail.html", context, status=422)


# --- follow-ups after aid -------------------------------------------------------------------------


FOLLOW_UP_TABS = [("pending", gettext_lazy("待回访")), ("overdue", gettext_lazy("已逾期"))]


@login_required
@require_GET
def follow_up_list(request: HttpRequest) -> HttpResponse:
    """Paid aid still waiting for its follow-up visit; overdue ones are missing follow-ups."""
    user = request.user
    if not has_capability(user, caps.ASSISTANCE_VIEW):
        raise PermissionDenied(_("您没有查看帮扶回访的权限。"))
    tab = request.GET.get("tab") or "pending"
    if tab not in dict(FOLLOW_UP_TABS):
        tab = "pending"
    today = timezone.localdate()
    rows = selectors.follow_up_list(fetched_by=user, overdue_only=tab == "overdue", on=today)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for application in page.object_list:
        application.masked_name = mask_name(application.member.name)
        application.is_overdue = application.follow_up_due < today
    context = {
        "tab": tab,
        "tabs": FOLLOW_UP_TABS,
        "counts": selectors.follow_up_counts(fetched_by=user, on=today),
        **_paging(page),
        **assistance_nav(user),
    }
    return render(request, "assistance/followups_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the follow-up visit on paid aid: did it arrive, what changed, what is needed now."""
    user = request.user
    application = selectors.follow_up_application_get(fetched_by=user, application_id=pk)
    if not has_unit_permission(user, application.unit, caps.ASSISTANCE_RECORD):
        raise PermissionDenied(_("您没有登记回访的权限。"))
    posted = request.POST if request.method == "POST" else None
    form = FollowUpForm(posted)
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_record(
                actor=user,
                kind=Visit.Kind.FOLLOW_UP,
                application=application,
                visited_on=data["visited_on"],
                aid_arrived=data["aid_arrived"],
                effect=data["effect"],
                notes=data["notes"],
                needs=data["needs"],
            )
        except AssistanceError as exc:
            messages.error(request, exc.message)
            return redirect("assistance:follow_ups")
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已登记回访:%(number)s。") % {"number": application.number})
            return redirect("assistance:follow_ups")
    application.masked_name = mask_name(application.member.name)
    context = {
        "application": application,
        "form": form,
        "earlier": selectors.application_follow_ups(application=application),
        **assistance_nav(user),
    }
    return render(request, "assistance/followups_new.html", context, status=422 if posted else 200)


urlpatterns = [
    path("pairings/", pairing_list, name="pairings"),
    path("pairings/mine/", my_pairings, name="my_pairings"),
    path("pairings/new/", pairing_new, name="pairing_new"),
    path("pairings/<int:pk>/", pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/visit/", pairing_visit, name="pairing_visit"),
    path("pairings/<int:pk>/end/", pairing_end, name="pairing_end"),
    path("follow-ups/", follow_up_list, name="follow_ups"),
    path("follow-ups/<int:pk>/", follow_up_new, name="follow_up_new"),
]
