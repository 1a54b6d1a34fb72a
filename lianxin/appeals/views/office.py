"""Office pages: the worklist, the list with search, recording an appeal, and one appeal with every step.

Views parse input, call one selector or service and shape the answer. Scope lives in the selectors
(an appeal outside it answers 404, for GET and POST alike) and the services (403 for a step the
user's role does not grant, `AppealConflict` when someone else acted first).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from lianxin.core import capabilities as caps
from lianxin.core.models import RoleAssignment
from lianxin.core.pagination import CappedPaginator
from lianxin.core.permissions import has_capability, has_unit_permission, role_codes_of
from lianxin.core.text import mask_phone
from lianxin.members.selectors import member_list, member_units

from .. import deadlines, duplicates, selectors, services
from ..models import OPEN_STATES, Appeal, AppealEvent, Channel, State
from ..office_forms import (
    AnswerForm,
    AppealFilterForm,
    AssignForm,
    FlagsForm,
    MergeForm,
    NoteForm,
    RecordForm,
    ReferForm,
    RequiredNoteForm,
)
from ..selectors import AppealFilters, Bucket
from ..services import AppealConflict, AppealError

PAGE_SIZE = 50
RECORDED_SESSION_KEY = "appeals_recorded"
CHANNEL_SESSION_KEY = "appeals_record_channel"
Action = AppealEvent.Action

TABS = [
    (Bucket.NEW, gettext_lazy("新诉求")),
    (Bucket.DUE_SOON, gettext_lazy("即将到期")),
    (Bucket.OVERDUE, gettext_lazy("已超期")),
    (Bucket.WAITING_DEPARTMENT, gettext_lazy("待部门回复")),
    (Bucket.DEPARTMENT_ANSWERED, gettext_lazy("部门已回复")),
    (Bucket.WAITING_WORKER, gettext_lazy("待职工补充")),
    (Bucket.WAITING_RATING, gettext_lazy("待职工评价")),
    (Bucket.REOPENED, gettext_lazy("重新办理")),
    (Bucket.MINE, gettext_lazy("我经办的")),
]
TAB_CODES = [code for code, _label in TABS]

WORKER_ACTIONS = (Action.SUBMITTED, Action.INFO_PROVIDED, Action.RATED, Action.WITHDRAWN)
"""Steps a worker takes: on an anonymous appeal their actor is never shown."""


def _fragment_wanted(request: HttpRequest) -> bool:
    """An htmx request for part of the page (not a boosted page load or a history restore)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _office_nav(user) -> dict:
    return {
        "nav_active": "appeals",
        "can_handle": has_capability(user, caps.APPEALS_HANDLE),
        "can_view": has_capability(user, caps.APPEALS_VIEW),
        "can_record": has_capability(user, caps.APPEALS_RECORD),
    }


def _due(appeal: Appeal, now: dt.datetime) -> tuple[dt.datetime, bool]:
    """The limit that runs now (acceptance while new, else the answer) and whether it has passed."""
    due = appeal.accept_due if appeal.state == State.SUBMITTED else appeal.answer_due
    late = appeal.state in OPEN_STATES and appeal.paused_at is None and (appeal.overdue or due < now)
    return due, late


SEARCH_COUNT_CAP = 1_000
"""A full-text search counts its matches up to here ("more than 1,000": narrow the search)."""


def _page(request: HttpRequest, appeals, size: int = PAGE_SIZE, *, searching: bool = False):
    paginator = CappedPaginator(appeals, size)
    if searching:
        paginator.cap = SEARCH_COUNT_CAP
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read here, not while the template renders
    now = timezone.now()
    for appeal in page.object_list:
        appeal.due_at, appeal.is_late = _due(appeal, now)
    return page


def _paging(page) -> dict:
    return {
        "page": page,
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
        "ellipsis": Paginator.ELLIPSIS,
    }


