"""Member pages: the registry list, one member, the new-member form, import and export.

Views parse input, call one selector or service and shape the answer; scope lives in the selectors
(404 outside it) and the services (403 for an action the role does not grant).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from lianxin.core import capabilities as caps
from lianxin.core.pagination import CappedPaginator
from lianxin.core.permissions import has_capability, has_unit_permission

from . import exports, imports, selectors, services
from .forms import ImportForm, LeaveForm, MemberCreateForm, MemberEditForm, MemberFilterForm, TransferForm
from .models import Member, MemberStatus

PAGE_SIZE = 50
REPORT_PAGE_SIZE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _fragment_wanted(request: HttpRequest) -> bool:
    """An htmx request for part of the page (not a boosted page load or a history restore)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _posted(request: HttpRequest):
    """The POST data of a POST (even an empty one, which must show its errors), else None."""
    return request.POST if request.method == "POST" else None


def _xlsx(content: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.xlsx"'
    return response


# --- The list ------------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def member_list(request: HttpRequest) -> HttpResponse:
    """The registry: search, filters and 50 a page; with HX-Request, only the results fragment."""
    user = request.user
    form = MemberFilterForm(request.GET, units=selectors.member_units(fetched_by=user))
    members = selectors.member_list(fetched_by=user, **form.filters())
    page = CappedPaginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read here, not while the template renders
    context = {
        "form": form,
        "page": page,
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "ellipsis": Paginator.ELLIPSIS,
        "nav_active": "members",
        "can_create": has_capability(user, caps.MEMBERS_MANAGE),
        "can_import": has_capability(user, caps.MEMBERS_IMPORT),
        "can_export": has_capability(user, caps.MEMBERS_EXPORT),
        "can_export_personal": has_capability(user, caps.MEMBERS_EXPORT)
        and has_capability(user, caps.MEMBERS_VIEW_PERSONAL),
    }
    if _fragment_wanted(request):
        return render(request, "members/partials/_results.html", context)
    return render(request, "members/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as .xlsx: masked by GET, unmasked by POST with `unmasked` (logged either way)."""
    user = request.user
    data = request.POST if request.method == "POST" else request.GET
    form = MemberFilterForm(data, units=selectors.member_units(fetched_by=user))
    filters = form.filters()
    if form.has_error("unit"):
        raise Http404  # a unit outside the user's sight, named in the address: not revealed
    if not has_capability(user, caps.MEMBERS_EXPORT):
        raise PermissionDenied(_("您没有导出会员名册的权限。"))
    unmasked = request.method == "POST" and bool(data.get("unmasked"))
    try:
        content, _count = exports.member_export(
            exported_by=user, filters=filters, unmasked=unmasked, request=request
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        query = data.copy()
        for key in ("csrfmiddlewaretoken", "unmasked"):
            query.pop(key, None)
        return redirect(f"{reverse('members:list')}?{query.urlencode()}")
    return _xlsx(content, "members")


# --- One member ----------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, member: Member, **extra) -> dict:
    user = request.user
    can_manage = has_unit_permission(user, member.unit, caps.MEMBERS_MANAGE)
    unit_path = selectors.member_unit_path(member=member)
    context = {
        "member": member,
        "unit_path": [(unit, has_unit_permission(user, unit, caps.ORG_VIEW)) for unit in unit_path],
        "transfers": selectors.member_transfers(member=member),
        "liaison_roles": selectors.member_liaison_roles(member=member),
        "can_reveal": has_unit_permission(user, member.unit, caps.MEMBERS_VIEW_PERSONAL),
        "can_manage": can_manage,
        # transfer and leave forms: for active members, or to show a refused form's errors
        "show_manage_forms": can_manage and (member.status == MemberStatus.ACTIVE or "open_form" in extra),
        "nav_active": "me" if member.user_id == user.pk else "members",
    }
    if context["show_manage_forms"]:
        units = [
            unit
            for unit in selectors.member_units(fetched_by=user, code=caps.MEMBERS_MANAGE)
            if unit.pk != member.unit_id
        ]
        context["transfer_form"] = TransferForm(units=units, auto_id="transfer_%s")
        context["leave_form"] = LeaveForm(auto_id="leave_%s")
    context.update(extra)
    return context


def _member_to_manage(request: HttpRequest, member_id: int) -> Member:
    """The member, if in sight (else 404) and in the user's `members.manage` scope (else 403)."""
    member = selectors.member_get(fetched_by=request.user, member_id=member_id)
    if not has_unit_permission(request.user, member.unit, caps.MEMBERS_MANAGE):
        raise PermissionDenied(_("您没有维护该单位会员的权限。"))
    return member


@login_required
@require_GET
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.member_get(fetched_by=request.user, member_id=member_id)
    return render(request, "members/detail.html", _detail_context(request, member))


@login_required
@require_POST
def member_reveal(request: HttpRequest, member_id: int) -> HttpResponse:
    """The clear ID number and phone (logged); the fragment for htmx, the whole page otherwise."""
    member = selectors.member_get(fetched_by=request.user, member_id=member_id)
    personal = services.member_reveal_personal(member=member, revealed_by=request.user, request=request)
    if request.htmx:
        return render(request, "members/partials/_personal.html", {"member": member, "personal": personal})
    return render(request, "members/detail.html", _detail_context(request, member, personal=personal))


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = _member_to_manage(request, member_id)
    initial = {name: getattr(member, name) for name in services.UPDATABLE_FIELDS}
    form = MemberEditForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in services.UPDATABLE_FIELDS
        }
        try:
            services.member_update(
                member=member,
                updated_by=request.user,
                id_number=form.cleaned_data["id_number"],
                phone=form.cleaned_data["phone"],
                **changes,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("members:detail", member_id=member.pk)
    return render(request, "members/edit.html", {"form": form, "member": member, "nav_active": "members"})


@login_required
@require_http_methods(["GET", "POST"])
def member_transfer(request: HttpRequest, member_id: int) -> HttpResponse:
    """POST moves the member; GET shows the member's page with the transfer form open."""
    member = _member_to_manage(request, member_id)
    if request.method == "GET":
        return render(request, "members/detail.html", _detail_context(request, member, open_form="transfer"))
    units = selectors.member_units(fetched_by=request.user, code=caps.MEMBERS_MANAGE)
    form = TransferForm(request.POST, units=units, auto_id="transfer_%s")
    if form.is_valid():
        try:
            services.member_transfer(
                member=member,
                to_unit=form.cleaned_data["to_unit"],
                transferred_by=request.user,
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已调转。"))
            return redirect("members:detail", member_id=member.pk)
    context = _detail_context(request, member, transfer_form=form, open_form="transfer")
    return render(request, "members/detail.html", context, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def member_leave(request: HttpRequest, member_id: int) -> HttpResponse:
    """POST marks the member as left; GET shows the member's page with the form open."""
    member = _member_to_manage(request, member_id)
    if request.method == "GET":
        return render(request, "members/detail.html", _detail_context(request, member, open_form="leave"))
    form = LeaveForm(request.POST, auto_id="leave_%s")
    if form.is_valid():
        try:
            services.member_leave(
                member=member,
                left_by=request.user,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已办理离会。"))
            return redirect("members:detail", member_id=member.pk)
    context = _detail_context(request, member, leave_form=form, open_form="leave")
    return render(request, "members/detail.html", context, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest) -> HttpResponse:
    units = selectors.member_units(fetched_by=request.user, code=caps.MEMBERS_MANAGE)
    if not units:
        raise PermissionDenied(_("您没有登记会员的权限。"))
    form = MemberCreateForm(_posted(request), units=units)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            member = services.member_create(created_by=request.user, **data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已登记会员 %(name)s。") % {"name": member.name})
            return redirect("members:detail", member_id=member.pk)
    return render(request, "members/create.html", {"form": form, "nav_active": "members"})


# --- Import --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_import(request: HttpRequest) -> HttpResponse:
    """Upload a sheet and choose the unit; the rows are checked and the report shown, nothing written."""
    units = selectors.member_units(fetched_by=request.user, code=caps.MEMBERS_IMPORT)
    if not units:
        raise PermissionDenied(_("您没有导入会员的权限。"))
    form = ImportForm(_posted(request), request.FILES if request.method == "POST" else None, units=units)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = imports.member_import_check(
                content=imports.read_upload(upload),
                filename=upload.name or "members.xlsx",
                scope_unit=form.cleaned_data["unit"],
                checked_by=request.user,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("members:import_report", batch_id=batch.pk)
    return render(request, "members/import.html", {"form": form, "nav_active": "import"})


@login_required
@require_GET
def member_import_template(request: HttpRequest) -> HttpResponse:
    return _xlsx(imports.template_workbook(), "member-import-template")


@login_required
@require_GET
def member_import_report(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.import_batch_get(fetched_by=request.user, batch_id=batch_id)
    errors = Paginator(batch.errors, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "batch": batch,
        "report": imports.report_of(batch),
        "errors": errors,
        "errors_truncated": len(batch.errors) >= imports.MAX_ERRORS_KEPT,
        "nav_active": "import",
    }
    return render(request, "members/import_report.html", context)


@login_required
@require_POST
def member_import_apply(request: HttpRequest, batch_id: int) -> HttpResponse:
    """ "导入无误的行": write the good rows, skip the bad ones."""
    batch = selectors.import_batch_get(fetched_by=request.user, batch_id=batch_id)
    try:
        batch = imports.member_import_apply(
            batch=batch, on_error=imports.OnError.SKIP_BAD_ROWS, applied_by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已导入 %(n)d 名会员。") % {"n": batch.imported_rows})
    return redirect("members:import_report", batch_id=batch.pk)


@login_required
@require_POST
def member_import_discard(request: HttpRequest, batch_id: int) -> HttpResponse:
    """ "全部不导入"."""
    batch = selectors.import_batch_get(fetched_by=request.user, batch_id=batch_id)
    try:
        imports.member_import_discard(batch=batch, discarded_by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("已放弃这批导入,没有写入任何会员。"))
    return redirect("members:import_report", batch_id=batch.pk)
