"""Hardship-file pages: the list (names masked, due reviews), opening a file with its household and
the suggested level, one file (logged as a view of personal data), correcting and reviewing it,
exit (脱困), and its documents.

Views parse input, call one selector or service and shape the answer. A file outside the user's
scope answers 404 (GET and POST alike); a step the user's role does not grant, 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from lianxin.appeals.attachments import ACCEPT
from lianxin.core import capabilities as caps
from lianxin.core.audit import access_log, target_of
from lianxin.core.pagination import CappedPaginator
from lianxin.core.permissions import has_capability, has_unit_permission
from lianxin.core.text import mask_name
from lianxin.members.selectors import member_units

from ..forms_files import (
    DocumentForm,
    FileChangeForm,
    FileExitForm,
    FileFilterForm,
    FileOpenForm,
    person_formset,
)
from ..models import Cause, FileEvent, FileStatus, HardshipFile, Level, Relation
from ..selectors import files as selectors
from ..selectors.pairing import file_pairings, file_visits, my_pairings
from ..services import files as services
from ..services.base import AssistanceError

PAGE_SIZE = 50
DETAIL_FIELDS = ["member", "persons", "incomes", "address", "situation", "documents"]
"""What a file's page shows of the household (for the access log)."""


def _fragment_wanted(request: HttpRequest) -> bool:
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def assistance_nav(user) -> dict:
    """What the assistance pages of this area offer the user."""
    return {
        "nav_active": "assistance",
        "can_view": has_capability(user, caps.ASSISTANCE_VIEW),
        "can_record": has_capability(user, caps.ASSISTANCE_RECORD),
    }


# --- the list -----------------------------------------------------------------------------------


