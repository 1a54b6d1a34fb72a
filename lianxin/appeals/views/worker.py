"""The worker's pages, phones first: raise an appeal, follow it (own list or follow-up code), supplement,
withdraw, rate, read the published answers, and open an appeal's attachments.

Raising an appeal needs a login (workers have accounts), also for an anonymous one: the login keeps
strangers out, and the service stores no identity on an anonymous appeal. Following an appeal by
its code needs no login; the code is the key, travels only in POST bodies (never in a URL, where
it would land in logs) and is checked again on every POST. Actions taken by code record no actor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from lianxin.core.audit import access_log, client_ip, target_of
from lianxin.core.capabilities import APPEALS_RECORD
from lianxin.members import selectors as member_selectors
from lianxin.members.models import Member
from lianxin.org.models import Unit

from .. import attachments, duplicates, rules, selectors, services
from ..models import OPEN_STATES, Appeal, AppealEvent, Attachment, Category, State
from ..services import MAX_TEXT, AppealError
from ..worker_forms import ACTION_FORMS, QaSearchForm, SubmitForm, TrackForm

Action = AppealEvent.Action

NEW_CODE_KEY = "appeals_new_code"
"""Session key holding the follow-up code of a just-raised anonymous appeal, until it is shown once."""
TRACKED_KEY = "appeals_tracked"
"""Session key listing the ids of appeals opened by follow-up code (they may see the attachments)."""
TRACKED_MAX = 20
TRACK_FAILURES_MAX = 20
TRACK_FAILURES_WINDOW = 15 * 60
MINE_PAGE_SIZE = 20
QA_PAGE_SIZE = 20


def _fragment_wanted(request: HttpRequest) -> bool:
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


# --- raising an appeal ---------------------------------------------------------------------------


def _origin_units(user) -> tuple[list[Unit], Unit | None]:
    """Units the worker may name as where it arose (own unit and those above), and the default one.

    A user without a member record (a cadre, say) may raise one for the units where they record."""
    member = Member.objects.filter(user=user).select_related("unit").first()
    if member is not None:
        units = member_selectors.member_unit_path(member=member)
        return units, member.unit
    units = member_selectors.member_units(fetched_by=user, code=APPEALS_RECORD)
    return units, (units[0] if units else None)


def _submit_context(request: HttpRequest, form: SubmitForm, units: list[Unit], **extra) -> dict:
    return {
        "form": form,
        "has_units": bool(units),
        "max_mb": settings.LIANXIN_ATTACHMENT_MAX_MB,
        "nav_active": "appeals_new",
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """Raise an appeal in a few taps: named (to "my appeals") or anonymous (a follow-up code, shown once)."""
    user = request.user
    units, default_unit = _origin_units(user)
    categories = selectors.category_list()
    posted = request.method == "POST"
    form = SubmitForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        units=units,
        categories=categories,
        initial={"origin_unit": str(default_unit.pk) if default_unit else ""},
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                intake = services.appeal_submit(
                    submitted_by=user,
                    origin_unit=data["origin_unit"],
                    text=data["text"],
                    channel=data["addressee"],
                    kind=data["kind"],
                    category=data["category"],
                    anonymous=data["anonymous"],
                    contact_phone=data["contact_phone"],
                    publish_consent=data["publish_consent"],
                )
                for upload in data["photos"]:
                    attachments.attachment_add(appeal=intake.appeal, upload=upload, uploaded_by=user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except AppealError as exc:
            form.add_error(None, exc.message)
        else:
            appeal = intake.appeal
            if appeal.is_anonymous:
                request.session[NEW_CODE_KEY] = {"code": intake.track_code, "number": appeal.number}
                return redirect("appeals:submitted")
            messages.success(
                request,
                _("诉求 %(number)s 已提交,我们会尽快受理。您可以在这里查看进度。")
                % {"number": appeal.number},
            )
            return redirect("appeals:mine_detail", pk=appeal.pk)
    context = _submit_context(request, form, units)
    return render(request, "appeals/worker/new.html", context, status=422 if posted else 200)


def _similar_context(text: str, unit: Unit | None, categories: list[Category]) -> dict:
    normalized = rules.normalize(text[:MAX_TEXT])
    if len(normalized) < 5:
        return {"similar_ready": False}
    suggested_code = rules.suggest_category(normalized)
    by_code = {category.code: category for category in categories}
    duplicates_found = duplicates.similar_open(normalized, unit=unit) if unit is not None else []
    return {
        "similar_ready": True,
        "suggested": by_code.get(suggested_code) if suggested_code else None,
        # number, title and state only: never who raised them
        "open_similar": [
            {"number": appeal.number, "title": appeal.title, "state": appeal.get_state_display()}
            for appeal, _score in duplicates_found
            if not (appeal.confidential or appeal.flag_distress)  # not for a coworker's eyes
        ],
        "answers": selectors.public_answers_like(normalized),
    }


@login_required
@require_POST
@vary_on_headers("HX-Request")
def similar(request: HttpRequest) -> HttpResponse:
    """While the worker types: the suggested category, near-identical open appeals, published answers.

    htmx gets the fragment. Without JavaScript the "先查一查" button posts the form here and gets the
    submit page back, filled in, with the same hints (photos must be picked again)."""
    units, default_unit = _origin_units(request.user)
    categories = selectors.category_list()
    chosen = {str(unit.pk): unit for unit in units}.get(request.POST.get("origin_unit", ""), default_unit)
    context = _similar_context(request.POST.get("text", ""), chosen, categories)
    if _fragment_wanted(request):
        return render(request, "appeals/partials/_worker_similar.html", context)
    fields = ("text", "kind", "category", "addressee", "origin_unit", "contact_phone")
    initial = {name: request.POST.get(name, "") for name in fields}
    initial.update({name: bool(request.POST.get(name)) for name in ("anonymous", "publish_consent")})
    if not initial["origin_unit"] and default_unit:
        initial["origin_unit"] = str(default_unit.pk)
    form = SubmitForm(initial=initial, units=units, categories=categories)
    return render(request, "appeals/worker/new.html", _submit_context(request, form, units, **context))


@login_required
@never_cache
@require_GET
def submitted(request: HttpRequest) -> HttpResponse:
    """The follow-up code of the anonymous appeal just raised, shown this once."""
    shown = request.session.pop(NEW_CODE_KEY, None)
    if not shown:
        messages.info(request, _("查询码只显示一次。请输入您记下的查询码查看进度。"))
        return redirect("appeals:track")
    return render(request, "appeals/worker/submitted.html", {**shown, "nav_active": "appeals_new"})


# --- one appeal, as the worker sees it ----------------------------------------------------------


@dataclass
class Step:
    at: dt.datetime
    label: str
    unit: str
    detail: str
    note: str
    score: str


def _steps(events: list[AppealEvent]) -> list[Step]:
    steps = []
    for event in events:
        data = event.data or {}
        detail = ""
        if event.action in (Action.REFERRED, Action.REFERRAL_ANSWERED):
            detail = data.get("department_name", "")
        elif event.action == Action.REOPENED:
            detail = _("转%(unit)s重新办理") % {"unit": data.get("to_unit_name", "")}
        elif event.action == Action.MERGED:
            detail = _("并入 %(number)s 一并办理") % {"number": data.get("into", "")}
        elif event.action == Action.ANSWERED and data.get("via"):
            detail = _("随 %(number)s 一并答复") % {"number": data["via"]}
        steps.append(
            Step(
                at=event.at,
                label=event.get_action_display(),
                unit=event.unit.name,
                detail=detail,
                note=event.note,  # appeal_events(for_worker=True) keeps only notes meant for the worker
                score=event.get_score_display() if event.score else "",
            )
        )
    return steps


def _when(moment: dt.datetime | None) -> str:
    """A limit in plain words: "11月27日" at the close of a day, else "11月27日 14:30"."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    day_end = (local.hour, local.minute) == (23, 59)
    return dateformat.format(local, _("n月j日") if day_end else _("n月j日 H:i"))