# --- the worklist --------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def worklist(request: HttpRequest) -> HttpResponse:
    """What waits for the user, tab by tab; with HX-Request, only the tabs and the table."""
    user = request.user
    if not has_capability(user, caps.APPEALS_HANDLE):
        if has_capability(user, caps.APPEALS_VIEW):
            return redirect("appeals:list")
        if has_capability(user, caps.APPEALS_RECORD):
            return redirect("appeals:record")
        raise PermissionDenied(_("您没有办理诉求的权限。"))
    tab = request.GET.get("tab") or Bucket.NEW
    if tab not in TAB_CODES:
        tab = Bucket.NEW
    counts = selectors.worklist_counts(fetched_by=user)
    page = _page(request, selectors.appeal_list(fetched_by=user, filters=AppealFilters(bucket=tab)))
    context = {
        "tab": tab,
        "tabs": [(code, label, counts.get(code, 0)) for code, label in TABS],
        **_paging(page),
        **_office_nav(user),
    }
    if _fragment_wanted(request):
        return render(request, "appeals/partials/_office_worklist.html", context)
    return render(request, "appeals/office/worklist.html", context)


# --- all appeals in scope, with search -------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def appeal_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_capability(user, caps.APPEALS_VIEW):
        raise PermissionDenied(_("您没有查看诉求的权限。"))
    form = AppealFilterForm(
        request.GET,
        units=member_units(fetched_by=user, code=caps.APPEALS_VIEW),
        categories=selectors.category_list(),
    )
    filters = form.filters()
    page = _page(request, selectors.appeal_list(fetched_by=user, filters=filters), searching=bool(filters.q))
    context = {"form": form, **_paging(page), **_office_nav(user)}
    if _fragment_wanted(request):
        return render(request, "appeals/partials/_office_results.html", context)
    return render(request, "appeals/office/list.html", context)


# --- recording what a worker said ------------------------------------------------------------------


def _default_channel(request: HttpRequest) -> str:
    remembered = request.session.get(CHANNEL_SESSION_KEY)
    if remembered in services.RECORDED_CHANNELS:
        return remembered
    roles = role_codes_of(request.user)
    if "operator" in roles:
        return Channel.HOTLINE
    if "liaison" in roles and not has_capability(request.user, caps.APPEALS_HANDLE):
        return Channel.LIAISON
    return Channel.VISIT


def _member_lookup(user):
    def lookup(text: str):
        return list(member_list(fetched_by=user, q=text)[:6])

    return lookup


