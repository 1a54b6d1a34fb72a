"""Committee pages: referrals for department handlers, deliberation meetings (集中议事), supervision
(催办/督办), the three rates of a unit, the monthly ledger (台账) and publishing an answer to 员工有问有答.

Views parse input, call selectors and services and shape the answer. Scope: a record outside the
user's sight answers 404 (selectors); an action the user's role does not grant answers 403
(services, or the capability checks here). An htmx request gets the fragment it swaps in; a form
error is 422 for a page and 200 for a fragment (htmx swaps only successful answers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from lianxin.core.capabilities import (
    APPEALS_DELIBERATE,
    APPEALS_EXPORT,
    APPEALS_PUBLISH,
    APPEALS_SUPERVISE,
    APPEALS_VIEW,
)
from lianxin.core.pagination import CappedPaginator
from lianxin.core.permissions import (
    get_object_in_scope,
    has_capability,
    has_unit_permission,
    scope_paths,
    scope_q,
)
from lianxin.org.models import Unit, UnitLevel

from .. import deadlines, exports, selectors, services
from ..committee_forms import (
    DecisionForm,
    LedgerForm,
    MeetingForm,
    PublishForm,
    ReferralAnswerForm,
    RemindForm,
    StatsForm,
    scrubbed,
)
from ..models import (
    Appeal,
    AppealEvent,
    Department,
    Kind,
    Meeting,
    MeetingItem,
    PublicAnswer,
    State,
)
from ..services import AppealConflict, AppealError

PAGE_SIZE = 50
UNIT_CHOICES_CAP = 300
AGENDA_CAP = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Action = AppealEvent.Action


def _fragment_wanted(request: HttpRequest) -> bool:
    """An htmx request for part of the page (not a boosted page load or a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _error_status(request: HttpRequest, status: int) -> int:
    """htmx swaps only 2xx answers: a fragment carrying errors is sent as 200."""
    return 200 if _fragment_wanted(request) else status


def _page(request: HttpRequest, items, size: int = PAGE_SIZE):
    page = CappedPaginator(items, size).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read here, not while the template renders
    return page


def _units_for(user, code: str, *, extra: Unit | None = None) -> list[Unit]:
    """Active units above team level where the user holds `code`, in tree order (form choices).
    Deeper units are reached by the links on the pages; `extra` is added when it is not listed."""
    units = list(
        Unit.objects.filter(scope_q(user, code), is_active=True)
        .exclude(level=UnitLevel.TEAM)
        .only("id", "name", "code", "path", "depth", "level")
        .order_by("path")[:UNIT_CHOICES_CAP]
    )
    if extra is not None and all(unit.pk != extra.pk for unit in units):
        units.append(extra)
        units.sort(key=lambda unit: unit.path)
    return units


def _top_unit(user, code: str) -> Unit | None:
    """The user's highest unit for `code` (the first in tree order)."""
    paths = scope_paths(user, code)
    if paths is None:
        return Unit.objects.filter(depth=1).order_by("path").first()
    if not paths:
        return None
    return Unit.objects.filter(path=paths[0]).first()


def _unit_in_scope(user, unit_id: str, *codes: str) -> Unit:
    """The unit named in the address if the user holds any of `codes` on it, else 404."""
    if not str(unit_id).isdigit():
        raise Http404
    for code in codes:
        try:
            return Unit.objects.filter(scope_q(user, code)).get(pk=int(unit_id))
        except Unit.DoesNotExist:
            continue
    raise Http404


# --- referrals (department handlers) -------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def referral_list(request: HttpRequest) -> HttpResponse:
    """What was referred to the user's departments: open first, by due date."""
    show = "open" if request.GET.get("show") == "open" else "all"
    referrals = selectors.referral_list(fetched_by=request.user, open_only=show == "open")
    # Open ones first on every database (PostgreSQL sorts NULLs last by default).
    referrals = referrals.order_by(F("answered_at").asc(nulls_first=True), "due", "id")
    context = {
        "page": _page(request, referrals),
        "show": show,
        "now": timezone.now(),
        "nav_active": "appeals",
        "subnav": "referrals",
    }
    if _fragment_wanted(request):
        return render(request, "appeals/partials/_committee_referrals.html", context)
    return render(request, "appeals/committee/referrals.html", context)


def _referral(request: HttpRequest, pk: int):
    referrals = selectors.referral_list(fetched_by=request.user).select_related(
        "appeal__member", "appeal__origin_unit", "appeal__handling_unit", "referred_by", "answered_by"
    )
    return get_object_in_scope(referrals, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One referral: the appeal (never who raised an anonymous one), the note, and the answer form."""
    referral = _referral(request, pk)
    form = ReferralAnswerForm(_posted(request))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.referral_answer(
                    referral=referral, answered_by=request.user, answer=form.cleaned_data["answer"]
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            except AppealConflict as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                if _fragment_wanted(request):  # the fragment shows the answer: no message left over
                    referral = _referral(request, pk)
                    return render(
                        request, "appeals/partials/_committee_referral_answer.html", {"referral": referral}
                    )
                messages.success(request, _("已回复,工会将据此答复职工。"))
                return redirect("appeals:referral", pk=referral.pk)
        status = _error_status(request, status)
    context = {
        "referral": referral,
        "appeal": referral.appeal,
        "form": form,
        "nav_active": "appeals",
        "subnav": "referrals",
    }
    if _fragment_wanted(request) and request.method == "POST":
        return render(request, "appeals/partials/_committee_referral_answer.html", context, status=status)
    return render(request, "appeals/committee/referral.html", context, status=status)


# --- deliberation meetings -----------------------------------------------------------------------


def _require_deliberate(user) -> None:
    if not has_capability(user, APPEALS_DELIBERATE):
        raise PermissionDenied(_("您没有召开集中议事会的权限。"))


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    _require_deliberate(request.user)
    context = {
        "page": _page(request, selectors.meeting_list(fetched_by=request.user)),
        "nav_active": "appeals",
        "subnav": "meetings",
    }
    return render(request, "appeals/committee/meetings.html", context)


def _agenda_candidates(user, unit: Unit | None) -> list[Appeal]:
    """Appeals awaiting deliberation (and accepted ones) handled in the unit's subtree, deliberating
    first, then by due date; `on_agenda` marks those already on an undecided item of a meeting."""
    if unit is None:
        return []
    undecided = MeetingItem.objects.filter(appeal=OuterRef("pk"), decision="")
    appeals = (
        selectors.appeal_list(fetched_by=user)
        .filter(state__in=[State.DELIBERATING, State.ACCEPTED], handling_unit__path__startswith=unit.path)
        .annotate(
            on_agenda=Exists(undecided),
            deliberating_first=Case(
                When(state=State.DELIBERATING, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
        )
        .order_by("deliberating_first", "answer_due", "id")
    )
    return list(appeals[:AGENDA_CAP])


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Hold a meeting: time, place, attendees, minutes and an agenda of appeals of the unit.

    Choosing another unit (htmx) reloads the agenda's choices."""
    user = request.user
    units = _units_for(user, APPEALS_DELIBERATE)
    if not units:
        raise PermissionDenied(_("您没有召开集中议事会的权限。"))
    by_pk = {str(unit.pk): unit for unit in units}
    data = request.POST if request.method == "POST" else request.GET
    chosen = data.get("unit")
    if chosen and chosen not in by_pk and request.method == "GET":
        raise Http404
    unit = by_pk.get(chosen) if chosen else units[0]
    candidates = _agenda_candidates(user, unit)
    initial = {
        "unit": unit.pk if unit else "",
        "held_at": timezone.localtime().replace(second=0, microsecond=0),
    }
    form = MeetingForm(_posted(request), units=units, candidates=candidates, initial=initial)
    context = {
        "form": form,
        "unit": unit,
        "candidates": candidates,
        "nav_active": "appeals",
        "subnav": "meetings",
    }
    if request.method == "GET" and _fragment_wanted(request):
        return render(request, "appeals/partials/_committee_agenda.html", context)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_create(
                    unit=data["unit"],
                    created_by=user,
                    held_at=data["held_at"],
                    attendees=data["attendees"],
                    place=data["place"],
                    minutes=data["minutes"],
                    appeals=data["appeals"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("已建立议事会,请逐项作出议事决定。"))
                return redirect("appeals:meeting", pk=meeting.pk)
        return render(request, "appeals/committee/meeting_new.html", context, status=422)
    return render(request, "appeals/committee/meeting_new.html", context)


def _meeting_items(meeting: Meeting) -> list[MeetingItem]:
    return list(
        MeetingItem.objects.filter(meeting=meeting)
        .select_related(
            "appeal__category", "appeal__handling_unit", "appeal__origin_unit", "department__unit"
        )
        .order_by("id")
    )


def _departments_for(items: list[MeetingItem]) -> dict[int, list[Department]]:
    """Departments each item's appeal may be referred to (its handling unit's and those above),
    read in one query."""
    open_items = [item for item in items if not item.decision]
    paths = set()
    for item in open_items:
        own = item.appeal.handling_unit.path
        paths.update(own[:end] for end in range(Unit.steplen, len(own) + 1, Unit.steplen))
    if not paths:
        return {}
    departments = list(
        Department.objects.filter(is_active=True, unit__path__in=paths)
        .select_related("unit")
        .order_by("-unit__depth", "name")
    )
    return {
        item.pk: [d for d in departments if item.appeal.handling_unit.path.startswith(d.unit.path)]
        for item in open_items
    }


@dataclass
class AgendaRow:
    number: int
    item: MeetingItem
    form: DecisionForm | None


def _agenda_rows(meeting: Meeting, *, bound: DecisionForm | None = None) -> list[AgendaRow]:
    items = _meeting_items(meeting)
    departments = _departments_for(items)
    rows = []
    for number, item in enumerate(items, start=1):
        if item.decision:
            form = None
        elif bound is not None and bound.item.pk == item.pk:
            form = bound
        else:
            form = DecisionForm(item=item, departments=departments.get(item.pk, []))
        rows.append(AgendaRow(number, item, form))
    return rows


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    meetings = selectors.meeting_list(fetched_by=request.user).select_related("created_by")
    return get_object_in_scope(meetings, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting and its agenda; POST records the decision on one item and carries it out."""
    meeting = _meeting(request, pk)
    can_decide = has_unit_permission(request.user, meeting.unit, APPEALS_DELIBERATE)
    if request.method == "GET":
        context = {"meeting": meeting, "rows": _agenda_rows(meeting), "can_decide": can_decide}
        return render(
            request,
            "appeals/committee/meeting.html",
            {**context, "nav_active": "appeals", "subnav": "meetings"},
        )
    if not can_decide:
        raise PermissionDenied(_("您不能为这个单位作出议事决定。"))
    items = {str(item.pk): item for item in _meeting_items(meeting)}
    item = items.get(request.POST.get("item", ""))
    if item is None:
        raise Http404
    departments = _departments_for([item]).get(item.pk, [])
    form = DecisionForm(request.POST, item=item, departments=departments)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_decide(
                item=item,
                decided_by=request.user,
                decision=data["decision"],
                note=data["note"].strip(),
                department=data["department"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except AppealError as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            if _fragment_wanted(request):  # the row shows the decision: no message left over
                row = next(row for row in _agenda_rows(meeting) if row.item.pk == item.pk)
                context = {"row": row, "meeting": meeting, "can_decide": can_decide, "just_decided": True}
                return render(request, "appeals/partials/_committee_meeting_item.html", context)
            decided = MeetingItem.Decision(data["decision"]).label
            messages.success(
                request,
                _("%(number)s:%(decision)s,已执行。") % {"number": item.appeal.number, "decision": decided},
            )
            return redirect("appeals:meeting", pk=meeting.pk)
    rows = _agenda_rows(meeting, bound=form)
    if _fragment_wanted(request):
        row = next(row for row in rows if row.item.pk == item.pk)
        context = {"row": row, "meeting": meeting, "can_decide": can_decide}
        return render(request, "appeals/partials/_committee_meeting_item.html", context)
    context = {
        "meeting": meeting,
        "rows": rows,
        "can_decide": can_decide,
        "nav_active": "appeals",
        "subnav": "meetings",
    }
    return render(request, "appeals/committee/meeting.html", context, status=status)


# --- supervision ---------------------------------------------------------------------------------


@dataclass
class SupervisionRow:
    appeal: Appeal
    due: dt.datetime
    late_days: int
    reminders: int = 0
    orders: int = 0


def _supervision_rows(appeals: list[Appeal]) -> list[SupervisionRow]:
    """Each appeal with the limit it passed, the working days since, and how often it was pressed."""
    now = timezone.now()
    counts = (
        AppealEvent.objects.filter(
            appeal_id__in=[appeal.pk for appeal in appeals], action__in=[Action.REMINDED, Action.SUPERVISED]
        )
        .values("appeal_id", "action")
        .annotate(n=Count("pk"))
    )
    pressed = {(row["appeal_id"], row["action"]): row["n"] for row in counts}
    rows = []
    for appeal in appeals:
        due = appeal.accept_due if appeal.state == State.SUBMITTED else appeal.answer_due
        rows.append(
            SupervisionRow(
                appeal=appeal,
                due=due,
                late_days=deadlines.working_days_late(due, now),
                reminders=pressed.get((appeal.pk, Action.REMINDED), 0),
                orders=pressed.get((appeal.pk, Action.SUPERVISED), 0),
            )
        )
    return rows


@login_required
@require_GET
def supervision(request: HttpRequest) -> HttpResponse:
    """Everything overdue or reopened where the user supervises, with 催办 and 督办."""
    if not has_capability(request.user, APPEALS_SUPERVISE):
        raise PermissionDenied(_("您没有督办权限。"))
    page = _page(request, selectors.supervision_list(fetched_by=request.user))
    context = {
        "page": page,
        "rows": _supervision_rows(page.object_list),
        "nav_active": "appeals",
        "subnav": "supervision",
    }
    return render(request, "appeals/committee/supervision.html", context)


@login_required
@require_POST
def supervision_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """催办, or with `order` 督办 (a requirement text is then required): on the record, handlers told."""
    appeal = selectors.appeal_get(fetched_by=request.user, appeal_id=pk)
    form = RemindForm(request.POST)
    form.is_valid()
    order = bool(form.cleaned_data.get("order"))
    note = (form.cleaned_data.get("note") or "").strip()
    error = ""
    try:
        services.appeal_remind(appeal=appeal, reminded_by=request.user, note=note, order=order)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except AppealError as exc:
        error = exc.message
    done = "" if error else (_("已督办。") if order else _("已催办。"))
    if _fragment_wanted(request):
        appeal = selectors.appeal_get(fetched_by=request.user, appeal_id=pk)
        context = {
            "row": _supervision_rows([appeal])[0],
            "error": error,
            "done": done,
            "note": note if error else "",
        }
        return render(request, "appeals/partials/_committee_supervision_row.html", context)
    if error:
        messages.error(request, f"{appeal.number}:{error}")
    else:
        messages.success(request, f"{appeal.number}:{done}")
    return redirect("appeals:supervision")


# --- the three rates -----------------------------------------------------------------------------


def _chart(unit: Unit, rates, children) -> dict:
    """The chart's data: the three rates of each child unit, or of the unit when it has none."""
    rows = children or [(unit, rates)]
    return {
        "labels": [child.name for child, _rates in rows],
        "series": [
            {"name": _("响应率"), "data": [r.response_rate for _u, r in rows]},
            {"name": _("办结率"), "data": [r.resolution_rate for _u, r in rows]},
            {"name": _("满意率"), "data": [r.satisfaction_rate for _u, r in rows]},
        ],
        "empty": _("无数据"),
    }


@login_required
@require_GET
@vary_on_headers("HX-Request")
def stats(request: HttpRequest) -> HttpResponse:
    """The three rates of a unit for a period (default: the user's top unit, this year), its child
    units' rates and a chart. All numbers come from `selectors.appeal_rates`."""
    user = request.user
    asked = request.GET.get("unit")
    if asked:  # a unit named in the address: 404 outside the scope, whoever asks
        unit = _unit_in_scope(user, asked, APPEALS_VIEW)
    elif not has_capability(user, APPEALS_VIEW):
        raise PermissionDenied(_("您没有查看诉求统计的权限。"))
    else:
        unit = _top_unit(user, APPEALS_VIEW)
    if unit is None:
        raise Http404
    units = _units_for(user, APPEALS_VIEW, extra=unit)
    data = request.GET.copy()
    data["unit"] = str(unit.pk)
    form = StatsForm(data, units=units)
    context = {"form": form, "unit": unit, "nav_active": "appeals", "subnav": "stats"}
    status = 200
    valid = form.is_valid()
    context["period"] = form.cleaned_data.get("period") or request.GET.get("period") or "this_year"
    if valid:
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        rates = selectors.appeal_rates(unit=unit, date_from=date_from, date_to=date_to)
        children = selectors.appeal_rates_by_child(
            fetched_by=user, unit=unit, date_from=date_from, date_to=date_to
        )
        parent = None
        if unit.depth > 1:
            parent = Unit.objects.filter(path=unit.path[: -Unit.steplen]).first()
            if parent is not None and not has_unit_permission(user, parent, APPEALS_VIEW):
                parent = None
        context.update(
            rates=rates,
            children=children,
            parent=parent,
            date_from=date_from,
            date_to=date_to,
            period=form.cleaned_data["period"],
            chart=_chart(unit, rates, children),
        )
    else:
        status = _error_status(request, 422)
    if _fragment_wanted(request):
        return render(request, "appeals/partials/_committee_stats.html", context, status=status)
    return render(request, "appeals/committee/stats.html", context, status=status)


# --- the ledger ----------------------------------------------------------------------------------


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    """The month's 台账 of a unit as .xlsx when a month is chosen; otherwise the choice form."""
    user = request.user
    asked = request.GET.get("unit")
    unit = None
    if asked:
        unit = _unit_in_scope(user, asked, APPEALS_VIEW, APPEALS_EXPORT)
        if not has_unit_permission(user, unit, APPEALS_EXPORT):
            raise PermissionDenied(_("您没有导出这个单位诉求台账的权限。"))
    elif not has_capability(user, APPEALS_EXPORT):
        raise PermissionDenied(_("您没有导出诉求台账的权限。"))
    units = _units_for(user, APPEALS_EXPORT, extra=unit)
    if "month" not in request.GET:
        initial = {
            "unit": (unit or units[0]).pk if (unit or units) else "",
            "month": f"{timezone.localdate():%Y-%m}",
        }
        form = LedgerForm(units=units, initial=initial)
        return render(
            request,
            "appeals/committee/ledger.html",
            {"form": form, "nav_active": "appeals", "subnav": "ledger"},
        )
    form = LedgerForm(request.GET, units=units)
    if not form.is_valid():
        context = {"form": form, "nav_active": "appeals", "subnav": "ledger"}
        return render(request, "appeals/committee/ledger.html", context, status=422)
    unit, month = form.cleaned_data["unit"], form.cleaned_data["month"]
    content, _count = exports.ledger_export(exported_by=user, unit=unit, month=month, request=request)
    response = HttpResponse(content, content_type=XLSX)
    filename = _("%(unit)s诉求台账-%(month)s.xlsx") % {"unit": unit.name, "month": f"{month:%Y-%m}"}
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# --- publishing to 员工有问有答 --------------------------------------------------------------------


def _why_not_publishable(appeal: Appeal) -> str:
    """Why the appeal may not be published, or '' when it may."""
    if appeal.kind != Kind.CONSULTATION or appeal.state not in (State.ANSWERED, State.CLOSED):
        return _("只有已答复的咨询可以公开。")
    if not appeal.publish_consent:
        return _("职工没有同意匿名公开答复,不能公开。")
    if appeal.confidential:
        return _("这件诉求需保密,不能公开。")
    if PublicAnswer.objects.filter(appeal=appeal).exists():
        return _("这件诉求已经公开过。")
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """An answered consultation the worker agreed to publish: the cadre removes personal details
    from the question and answer, then publishes them."""
    appeal = selectors.appeal_get(fetched_by=request.user, appeal_id=pk)
    if not has_unit_permission(request.user, appeal.handling_unit, APPEALS_PUBLISH):
        raise PermissionDenied(_("您没有公开答复的权限。"))
    context = {"appeal": appeal, "nav_active": "appeals"}
    refusal = _why_not_publishable(appeal)
    if refusal:
        return render(request, "appeals/committee/publish.html", {**context, "refusal": refusal}, status=409)
    names = (
        [] if appeal.is_anonymous else [appeal.contact_name, appeal.member.name if appeal.member_id else ""]
    )
    initial = {"question": scrubbed(appeal.text, names), "answer": scrubbed(appeal.answer, names)}
    form = PublishForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.public_answer_publish(
                appeal=appeal,
                published_by=request.user,
                question=form.cleaned_data["question"],
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except AppealError as exc:
            return render(
                request, "appeals/committee/publish.html", {**context, "refusal": exc.message}, status=409
            )
        else:
            messages.success(request, _("已公开到员工有问有答。"))
            return redirect(reverse("appeals:detail", args=[appeal.pk]))
    status = 422 if request.method == "POST" else 200
    return render(request, "appeals/committee/publish.html", {**context, "form": form}, status=status)


urlpatterns = [
    path("referrals/", referral_list, name="referrals"),
    path("referrals/<int:pk>/", referral_detail, name="referral"),
    path("meetings/", meeting_list, name="meetings"),
    path("meetings/new/", meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting"),
    path("supervision/", supervision, name="supervision"),
    path("supervision/<int:pk>/remind/", supervision_remind, name="remind"),
    path("stats/", stats, name="stats"),
    path("ledger/", ledger, name="ledger"),
    path("<int:pk>/publish/", publish, name="publish"),
]