def _available(appeal: Appeal, now: dt.datetime) -> list[str]:
    actions = []
    if appeal.state in OPEN_STATES:
        if appeal.paused_at:
            actions.append("supplement")
        actions.append("withdraw")
    if appeal.state == State.ANSWERED:
        window_end = services.rating_window_end(appeal)
        if window_end and now <= window_end:
            actions.append("rate")
    return actions


def _action_form(action: str, appeal: Appeal, room: int, data=None, files=None):
    kwargs = {"prefix": action}
    if action == "supplement":
        kwargs["room"] = room
    return ACTION_FORMS[action](data, files, **kwargs)


def _appeal_context(appeal: Appeal, *, bound=None) -> dict:
    """Everything the appeal's page shows, read here so the template makes no query."""
    now = timezone.now()
    events = selectors.appeal_events(appeal=appeal, for_worker=True)
    files = list(appeal.attachments.all())
    room = attachments.MAX_PER_APPEAL - len(files)
    available = _available(appeal, now)
    forms = {action: _action_form(action, appeal, room) for action in available}
    if bound is not None:
        forms[bound.prefix] = bound
    question = ""
    if appeal.paused_at:
        asked = [event for event in events if event.action == Action.INFO_REQUESTED]
        question = asked[-1].note if asked else ""
    return {
        "appeal": appeal,
        "steps": _steps(events),
        "files": files,
        "room": room,
        "forms": forms,
        "question": question,
        "merged_into": appeal.merged_into if appeal.merged_into_id else None,
        "accept_by": _when(appeal.accept_due),
        "answer_by": _when(appeal.answer_due),
        "rate_by": _when(services.rating_window_end(appeal)) if appeal.state == State.ANSWERED else "",
        "category_name": appeal.category.name,
        "handling_unit_name": appeal.handling_unit.name,
    }


