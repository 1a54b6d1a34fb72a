"""Assistance pages: the home page (帮扶工作台), the statistics and the disclosure list (公示名单).

Views parse input, call the report selectors and shape the answer. A unit named in the address
outside the user's `assistance.view` scope answers 404; a page the user's role does not give
answers 403. The statistics and the disclosure list answer an htmx request with the results
fragment; the disclosure list downloads as Excel (`?download=xlsx`, needs `assistance.export`).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from lianxin.core.capabilities import ASSISTANCE_EXPORT, ASSISTANCE_VIEW
from lianxin.core.permissions import has_capability, has_unit_permission, scope_q
from lianxin.org.models import Unit, UnitLevel

from .. import exports
from ..forms_reports import ReportFilterForm
from ..models import Pairing
from ..selectors import reports as selectors

UNIT_CHOICES_CAP = 300
PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

AREAS = [
    # (URL name, label, what it holds) — the home page links each one that exists.
    ("assistance:files", gettext_lazy("困难职工档案"), gettext_lazy("建档、年度复核、脱困")),
    ("assistance:applications", gettext_lazy("帮扶申请"), gettext_lazy("登记、审批、发放、冲正")),
    ("assistance:funds", gettext_lazy("帮扶资金"), gettext_lazy("拨款、捐款、调拨和流水")),
    ("assistance:campaigns", gettext_lazy("募捐活动"), gettext_lazy("募捐和捐款人")),
    ("assistance:mutual_aid", gettext_lazy("互助保障"), gettext_lazy("保障计划和参保")),
    ("assistance:claims", gettext_lazy("互助理赔"), gettext_lazy("理赔登记、核准、赔付")),
    ("assistance:pairings", gettext_lazy("结对帮扶"), gettext_lazy("领导结对和走访情况")),
    ("assistance:follow_ups", gettext_lazy("跟踪问效"), gettext_lazy("发放后的回访")),
    ("assistance:reports", gettext_lazy("帮扶统计"), gettext_lazy("人次、户数、金额")),
    ("assistance:disclosure", gettext_lazy("公示名单"), gettext_lazy("厂务公开,可导出 Excel")),
]


def _fragment_wanted(request: HttpRequest) -> bool:
    """An htmx request for part of the page (not a boosted page load or a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _url(name: str, query: str = "") -> str | None:
    """The address of `name`, or None while the page is not built yet."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


def _units_for(user, *, extra: Unit | None = None) -> list[Unit]:
    """Units above team level where the user holds assistance.view, in tree order (form choices)."""
    units = list(
        Unit.objects.filter(scope_q(user, ASSISTANCE_VIEW), is_active=True)
        .exclude(level=UnitLevel.TEAM)
        .only("id", "name", "short_name", "code", "path", "depth", "level")
        .order_by("path")[:UNIT_CHOICES_CAP]
    )
    if extra is not None and all(unit.pk != extra.pk for unit in units):
        units.append(extra)
        units.sort(key=lambda unit: unit.path)
    return units


def _asked_unit(request: HttpRequest) -> Unit | None:
    """The unit named in the address (404 outside the scope), else the user's top unit."""
    user = request.user
    asked = request.GET.get("unit")
    if asked:
        return selectors.report_unit_get(fetched_by=user, unit_id=asked)
    if not has_capability(user, ASSISTANCE_VIEW):
        raise PermissionDenied(_("您没有查看帮扶统计的权限。"))
    tops = selectors.report_units(fetched_by=user)
    if not tops:
        raise Http404
    return tops[0]


def _filters(request: HttpRequest, unit: Unit) -> ReportFilterForm:
    user = request.user
    data = request.GET.copy()
    data["unit"] = str(unit.pk)
    return ReportFilterForm(
        data,
        units=_units_for(user, extra=unit),
        programmes=selectors.programme_choices(fetched_by=user),
    )  # the form's `programmes` (a dict by id) are the user's programme choices


def _parent(user, unit: Unit) -> Unit | None:
    if unit.depth <= 1:
        return None
    parent = Unit.objects.filter(path=unit.path[: -Unit.steplen]).first()
    if parent is not None and has_unit_permission(user, parent, ASSISTANCE_VIEW):
        return parent
    return None


# --- home ------------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The cadre's assistance desk: this year's aid, and what waits for someone."""
    user = request.user
    if not has_capability(user, ASSISTANCE_VIEW):
        mine = _url("assistance:my_pairings")
        if mine and Pairing.objects.filter(leader=user, ended_on__isnull=True).exists():
            return redirect(mine)
        raise PermissionDenied(_("您没有查看帮扶工作的权限。"))
    counts = selectors.home_counts(fetched_by=user)
    areas = [(url, label, note) for name, label, note in AREAS if (url := _url(name))]
    context = {
        "nav_active": "assistance",
        "counts": counts,
        "areas": areas,
        "links": {
            "pending": _url("assistance:applications", "status=pending"),
            "approved": _url("assistance:applications", "status=approved"),
            "claims_pending": _url("assistance:claims", "status=pending"),
            "reviews": _url("assistance:files", "review_due=any"),
            "follow_ups": _url("assistance:follow_ups", "tab=overdue"),
            "pairings": _url("assistance:pairings", "tab=behind"),
            "reports": _url("assistance:reports"),
            "new_application": _url("assistance:application_new"),
            "new_file": _url("assistance:file_new"),
        },
    }
    return render(request, "assistance/reports_home.html", context)


# --- statistics ------------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def report(request: HttpRequest) -> HttpResponse:
    """Person-times, households and yuan of a unit's subtree for a period (default: the user's top
    unit, this year), by kind of programme, by programme and by child unit, with mutual aid."""
    user = request.user
    unit = _asked_unit(request)
    form = _filters(request, unit)
    context = {"form": form, "unit": unit, "nav_active": "assistance"}
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        stats = selectors.aid_stats(
            fetched_by=user,
            unit=unit,
            programme=data["programme"],
            kind=data["kind"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            choices=list(form.programmes.values()),
        )
        context.update(
            stats=stats,
            parent=_parent(user, unit),
            query=form.query_string(),
            period=data["period"],
            disclosure_url=_url("assistance:disclosure"),
        )
    else:
        status = 200 if _fragment_wanted(request) else 422
        context["period"] = request.GET.get("period") or "custom"
    if _fragment_wanted(request):
        return render(request, "assistance/partials/_reports_results.html", context, status=status)
    return render(request, "assistance/reports_stats.html", context, status=status)


# --- disclosure ------------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def disclosure(request: HttpRequest) -> HttpResponse:
    """The aid paid in a unit's subtree in a period, names masked, for publication; as Excel with
    `?download=xlsx`."""
    user = request.user
    unit = _asked_unit(request)
    form = _filters(request, unit)
    can_export = has_unit_permission(user, unit, ASSISTANCE_EXPORT)
    context = {"form": form, "unit": unit, "nav_active": "assistance", "can_export": can_export}
    valid = form.is_valid()
    if valid and request.GET.get("download") == "xlsx":
        return _download(request, unit, form.cleaned_data)
    status = 200
    if valid:
        data = form.cleaned_data
        rows = selectors.disclosure_rows(
            fetched_by=user,
            unit=unit,
            programme=data["programme"],
            kind=data["kind"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        count, total = rows.totals()
        query = form.query_string()
        context.update(
            valid=True,
            page=page,
            count=count,
            total=total,
            total_text=selectors.yuan_text(total),
            query=query,
            period=data["period"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            download_url=f"{reverse('assistance:disclosure')}?unit={unit.pk}&{query}&download=xlsx",
        )
    else:
        status = 200 if _fragment_wanted(request) else 422
        context["period"] = request.GET.get("period") or "custom"
    if _fragment_wanted(request):
        return render(request, "assistance/partials/_reports_disclosure.html", context, status=status)
    return render(request, "assistance/reports_disclosure.html", context, status=status)


def _download(request: HttpRequest, unit: Unit, data: dict) -> HttpResponse:
    content, _count = exports.disclosure_export(
        exported_by=request.user,
        unit=unit,
        date_from=data["date_from"],
        date_to=data["date_to"],
        programme=data["programme"],
        kind=data["kind"],
        request=request,
    )
    response = HttpResponse(content, content_type=XLSX)
    filename = _("%(unit)s帮扶公示名单-%(start)s-%(end)s.xlsx") % {
        "unit": unit.name,
        "start": f"{data['date_from']:%Y%m%d}",
        "end": f"{data['date_to']:%Y%m%d}",
    }
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


urlpatterns = [
    path("", home, name="home"),
    path("reports/", report, name="reports"),
    path("disclosure/", disclosure, name="disclosure"),
]
