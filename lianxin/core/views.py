from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from lianxin.org.selectors import unit_coverage, unit_roots

from . import capabilities as caps
from .permissions import capabilities_of, role_codes_of


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名(或手机号)或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名或手机号")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "class": "form-control"})
        self.fields["password"].widget.attrs.update({"class": "form-control"})


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request: HttpRequest) -> HttpResponse:
    held = capabilities_of(request.user)
    context: dict = {"roles": role_codes_of(request.user)}
    if caps.ORG_VIEW in held:
        roots = unit_roots(fetched_by=request.user)
        context["roots"] = [(root, unit_coverage(unit=root)) for root in roots[:3]]
    if caps.APPEALS_HANDLE in held:
        from lianxin.appeals.selectors import worklist_counts

        context["appeal_counts"] = worklist_counts(fetched_by=request.user)
    return render(request, "core/home.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404 in the API's error shape under /api/, a Chinese page elsewhere."""
    if _wants_json(request):
        return JsonResponse({"code": "not_found", "message": str(_("未找到。")), "errors": []}, status=404)
    return render(request, "404.html", status=404)


def locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """What django-axes answers once an account is locked: JSON for the API, a page for people."""
    message = _("登录失败次数过多,账号已暂时锁定。请稍后再试,或联系系统管理员。")
    if _wants_json(request):
        return JsonResponse({"code": "locked_out", "message": str(message), "errors": []}, status=429)
    return render(request, "core/locked_out.html", status=429)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's in-app notifications, newest first; opening the page marks them read."""
    from django.core.paginator import Paginator

    from .models import Notification
    from .notifications import notification_mark_read

    rows = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    unread_ids = [row.pk for row in page.object_list if row.read_at is None]
    response = render(request, "core/notifications.html", {"page": page, "unread_ids": set(unread_ids)})
    if unread_ids:
        notification_mark_read(user=request.user, ids=unread_ids)
    return response