@dataclass
class Outcome:
    done: bool
    form: object | None = None


def _act(request: HttpRequest, appeal: Appeal, *, actor) -> Outcome:
    """Carry out the worker's POSTed action on the appeal. `done` means: show the page afresh."""
    action = request.POST.get("action", "")
    if action not in ACTION_FORMS:
        messages.error(request, _("未知的操作。"))
        return Outcome(done=True)
    room = attachments.MAX_PER_APPEAL - appeal.attachments.count()
    form = _action_form(action, appeal, room, request.POST, request.FILES)
    if not form.is_valid():
        return Outcome(done=False, form=form)
    data = form.cleaned_data
    try:
        if action == "supplement":
            with transaction.atomic():
                services.appeal_provide_info(appeal=appeal, provided_by=actor, text=data["text"])
                for upload in data["photos"]:
                    attachments.attachment_add(appeal=appeal, upload=upload, uploaded_by=actor)
            messages.success(request, _("已提交补充内容,办理时限恢复计算。"))
        elif action == "withdraw":
            services.appeal_withdraw(appeal=appeal, withdrawn_by=actor, reason=data["reason"])
            messages.success(request, _("诉求已撤回。"))
        else:
            appeal = services.appeal_rate(
                appeal=appeal, score=data["score"], comment=data["comment"], rated_by=actor
            )
            if appeal.state == State.CLOSED:
                messages.success(request, _("感谢您的评价,诉求已办结。"))
            else:
                messages.success(
                    request,
                    _("已收到您的意见,诉求已转%(unit)s重新办理。") % {"unit": appeal.handling_unit.name},
                )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return Outcome(done=False, form=form)
    except AppealError as exc:
        messages.error(request, exc.message)
    return Outcome(done=True)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The worker's own named appeals, newest first (anonymous ones are followed by code)."""
    page = Paginator(selectors.appeal_mine(fetched_by=request.user), MINE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    return render(request, "appeals/worker/mine.html", {"page": page, "nav_active": "appeals_mine"})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def mine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the worker's own appeals: each step, the answer, and what the worker may do now."""
    appeal = selectors.appeal_mine_get(fetched_by=request.user, appeal_id=pk)
    bound = None
    if request.method == "POST":
        outcome = _act(request, appeal, actor=request.user)
        if outcome.done:
            return redirect("appeals:mine_detail", pk=appeal.pk)
        bound = outcome.form
    context = {**_appeal_context(appeal, bound=bound), "nav_active": "appeals_mine"}
    return render(request, "appeals/worker/mine_detail.html", context, status=422 if bound else 200)


# --- following an appeal by its code --------------------------------------------------------------


def _remember_tracked(request: HttpRequest, appeal: Appeal) -> None:
    tracked = [pk for pk in request.session.get(TRACKED_KEY, []) if pk != appeal.pk]
    request.session[TRACKED_KEY] = [*tracked, appeal.pk][-TRACKED_MAX:]


def _track_failures_key(request: HttpRequest) -> str:
    return f"appeals:track-failures:{client_ip(request) or 'unknown'}"


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Follow an appeal by its follow-up code: GET asks for the code, POST shows the appeal (and
    carries out a supplement, withdrawal or rating, the code re-checked each time)."""
    context = {"nav_active": "appeals_track"}
    if request.method == "GET":
        return render(request, "appeals/worker/track.html", {**context, "form": TrackForm()})
    form = TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "appeals/worker/track.html", {**context, "form": form})
    failures_key = _track_failures_key(request)
    if cache.get(failures_key, 0) >= TRACK_FAILURES_MAX:
        form.add_error("code", _("尝试次数过多,请 15 分钟后再试。"))
        return render(request, "appeals/worker/track.html", {**context, "form": form}, status=429)
    code = form.cleaned_data["code"]
    try:
        appeal = selectors.appeal_track(code=code)
    except Http404:
        cache.add(failures_key, 0, TRACK_FAILURES_WINDOW)
        try:
            cache.incr(failures_key)
        except ValueError:
            cache.set(failures_key, 1, TRACK_FAILURES_WINDOW)
        form.add_error("code", _("查询码不正确,请核对后重新输入。"))
        return render(request, "appeals/worker/track.html", {**context, "form": form})
    _remember_tracked(request, appeal)
    bound = None
    if "action" in request.POST:
        outcome = _act(request, appeal, actor=None)
        bound = None if outcome.done else outcome.form
        appeal = selectors.appeal_track(code=code)
    context.update(_appeal_context(appeal, bound=bound), code=code, form=form)
    return render(request, "appeals/worker/track.html", context, status=422 if bound else 200)


# --- 员工有问有答 ------------------------------------------------------------------------------------


@login_required
@require_GET
@vary_on_headers("HX-Request")
def qa(request: HttpRequest) -> HttpResponse:
    """Published answers, searched as the worker types and filtered by category (login needed:
    the answers are the company's internal matters)."""
    form = QaSearchForm(request.GET)
    form.is_valid()
    q = form.cleaned_data.get("q", "")
    category = form.cleaned_data.get("category", "")
    categories = selectors.category_list()
    if category not in {item.code for item in categories}:
        category = ""
    page = Paginator(selectors.public_answer_list(q=q, category=category), QA_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    context = {
        "page": page,
        "q": q,
        "category": category,
        "categories": categories,
        "nav_active": "appeals_qa",
    }
    if _fragment_wanted(request):
        return render(request, "appeals/partials/_worker_qa_results.html", context)
    return render(request, "appeals/worker/qa.html", context)


# --- attachments ------------------------------------------------------------------------------------


def _office_may_see(user, appeal_id: int) -> bool:
    try:
        selectors.appeal_get(fetched_by=user, appeal_id=appeal_id)
    except Http404:
        return False
    return True


def _owner_may_see(user, appeal_id: int) -> bool:
    try:
        selectors.appeal_mine_get(fetched_by=user, appeal_id=appeal_id)
    except Http404:
        return False
    return True


@require_GET
def attachment(request: HttpRequest, token: str) -> HttpResponse:
    """An attachment, to the worker who raised the appeal (login or follow-up code in this session)
    and to holders of appeals.view over its unit (logged); 404 to everyone else."""
    found = None
    if len(token) <= 32:
        found = Attachment.objects.filter(token=token).select_related("appeal").first()
    if found is None:
        raise Http404
    user = request.user
    appeal_id = found.appeal_id
    tracked = appeal_id in request.session.get(TRACKED_KEY, [])
    own = user.is_authenticated and _owner_may_see(user, appeal_id)
    office = not (tracked or own) and user.is_authenticated and _office_may_see(user, appeal_id)
    if not (tracked or own or office):
        raise Http404
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    if office:
        access_log(
            user=user,
            action="view",
            subject=target_of(found.appeal),
            fields=["attachment"],
            request=request,
            attachment=found.token,
            appeal=found.appeal.number,
        )
    is_pdf = found.content_type == "application/pdf"
    response = FileResponse(
        handle, content_type=found.content_type, as_attachment=is_pdf, filename=found.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("new/", submit, name="submit"),
    path("new/similar/", similar, name="similar"),
    path("new/done/", submitted, name="submitted"),
    path("my/", mine, name="mine"),
    path("my/<int:pk>/", mine_detail, name="mine_detail"),
    path("track/", track, name="track"),
    path("qa/", qa, name="qa"),
    path("files/<str:token>/", attachment, name="attachment"),
]