@login_required
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest) -> HttpResponse:
    """One screen, in under a minute: what was said, where, through which channel; the number and
    follow-up code are shown on save, ready for the next call."""
    user = request.user
    units = member_units(fetched_by=user, code=caps.APPEALS_RECORD)
    if not units:
        raise PermissionDenied(_("您没有代职工登记诉求的权限。"))
    posted = request.POST if request.method == "POST" else None
    now = timezone.localtime().replace(second=0, microsecond=0)
    initial = {"channel": _default_channel(request), "received_at": now}
    if len(units) == 1:
        initial["origin_unit"] = str(units[0].pk)
    form = RecordForm(
        posted,
        initial=initial,
        user=user,
        units=units,
        categories=selectors.category_list(),
        member_lookup=_member_lookup(user),
    )
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            intake = services.appeal_submit(
                submitted_by=user,
                origin_unit=data["origin_unit"],
                text=data["text"],
                channel=data["channel"],
                kind=data["kind"],
                category=data["category"],
                anonymous=data["anonymous"],
                member=data["member"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                received_at=data["received_at"],
                flags=data["flags"] or None,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            appeal = intake.appeal
            request.session[CHANNEL_SESSION_KEY] = data["channel"]
            request.session[RECORDED_SESSION_KEY] = {
                "pk": appeal.pk,
                "number": appeal.number,
                "title": appeal.title,
                "code": intake.track_code or "",
                "viewable": has_unit_permission(user, appeal.origin_unit, caps.APPEALS_VIEW),
                "similar": [other.number for other, _score in intake.similar][:5],
            }
            return redirect("appeals:record")
    context = {
        "form": form,
        "recorded": request.session.pop(RECORDED_SESSION_KEY, None) if posted is None else None,
        "recent": list(selectors.appeal_recorded(fetched_by=user)[:5]),
        **_office_nav(user),
    }
    return render(request, "appeals/office/record.html", context, status=422 if posted else 200)


# --- one appeal, and every step on it --------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    states: tuple
    capability: str = caps.APPEALS_HANDLE
    style: str = "primary"


STEPS: dict[str, Step] = {
    "accept": Step(gettext_lazy("受理"), (State.SUBMITTED,)),
    "request_info": Step(gettext_lazy("请职工补充"), OPEN_STATES, style="secondary"),
    "deliberate": Step(gettext_lazy("提交集中议事"), (State.ACCEPTED, State.IN_PROGRESS), style="secondary"),
    "start": Step(gettext_lazy("工会自办"), (State.ACCEPTED, State.DELIBERATING)),
    "assign": Step(gettext_lazy("指定经办人"), OPEN_STATES, style="secondary"),
    "refer": Step(
        gettext_lazy("转部门办理"), (State.ACCEPTED, State.DELIBERATING, State.IN_PROGRESS), style="secondary"
    ),
    "extend": Step(
        gettext_lazy("延期"), (State.ACCEPTED, State.DELIBERATING, State.IN_PROGRESS), style="warning"
    ),
    "answer": Step(gettext_lazy("答复职工"), (State.ACCEPTED, State.DELIBERATING, State.IN_PROGRESS)),
    "merge": Step(gettext_lazy("合并重复诉求"), OPEN_STATES, style="secondary"),
    "reject": Step(
        gettext_lazy("不予受理"), (State.SUBMITTED, State.ACCEPTED, State.DELIBERATING), style="danger"
    ),
    "flags": Step(gettext_lazy("确认标记与类别"), (*OPEN_STATES, State.ANSWERED), style="secondary"),
    "remind": Step(
        gettext_lazy("催办"), (*OPEN_STATES, State.ANSWERED), caps.APPEALS_SUPERVISE, style="warning"
    ),
    "supervise": Step(
        gettext_lazy("督办"), (*OPEN_STATES, State.ANSWERED), caps.APPEALS_SUPERVISE, style="danger"
    ),
}


def _may(user, appeal: Appeal, step: Step) -> bool:
    """Whether the user's role grants the step on this appeal (the state is the service's to judge)."""
    unit = appeal.origin_unit if step.capability == caps.APPEALS_SUPERVISE else appeal.handling_unit
    return has_unit_permission(user, unit, step.capability)


def _shown(appeal: Appeal, name: str) -> bool:
    """Whether the step makes sense in the appeal's present state (so its form is offered)."""
    if appeal.state not in STEPS[name].states:
        return False
    if name == "request_info":
        return appeal.paused_at is None and not (appeal.is_anonymous and not appeal.track_digest)
    if name == "extend":
        return not appeal.extended
    if name == "answer":
        return appeal.paused_at is None
    if name == "reject":
        return not appeal.reopen_count
    return True


def _handlers_of(appeal: Appeal) -> list:
    """Active users holding appeals.handle on the handling unit or a unit above it (nearest first)."""
    unit = appeal.handling_unit
    paths = [unit.path[:end] for end in range(unit.steplen, len(unit.path) + 1, unit.steplen)]
    rows = (
        RoleAssignment.objects.filter(unit__path__in=paths, unit__is_active=True, user__is_active=True)
        .select_related("user", "role", "unit")
        .order_by("-unit__depth", "user__username")
    )
    people = {}
    for row in rows:
        if caps.APPEALS_HANDLE in (row.role.capabilities or []):
            people.setdefault(row.user_id, row.user)
    return list(people.values())


def _form_for(name: str, appeal: Appeal, user, data=None):
    kwargs = {"appeal": appeal, "auto_id": f"{name}_%s"}
    if name in ("accept", "deliberate", "start", "remind"):
        return NoteForm(data, **kwargs)
    if name == "request_info":
        return RequiredNoteForm(
            data, label=_("请职工补充什么"), help_text=_("期限暂停,直到职工补充。"), **kwargs
        )
    if name == "extend":
        return RequiredNoteForm(data, label=_("延期理由"), help_text=_("每件诉求只能延期一次。"), **kwargs)
    if name == "reject":
        return RequiredNoteForm(data, label=_("不予受理理由"), help_text=_("职工会看到这段理由。"), **kwargs)
    if name == "supervise":
        return RequiredNoteForm(data, label=_("督办要求"), **kwargs)
    if name == "answer":
        return AnswerForm(data, **kwargs)
    if name == "assign":
        return AssignForm(data, people=_handlers_of(appeal), **kwargs)
    if name == "refer":
        return ReferForm(data, departments=list(services.department_choices(appeal)), **kwargs)
    if name == "merge":
        scoped = selectors.appeal_list(fetched_by=user)

        def find(number: str):
            return scoped.filter(number=number).exclude(pk=appeal.pk).first()

        return MergeForm(data, find_appeal=find, **kwargs)
    if name == "flags":
        categories = selectors.category_list()
        if appeal.category not in categories:
            categories.append(appeal.category)
        return FlagsForm(data, categories=categories, **kwargs)
    raise Http404


def _run(name: str, form, appeal: Appeal, user) -> None:
    data = form.cleaned_data
    version = data["expected_version"]
    note = data.get("note", "")
    common = {"appeal": appeal, "expected_version": version}
    if name == "accept":
        services.appeal_accept(accepted_by=user, note=note, **common)
    elif name == "request_info":
        services.appeal_request_info(requested_by=user, question=note, **common)
    elif name == "deliberate":
        services.appeal_send_to_deliberation(sent_by=user, note=note, **common)
    elif name == "start":
        services.appeal_start(started_by=user, note=note, **common)
    elif name == "assign":
        services.appeal_assign(assigned_by=user, assignee=data["assignee"], **common)
    elif name == "refer":
        services.appeal_refer(referred_by=user, department=data["department"], note=note, **common)
    elif name == "extend":
        services.appeal_extend(extended_by=user, reason=note, **common)
    elif name == "answer":
        services.appeal_answer(answered_by=user, answer=data["answer"], **common)
    elif name == "merge":
        services.appeal_merge(merged_by=user, into=data["into"], note=note, **common)
    elif name == "reject":
        services.appeal_reject(rejected_by=user, reason=note, **common)
    elif name == "flags":
        services.appeal_confirm_flags(
            confirmed_by=user, flags=data["flags"], category=data["category"], **common
        )
    elif name in ("remind", "supervise"):
        services.appeal_remind(reminded_by=user, note=note, order=name == "supervise", **common)


DONE = {
    "accept": gettext_lazy("已受理。"),
    "request_info": gettext_lazy("已请职工补充,期限暂停。"),
    "deliberate": gettext_lazy("已提交集中议事。"),
    "start": gettext_lazy("已开始办理。"),
    "assign": gettext_lazy("已指定经办人。"),
    "refer": gettext_lazy("已转部门办理。"),
    "extend": gettext_lazy("已延期。"),
    "answer": gettext_lazy("已答复职工。"),
    "merge": gettext_lazy("已合并。"),
    "reject": gettext_lazy("已不予受理,职工会看到理由。"),
    "flags": gettext_lazy("已确认标记与类别。"),
    "remind": gettext_lazy("已催办。"),
    "supervise": gettext_lazy("已督办。"),
}


def _actions_context(request: HttpRequest, appeal: Appeal, *, bound: dict | None = None) -> dict:
    """The step forms the user may take now; `bound` holds a posted form to show with its errors."""
    user = request.user
    bound = bound or {}
    steps = []
    for name, step in STEPS.items():
        if not (_shown(appeal, name) and _may(user, appeal, step)):
            continue
        form = bound.get(name) or _form_for(name, appeal, user)
        steps.append({"name": name, "label": step.label, "style": step.style, "form": form})
    return {"appeal": appeal, "steps": steps, "open_step": next(iter(bound), "")}


def _submitter(appeal: Appeal) -> dict:
    """What a handler may see of who raised it: nothing at all when anonymous."""
    if appeal.is_anonymous:
        return {"name": appeal.submitter_display, "phone": "", "member_no": ""}
    phone = mask_phone(appeal.contact_phone) if appeal.contact_phone else ""
    member = appeal.member if appeal.member_id else None
    if not phone and member is not None:
        phone = member.phone_masked
    return {
        "name": appeal.submitter_display,
        "phone": phone,
        "member_no": member.member_no if member else "",
    }


def _timeline(appeal: Appeal) -> list[AppealEvent]:
    events = selectors.appeal_events(appeal=appeal)
    for event in events:
        hide = appeal.is_anonymous and event.action in WORKER_ACTIONS
        if hide and event.action == Action.SUBMITTED and appeal.recorded_by_id == event.actor_id:
            hide = False  # the recorder, not the worker
        if event.actor_id is None:
            event.actor_name = _("职工") if event.action in WORKER_ACTIONS else _("系统")
        else:
            event.actor_name = _("匿名职工") if hide else event.actor.display_name
        event.from_label = State(event.from_state).label if event.from_state in State.values else ""
        event.to_label = State(event.to_state).label if event.to_state in State.values else ""
    return events


def _similar(appeal: Appeal, user) -> list[tuple[Appeal, float]]:
    """Near-identical open appeals, those in the user's scope only."""
    if appeal.state not in OPEN_STATES:
        return []
    found = duplicates.similar_open(appeal.text_normalized, unit=appeal.origin_unit, exclude_pk=appeal.pk)
    if not found:
        return []
    visible = set(
        selectors.appeal_list(fetched_by=user)
        .filter(pk__in=[other.pk for other, _score in found])
        .values_list("pk", flat=True)
    )
    return [(other, round(score * 100)) for other, score in found if other.pk in visible]


def _detail_context(request: HttpRequest, appeal: Appeal, *, bound: dict | None = None) -> dict:
    user = request.user
    now = timezone.now()
    due, late = _due(appeal, now)
    actions = _actions_context(request, appeal, bound=bound)
    return {
        **_office_nav(user),
        **actions,
        "due": due,
        "late": late,
        "late_days": deadlines.working_days_late(due, now) if late else 0,
        "submitter": _submitter(appeal),
        "recorder": appeal.recorded_by if appeal.recorded_by_id else None,
        "events": _timeline(appeal),
        "referrals": list(
            appeal.referrals.select_related("department", "department__unit", "referred_by", "answered_by")
        ),
        "attachments": list(appeal.attachments.all()),
        "meeting_items": list(appeal.meeting_items.select_related("meeting", "meeting__unit", "department")),
        "ratings": list(appeal.ratings.all()),
        "merged_here": list(selectors.appeal_list(fetched_by=user).filter(merged_into=appeal)),
        "similar": _similar(appeal, user),
        "can_merge": any(step["name"] == "merge" for step in actions["steps"]),
        "can_start_assistance": appeal.category.code == "hardship"
        and has_unit_permission(user, appeal.origin_unit, caps.ASSISTANCE_RECORD),
    }


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.appeal_get(fetched_by=request.user, appeal_id=pk)
    return render(request, "appeals/office/detail.html", _detail_context(request, appeal))


@login_required
@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step on the appeal. Outside scope: 404; a step the role does not grant: 403; someone else
    acted first: a message and back to the appeal (409 for htmx); bad input: the form with errors."""
    user = request.user
    appeal = selectors.appeal_get(fetched_by=user, appeal_id=pk)
    step = STEPS.get(action)
    if step is None:
        raise Http404
    detail_url = reverse("appeals:detail", args=[appeal.pk])
    if request.method == "GET":
        return redirect(f"{detail_url}#step-{action}")
    if not _may(user, appeal, step):
        raise PermissionDenied(_("您没有这项操作的权限。"))
    form = _form_for(action, appeal, user, request.POST)
    if form.is_valid():
        try:
            _run(action, form, appeal, user)
        except AppealError as exc:  # AppealConflict included
            status = 409 if isinstance(exc, AppealConflict) else 400
            if request.htmx:
                response = render(
                    request, "appeals/partials/_office_alert.html", {"message": exc.message}, status=status
                )
                response["HX-Retarget"] = "#appeal-alerts"
                response["HX-Reswap"] = "innerHTML"
                return response
            messages.error(request, exc.message)
            return redirect(detail_url)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, DONE[action])
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = detail_url
                return response
            return redirect(detail_url)
    appeal = selectors.appeal_get(fetched_by=user, appeal_id=pk)
    if request.htmx:
        context = _actions_context(request, appeal, bound={action: form})
        return render(request, "appeals/partials/_office_actions.html", context, status=422)
    context = _detail_context(request, appeal, bound={action: form})
    return render(request, "appeals/office/detail.html", context, status=422)


def _todo(request, pk):  # placeholders for the worker and committee pages; their owners remove them
    return HttpResponse(status=501)


urlpatterns: list = [
    path("", worklist, name="worklist"),
    path("all/", appeal_list, name="list"),
    path("record/", record, name="record"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/do/<str:action>/", action, name="action"),
]
