"""Pages of the organization tree: the browser, the unit page, its management forms and the import.

A unit outside the user's view scope answers 404; a visible unit the user may not manage answers 403
to management requests (and its buttons are hidden). Every write goes through `services` or
`imports`. Management forms are pages of their own, and for an htmx request the same URL answers the
form fragment, which the unit page shows in its panel.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from lianxin.core.capabilities import ORG_MANAGE
from lianxin.core.models import ImportBatch
from lianxin.core.permissions import has_capability, has_unit_permission

from . import forms, imports, selectors, services
from .models import POST_LEVELS, SixHave, Unit, UnitLevel

PAGE_SIZE = 20
ERRORS_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _page_or_fragment(request: HttpRequest, page: str, fragment: str, context: dict) -> HttpResponse:
    return render(request, fragment if _is_htmx(request) else page, {"nav_active": "org", **context})


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if _is_htmx(request) else redirect(url)


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _require_manage(user, unit: Unit) -> None:
    if not has_unit_permission(user, unit, ORG_MANAGE):
        raise PermissionDenied(_("您没有维护该单位的权限。"))


def _managed_unit(request: HttpRequest, unit_id: int) -> Unit:
    """404 when the unit is out of view, 403 when it is in view but not manageable."""
    unit = selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
    _require_manage(request.user, unit)
    return unit


# --- Browsing ---------------------------------------------------------------------------------------


@login_required
@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    results, total = selectors.unit_search(fetched_by=request.user, q=q)
    context = {"q": q, "results": results, "results_total": total}
    if _is_htmx(request):
        return render(request, "org/partials/_search_results.html", context)
    context["roots"] = selectors.unit_roots(fetched_by=request.user)
    context["can_import"] = has_capability(request.user, ORG_MANAGE)
    return render(request, "org/tree.html", {"nav_active": "org", **context})


@login_required
@require_GET
def unit_children(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
    context = {"unit": unit, "children": selectors.unit_children(fetched_by=request.user, unit=unit)}
    if not _is_htmx(request):
        context["ancestors"] = selectors.unit_ancestors(fetched_by=request.user, unit=unit)
    return _page_or_fragment(request, "org/children.html", "org/partials/_children.html", context)


def _chart_data(coverage: selectors.Coverage) -> dict:
    rows = [
        (_("班组联络员覆盖率"), coverage.teams_with_liaison, coverage.teams),
        (_("车间工作站覆盖率"), coverage.sections_with_station, coverage.sections),
        (_("工作室六有达标率"), coverage.rooms_six_haves, coverage.rooms),
        (_("工作站六有达标率"), coverage.stations_six_haves, coverage.stations),
    ]
    return {
        "labels": [label for label, _part, _whole in rows],
        "parts": [part for _label, part, _whole in rows],
        "wholes": [whole for _label, _part, whole in rows],
        "rates": [round(100 * part / whole, 1) if whole else None for _label, part, whole in rows],
        "empty": _("无"),
    }


@login_required
@require_GET
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
    overview = selectors.unit_overview(fetched_by=request.user, unit=unit, limit=PAGE_SIZE)
    context = {
        "unit": unit,
        "o": overview,
        "chart": _chart_data(overview.coverage),
        "is_team": unit.level == UnitLevel.TEAM,
        "can_add_post": any(unit.level in levels for levels in POST_LEVELS.values()),
        "nav_active": "org",
    }
    return render(request, "org/unit.html", context)


@login_required
@require_GET
def unit_posts(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
    page = Paginator(selectors.subtree_posts(unit=unit), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "page": page,
        "posts": selectors.posts_with_six_haves(page.object_list),
        "can_manage": selectors.unit_can_manage(user=request.user, unit=unit),
        "ancestors": selectors.unit_ancestors(fetched_by=request.user, unit=unit),
    }
    return _page_or_fragment(request, "org/posts.html", "org/partials/_post_list.html", context)


@login_required
@require_GET
def unit_liaisons(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get(fetched_by=request.user, unit_id=unit_id)
    page = Paginator(selectors.unit_liaisons(unit=unit), PAGE_SIZE * 2).get_page(request.GET.get("page"))
    context = {
        "unit": unit,
        "page": page,
        "liaisons": page.object_list,
        "can_manage": selectors.unit_can_manage(user=request.user, unit=unit),
        "ancestors": selectors.unit_ancestors(fetched_by=request.user, unit=unit),
    }
    return _page_or_fragment(request, "org/liaisons.html", "org/partials/_liaison_list.html", context)


# --- Management -------------------------------------------------------------------------------------

Saver = Callable[[dict], tuple[str, str]]


def _form_page(
    request: HttpRequest,
    form,
    save: Saver,
    *,
    unit: Unit,
    title: str,
    field_map: dict[str, str] | None = None,
    **extra,
) -> HttpResponse:
    """Show the form (page or fragment); on a valid POST call `save`, which returns (url, message)."""
    if request.method == "POST" and form.is_valid():
        try:
            url, message = save(form.cleaned_data)
        except ValidationError as exc:
            forms.apply_errors(form, exc, field_map)
        else:
            messages.success(request, message)
            return _redirect(request, url)
    context = {"form": form, "unit": unit, "title": title, "action": request.get_full_path(), **extra}
    if not _is_htmx(request):
        context["ancestors"] = selectors.unit_ancestors(fetched_by=request.user, unit=unit)
    return _page_or_fragment(request, "org/form.html", "org/partials/_form.html", context)


def _unit_url(unit: Unit) -> str:
    return reverse("org:unit", args=[unit.pk])


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest, unit_id: int) -> HttpResponse:
    parent = _managed_unit(request, unit_id)
    form = forms.UnitCreateForm(_posted(request), parent=parent)

    def save(data: dict) -> tuple[str, str]:
        child = services.unit_create(parent=parent, created_by=request.user, **data)
        return _unit_url(child), _("已建立单位“%(name)s”。") % {"name": child.name}

    title = _("在“%(name)s”下新建单位") % {"name": parent.name}
    return _form_page(request, form, save, unit=parent, title=title)


@login_required
@require_http_methods(["GET", "POST"])
def union_body_edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _managed_unit(request, unit_id)
    body = selectors.union_body_of(unit=unit)
    form = forms.UnionBodyForm(_posted(request), fetched_by=request.user, unit=unit, body=body)

    def save(data: dict) -> tuple[str, str]:
        services.union_body_save(unit=unit, saved_by=request.user, **data)
        return _unit_url(unit), _("工会组织信息已保存。")

    return _form_page(request, form, save, unit=unit, title=_("工会组织"))


@login_required
@require_http_methods(["GET", "POST"])
def post_create(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _managed_unit(request, unit_id)
    form = forms.PostForm(_posted(request), fetched_by=request.user, unit=unit)

    def save(data: dict) -> tuple[str, str]:
        post = services.post_create(unit=unit, created_by=request.user, **data)
        return _unit_url(unit), _("已建立“%(name)s”。") % {"name": post.name}

    note = _("群众工作室建在集团和二级公司;群众工作站建在三级单位和区科/车间。")
    return _form_page(
        request, form, save, unit=unit, title=_("新建群众工作阵地"), field_map={"unit": "kind"}, note=note
    )


def _checklist_target(request: HttpRequest, post_id: int, item: str):
    post = selectors.post_get(fetched_by=request.user, post_id=post_id)
    if item not in SixHave.values:
        raise Http404
    _require_manage(request.user, post.unit)
    return post, SixHave(item).label


@login_required
@require_http_methods(["GET", "POST"])
def checklist_set(request: HttpRequest, post_id: int, item: str) -> HttpResponse:
    post, label = _checklist_target(request, post_id, item)
    row = selectors.checklist_row(post=post, item=item)
    form = forms.ChecklistSetForm(_posted(request), row=row)

    def save(data: dict) -> tuple[str, str]:
        services.post_checklist_set(post=post, item=item, checked_by=request.user, **data)
        return _unit_url(post.unit), _("已登记“%(item)s”。") % {"item": label}

    title = _("%(post)s · 登记“%(item)s”") % {"post": post.name, "item": label}
    return _form_page(request, form, save, unit=post.unit, title=title)


@login_required
@require_http_methods(["GET", "POST"])
def checklist_clear(request: HttpRequest, post_id: int, item: str) -> HttpResponse:
    post, label = _checklist_target(request, post_id, item)
    form = forms.ChecklistClearForm(_posted(request))

    def save(data: dict) -> tuple[str, str]:
        services.post_checklist_clear(post=post, item=item, cleared_by=request.user, **data)
        return _unit_url(post.unit), _("已撤销“%(item)s”。") % {"item": label}

    title = _("%(post)s · 撤销“%(item)s”") % {"post": post.name, "item": label}
    return _form_page(request, form, save, unit=post.unit, title=title, danger=True)


@login_required
@require_http_methods(["GET", "POST"])
def liaison_appoint(request: HttpRequest, unit_id: int) -> HttpResponse:
    team = _managed_unit(request, unit_id)
    if team.level != UnitLevel.TEAM:
        raise Http404
    form = forms.LiaisonAppointForm(_posted(request), fetched_by=request.user, team=team)

    def save(data: dict) -> tuple[str, str]:
        liaison = services.liaison_appoint(
            team=team, member=data["member"], appointed_on=data["appointed_on"], appointed_by=request.user
        )
        return _unit_url(team), _("已任命 %(name)s 为联络员。") % {"name": liaison.member.name}

    title = _("%(team)s · 任命联络员") % {"team": team.name}
    return _form_page(request, form, save, unit=team, title=title)


@login_required
@require_http_methods(["GET", "POST"])
def liaison_end(request: HttpRequest, liaison_id: int) -> HttpResponse:
    liaison = selectors.liaison_get(fetched_by=request.user, liaison_id=liaison_id)
    _require_manage(request.user, liaison.team)
    if liaison.ended_on is not None:
        messages.info(request, _("该联络员已于 %(day)s 卸任。") % {"day": liaison.ended_on})
        return _redirect(request, _unit_url(liaison.team))
    form = forms.LiaisonEndForm(_posted(request), liaison=liaison)

    def save(data: dict) -> tuple[str, str]:
        services.liaison_end(liaison=liaison, ended_by=request.user, **data)
        return _unit_url(liaison.team), _("%(name)s 已卸任联络员。") % {"name": liaison.member.name}

    title = _("%(team)s · 联络员 %(name)s 卸任") % {"team": liaison.team.name, "name": liaison.member.name}
    return _form_page(request, form, save, unit=liaison.team, title=title, danger=True)


@login_required
@require_http_methods(["GET", "POST"])
def unit_move(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _managed_unit(request, unit_id)
    form = forms.UnitMoveForm(_posted(request), fetched_by=request.user)

    def save(data: dict) -> tuple[str, str]:
        moved = services.unit_move(unit=unit, new_parent=data["parent_code"], moved_by=request.user)
        return _unit_url(moved), _("已把“%(name)s”移到“%(parent)s”之下。") % {
            "name": moved.name,
            "parent": data["parent_code"].name,
        }

    title = _("移动“%(name)s”") % {"name": unit.name}
    return _form_page(request, form, save, unit=unit, title=title, field_map={"parent": "parent_code"})


# --- Import -----------------------------------------------------------------------------------------


def _require_import(user) -> None:
    if not has_capability(user, ORG_MANAGE):
        raise PermissionDenied(_("您没有维护组织架构的权限。"))


def _import_scope_initial(request: HttpRequest) -> str:
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        unit = selectors.unit_get(fetched_by=request.user, unit_id=int(unit_id))
        if has_unit_permission(request.user, unit, ORG_MANAGE):
            return unit.code
    roots = selectors.units_managed_roots(fetched_by=request.user)
    return roots[0].code if roots else ""


@login_required
@require_http_methods(["GET", "POST"])
def unit_import(request: HttpRequest) -> HttpResponse:
    _require_import(request.user)
    form = forms.UnitImportForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        fetched_by=request.user,
        initial={"scope_code": _import_scope_initial(request)},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = imports.unit_import_check(
                content=imports.read_upload(upload),
                filename=upload.name,
                scope_unit=form.cleaned_data["scope_code"],
                checked_by=request.user,
            )
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            return redirect("org:import_batch", batch_id=batch.pk)
    return render(request, "org/import.html", {"form": form, "nav_active": "org"})


@login_required
@require_GET
def unit_import_template(request: HttpRequest) -> HttpResponse:
    _require_import(request.user)
    response = HttpResponse(imports.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, _("组织架构导入模板") + ".xlsx")
    return response


def _apply_batch(request: HttpRequest, batch: ImportBatch, form) -> ImportBatch | None:
    """Carry out the user's choice on a checked batch; None when the form was not valid."""
    if request.POST.get("action") == "discard":
        imports.unit_import_discard(batch=batch, discarded_by=request.user)
        messages.info(request, _("已放弃这批导入,没有写入任何单位。"))
        return batch
    if not form.is_valid():
        return None
    try:
        batch = imports.unit_import_apply(
            batch=batch, on_error=form.cleaned_data["on_error"], applied_by=request.user
        )
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return None
    if batch.status == ImportBatch.Status.IMPORTED:
        messages.success(request, _("已导入 %(n)d 个单位。") % {"n": batch.imported_rows})
    else:
        messages.warning(request, _("表中有错误行,按您的选择全部没有导入。"))
    return batch


@login_required
@require_http_methods(["GET", "POST"])
def unit_import_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.unit_import_batch_get(fetched_by=request.user, batch_id=batch_id)
    default = imports.OnError.SKIP_BAD_ROWS if batch.errors else imports.OnError.REJECT_FILE
    form = forms.ImportApplyForm(_posted(request), initial={"on_error": default})
    posted = request.method == "POST" and batch.status == ImportBatch.Status.CHECKED
    if posted and _apply_batch(request, batch, form) is not None:
        return redirect("org:import_batch", batch_id=batch.pk)
    context = {
        "batch": batch,
        "form": form,
        "errors_shown": batch.errors[:ERRORS_SHOWN],
        "bad_rows": batch.total_rows - batch.good_rows,
        "nav_active": "org",
    }
    return render(request, "org/import_batch.html", context)