def _page(request: HttpRequest, files):
    paginator = CappedPaginator(files, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    today = timezone.localdate()
    for file in page.object_list:
        file.masked_name = mask_name(file.member.name)
        file.review_overdue = file.status == FileStatus.ACTIVE and file.next_review_on < today
    return page


@login_required
@require_GET
@vary_on_headers("HX-Request")
def file_list(request: HttpRequest) -> HttpResponse:
    """Files in scope, names masked; filters by level, status, unit and due review."""
    user = request.user
    if not has_capability(user, caps.ASSISTANCE_VIEW):
        if my_pairings(fetched_by=user):
            return redirect("assistance:my_pairings")
        raise PermissionDenied(_("您没有查看困难职工档案的权限。"))
    form = FileFilterForm(request.GET, units=member_units(fetched_by=user, code=caps.ASSISTANCE_VIEW))
    filters = form.filters()
    page = _page(request, selectors.file_list(fetched_by=user, filters=filters))
    context = {
        "form": form,
        "counts": selectors.review_counts(fetched_by=user, unit=filters.unit),
        "review_due": filters.review_due,
        "page": page,
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "ellipsis": Paginator.ELLIPSIS,
        **assistance_nav(user),
    }
    if _fragment_wanted(request):
        return render(request, "assistance/partials/_files_results.html", context)
    return render(request, "assistance/files_list.html", context)


# --- the suggestion ---------------------------------------------------------------------------------


def _suggestion(unit, persons: list[dict], causes: list[str], *, unit_known: bool = True) -> dict:
    """What the suggestion box says: the figures, the standard and the level (or why there is none)."""
    size, total, per_head = services.household_figures(persons)
    result = {"size": size, "total": total, "per_head": per_head, "unit_known": unit_known}
    if not unit_known or not size:
        return result
    level, standard = services.level_suggest(unit=unit, income_per_head=per_head, causes=causes)
    result.update(
        {
            "standard": standard,
            "level": level,
            "level_label": Level(level).label if level else "",
            "ratio": (per_head / standard).quantize(services.CENT) if standard else None,
        }
    )
    return result


def _posted_persons(formset) -> list[dict]:
    """The rows of a household form that read well so far (for a suggestion while typing)."""
    rows = []
    for index, form in enumerate(formset.forms):
        if formset.can_delete and form.is_valid() and form.cleaned_data.get("DELETE"):
            continue  # marked as gone
        if index >= formset.initial_form_count() and not form.has_changed():
            continue
        if form.is_valid():
            rows.append(form.person())
    return rows


@login_required
@require_POST
def file_suggest(request: HttpRequest) -> HttpResponse:
    """The suggested level for the household being typed (htmx, from the open/edit/review forms)."""
    user = request.user
    if not has_capability(user, caps.ASSISTANCE_RECORD):
        raise PermissionDenied(_("您没有建立困难档案的权限。"))
    formset = person_formset(request.POST, removable=bool(request.POST.get("file")))
    persons = _posted_persons(formset) if formset.is_bound and formset.management_form.is_valid() else []
    causes = [cause for cause in request.POST.getlist("causes")]
    unit = None
    if request.POST.get("file"):
        unit = selectors.file_get(fetched_by=user, file_id=request.POST["file"]).unit
    else:
        found = selectors.file_member_candidates(fetched_by=user, q=request.POST.get("member", ""))
        if len(found) == 1:
            unit = found[0].unit
    context = {"suggestion": _suggestion(unit, persons, causes, unit_known=unit is not None)}
    return render(request, "assistance/partials/_files_suggestion.html", context)


# --- opening a file -----------------------------------------------------------------------------


def _member_lookup(user):
    def lookup(text: str):
        return selectors.file_member_candidates(fetched_by=user, q=text)

    return lookup


def _open_initial(request: HttpRequest, user) -> tuple[dict, list[dict], object, object]:
    """Prefill from ?member=<pk> or ?appeal=<pk> (a hardship appeal's worker and words)."""
    initial: dict = {}
    persons: list[dict] = []
    appeal = None
    member = None
    if request.GET.get("appeal"):
        from lianxin.appeals.selectors import appeal_get

        appeal = appeal_get(fetched_by=user, appeal_id=request.GET["appeal"])
        initial["situation"] = appeal.text
        if appeal.member_id and not appeal.is_anonymous:
            member = appeal.member
    if request.GET.get("member"):
        member = selectors.member_for_file(fetched_by=user, member_id=request.GET["member"])
    if member is not None:
        initial["member"] = member.member_no
        persons = [{"name": member.name, "relation": Relation.SELF}]
    else:
        persons = [{"relation": Relation.SELF}]
    return initial, persons, appeal, member


@login_required
@require_http_methods(["GET", "POST"])
def file_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_capability(user, caps.ASSISTANCE_RECORD):
        raise PermissionDenied(_("您没有建立困难档案的权限。"))
    initial, persons, appeal, member = _open_initial(request, user)
    posted = request.POST if request.method == "POST" else None
    form = FileOpenForm(posted, initial=initial, member_lookup=_member_lookup(user))
    formset = person_formset(posted, initial=persons, blank_rows=2)
    existing = None
    if posted is not None and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            file = services.file_open(
                actor=user,
                member=data["member"],
                causes=data["causes"],
                situation=data["situation"],
                persons=formset.persons(),
                address=data["address"],
                level=data["level"] or None,
                appeal=appeal,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
            existing = selectors.member_active_file(member=data["member"])
        else:
            messages.success(request, _("已建档:%(number)s。") % {"number": file.number})
            return redirect("assistance:file_detail", pk=file.pk)
    if posted is not None:
        member = form.cleaned_data.get("member")
    elif member is not None:
        existing = selectors.member_active_file(member=member)
    unit = member.unit if member is not None else None
    suggestion = _suggestion(
        unit,
        _posted_persons(formset) if posted is not None else [],
        form.cleaned_data.get("causes", []) if posted is not None else [],
        unit_known=unit is not None,
    )
    context = {
        "form": form,
        "formset": formset,
        "suggestion": suggestion,
        "existing": existing
        if existing and has_unit_permission(user, existing.unit, caps.ASSISTANCE_VIEW)
        else None,
        "appeal": appeal,
        **assistance_nav(user),
    }
    return render(request, "assistance/files_new.html", context, status=422 if posted else 200)


# --- one file -----------------------------------------------------------------------------------


def _log_view(request: HttpRequest, file: HardshipFile, fields: list[str], **detail) -> None:
    via = selectors.file_seen_through_pairing(fetched_by=request.user, file=file)
    if via:
        detail["via"] = "pairing"
    access_log(
        user=request.user,
        action="view",
        subject=target_of(file),
        fields=fields,
        request=request,
        number=file.number,
        **detail,
    )


def _may_record(user, file: HardshipFile) -> bool:
    return has_unit_permission(user, file.unit, caps.ASSISTANCE_RECORD)


def _cause_labels(causes) -> list[str]:
    return [str(Cause(cause).label) for cause in causes if cause in Cause.values]


def _level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else ""


def _history(file: HardshipFile) -> list:
    """The file's events, newest first, each with what changed said in words."""
    events = selectors.file_events(file=file)
    for event in events:
        levels = event.detail.get("level") if isinstance(event.detail, dict) else None
        event.level_text = ""
        if isinstance(levels, list) and len(levels) == 2:
            event.level_text = f"{_level_label(levels[0])} → {_level_label(levels[1])}"
        elif event.action == FileEvent.Action.OPENED and levels:
            suggested = event.detail.get("suggested_level") or ""
            event.level_text = _level_label(levels)
            if suggested and suggested != levels:
                event.level_text += _("(建议:%(level)s)") % {"level": _level_label(suggested)}
    return events


def _detail_context(request: HttpRequest, file: HardshipFile, *, bound: dict | None = None) -> dict:
    user = request.user
    bound = bound or {}
    may_record = _may_record(user, file)
    active = file.status == FileStatus.ACTIVE
    file.cause_labels = _cause_labels(file.causes)
    file.review_overdue = active and file.next_review_on < timezone.localdate()
    context = {
        "file": file,
        "persons": selectors.file_persons(file=file),
        "documents": selectors.file_documents(file=file),
        "events": _history(file),
        "applications": selectors.file_applications(fetched_by=user, file=file),
        "pairings": file_pairings(file=file),
        "visits": file_visits(file=file),
        "may_record": may_record,
        "active": active,
        "accept": ACCEPT,
        **assistance_nav(user),
    }
    if may_record:
        context["document_form"] = bound.get("document") or DocumentForm(accept=ACCEPT)
        if active:
            context["exit_form"] = bound.get("exit") or FileExitForm(initial={"version": file.version})
    context["open_step"] = next(iter(bound), "")
    return context


@login_required
@require_GET
def file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    file = selectors.file_get(fetched_by=request.user, file_id=pk)
    context = _detail_context(request, file)
    _log_view(request, file, DETAIL_FIELDS)
    return render(request, "assistance/files_detail.html", context)


def _file_for_change(request: HttpRequest, pk: int) -> HardshipFile:
    """The file (404 outside scope), when the user may record on it (403 otherwise)."""
    file = selectors.file_get(fetched_by=request.user, file_id=pk)
    if not _may_record(request.user, file):
        raise PermissionDenied(_("您没有修改这份档案的权限。"))
    return file


def _person_rows(file: HardshipFile) -> list[dict]:
    return [
        {
            "name": person.name,
            "relation": person.relation,
            "birth_year": person.birth_year,
            "occupation": person.occupation,
            "monthly_income": person.monthly_income,
            "school_level": person.school_level,
            "health": person.health,
        }
        for person in selectors.file_persons(file=file)
    ]


def _change(request: HttpRequest, pk: int, *, review: bool) -> HttpResponse:
    user = request.user
    file = _file_for_change(request, pk)
    detail_url = reverse("assistance:file_detail", args=[file.pk])
    if file.status != FileStatus.ACTIVE:
        messages.error(request, _("档案已脱困,不能再修改;如再次陷入困难,请重新建档。"))
        return redirect(detail_url)
    posted = request.POST if request.method == "POST" else None
    initial = {
        "causes": file.causes,
        "situation": file.situation,
        "address": file.address,
        "level": file.level,
        "version": file.version,
    }
    form = FileChangeForm(posted, initial=initial, review=review)
    formset = person_formset(posted, initial=_person_rows(file), blank_rows=1, removable=True)
    if posted is not None and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        household = {
            "causes": data["causes"],
            "situation": data["situation"],
            "address": data["address"],
            "persons": formset.persons(),
            "level": data["level"],
        }
        try:
            if review:
                services.file_review(
                    actor=user,
                    file=file,
                    version=data["version"],
                    note=data["note"],
                    reviewed_on=data.get("reviewed_on"),
                    **household,
                )
            else:
                services.file_update(
                    actor=user, file=file, version=data["version"], note=data["note"], **household
                )
        except AssistanceError as exc:  # AssistanceConflict included: someone changed it first
            messages.error(request, exc.message)
            return redirect(detail_url)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已完成年度复核。") if review else _("档案已更新。"))
            return redirect(detail_url)
    suggestion = _suggestion(
        file.unit,
        _posted_persons(formset) if posted is not None else _person_rows(file),
        form.cleaned_data.get("causes", []) if posted is not None else file.causes,
    )
    context = {"file": file, "form": form, "formset": formset, "review": review, "suggestion": suggestion}
    _log_view(request, file, ["persons", "incomes", "address", "situation"])
    return render(
        request,
        "assistance/files_change.html",
        {**context, **assistance_nav(user)},
        status=422 if posted else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def file_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, review=False)


@login_required
@require_http_methods(["GET", "POST"])
def file_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, review=True)


@login_required
@require_http_methods(["GET", "POST"])
def file_exit(request: HttpRequest, pk: int) -> HttpResponse:
    file = _file_for_change(request, pk)
    detail_url = reverse("assistance:file_detail", args=[file.pk])
    if request.method == "GET":
        return redirect(f"{detail_url}#exit")
    form = FileExitForm(request.POST)
    if form.is_valid():
        try:
            services.file_exit(
                actor=request.user,
                file=file,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except AssistanceError as exc:  # AssistanceConflict included: someone acted first
            messages.error(request, exc.message)
            return redirect(detail_url)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已登记脱困。"))
            return redirect(detail_url)
    context = _detail_context(request, file, bound={"exit": form})
    _log_view(request, file, DETAIL_FIELDS)
    return render(request, "assistance/files_detail.html", context, status=422)


# --- documents ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    file = _file_for_change(request, pk)
    detail_url = reverse("assistance:file_detail", args=[file.pk])
    if request.method == "GET":
        return redirect(f"{detail_url}#documents")
    form = DocumentForm(request.POST, request.FILES, accept=ACCEPT)
    if form.is_valid():
        try:
            document = services.document_add(
                actor=request.user,
                file=file,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["upload"],
            )
        except ValidationError as exc:
            form.add_error("upload", exc.messages)
        else:
            messages.success(request, _("已上传材料:%(title)s。") % {"title": document.title})
            return redirect(f"{detail_url}#documents")
    context = _detail_context(request, file, bound={"document": form})
    _log_view(request, file, DETAIL_FIELDS)
    return render(request, "assistance/files_detail.html", context, status=422)


@login_required
@require_GET
def document(request: HttpRequest, token: str) -> HttpResponse:
    """A file's document, to those who may see the file (logged); 404 to everyone else."""
    found = selectors.document_get(fetched_by=request.user, token=token)
    try:
        handle = found.stored.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    _log_view(request, found.file, ["documents"], document=found.token)
    is_pdf = found.content_type == "application/pdf"
    response = FileResponse(
        handle, content_type=found.content_type, as_attachment=is_pdf, filename=found.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("files/", file_list, name="files"),
    path("files/new/", file_new, name="file_new"),
    path("files/suggest/", file_suggest, name="file_suggest"),
    path("files/<int:pk>/", file_detail, name="file_detail"),
    path("files/<int:pk>/edit/", file_edit, name="file_edit"),
    path("files/<int:pk>/review/", file_review, name="file_review"),
    path("files/<int:pk>/exit/", file_exit, name="file_exit"),
    path("files/<int:pk>/documents/", document_add, name="file_document_add"),
    path("files/documents/<str:token>/", document, name="file_document"),
]
