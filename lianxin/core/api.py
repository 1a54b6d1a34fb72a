"""API plumbing shared by every router: authentication, the one error shape, the token endpoint."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PageNumberPagination
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import Field

from .pagination import capped_count
from .tokens import api_token_create, api_token_user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer lx_…` for integrations."""

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key):
        if request.user.is_authenticated:
            return request.user
        return None


class Pagination(PageNumberPagination):
    """Page-number pagination with bounded inputs: a huge page number is a 422, never an overflow.

    `count` stops at 10,001: a list longer than 10,000 answers 10001, meaning "more than 10,000".
    """

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=200)

    class Output(Schema):
        items: list
        count: int = Field(description="条数;超过 10000 条时为 10001,表示“一万条以上”")

    def _items_count(self, queryset) -> int:
        return capped_count(queryset.all())


class FieldError(Schema):
    path: str
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[FieldError] = []


# Every authenticated operation may answer with these, all in the one error shape.
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def error_body(code: str, message: str, errors: list[dict] | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or []}


# Pydantic's error types in the user's language; the context fills the limits in.
_FIELD_MESSAGES = {
    "missing": gettext_lazy("必填项。"),
    "int_parsing": gettext_lazy("应为整数。"),
    "int_type": gettext_lazy("应为整数。"),
    "float_parsing": gettext_lazy("应为数字。"),
    "bool_parsing": gettext_lazy("应为 true 或 false。"),
    "string_type": gettext_lazy("应为文字。"),
    "greater_than_equal": gettext_lazy("不能小于 %(ge)s。"),
    "less_than_equal": gettext_lazy("不能大于 %(le)s。"),
    "string_too_short": gettext_lazy("至少 %(min_length)s 个字符。"),
    "string_too_long": gettext_lazy("最多 %(max_length)s 个字符。"),
    "enum": gettext_lazy("应为以下之一:%(expected)s。"),
    "literal_error": gettext_lazy("应为以下之一:%(expected)s。"),
    "json_invalid": gettext_lazy("JSON 格式不正确。"),
    "date_from_datetime_parsing": gettext_lazy("日期格式应为 2026-03-01。"),
    "date_parsing": gettext_lazy("日期格式应为 2026-03-01。"),
}


def field_message(error: dict) -> str:
    template = _FIELD_MESSAGES.get(error.get("type", ""))
    if template is None:
        return str(error.get("msg", ""))
    try:
        return str(template) % {key: value for key, value in (error.get("ctx") or {}).items()}
    except (KeyError, TypeError, ValueError):
        return str(error.get("msg", ""))


def install_error_handlers(api) -> None:
    @api.exception_handler(NinjaValidationError)
    def _validation(request, exc: NinjaValidationError):
        errors = [
            {"path": ".".join(str(part) for part in err.get("loc", [])), "message": field_message(err)}
            for err in exc.errors
        ]
        return api.create_response(
            request, error_body("invalid", _("输入有误,请检查标出的字段。"), errors), status=422
        )

    @api.exception_handler(DjangoValidationError)
    def _domain_validation(request, exc: DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = [
                {"path": f"body.{field}", "message": message}
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            errors = [{"path": "body", "message": message} for message in exc.messages]
        return api.create_response(
            request, error_body("invalid", _("输入有误,请检查标出的字段。"), errors), status=422
        )

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return api.create_response(request, error_body("not_found", _("未找到。")), status=404)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return api.create_response(
            request, error_body("unauthenticated", _("请先登录或提供有效的令牌。")), status=401
        )

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        return api.create_response(
            request, error_body("forbidden", str(exc) or _("您没有执行该操作的权限。")), status=403
        )

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        if exc.status_code == 400:  # an unreadable body is bad input like any other
            errors = [{"path": "body", "message": str(exc)}]
            return api.create_response(
                request, error_body("invalid", _("请求内容无法解析。"), errors), status=422
            )
        return api.create_response(request, error_body("error", str(exc)), status=exc.status_code)


router = Router(tags=["auth"])


def _settle_form_data(request: HttpRequest) -> None:
    """Make request.POST readable whatever Content-Type the client claimed.

    The lock-out records a failed login from request.POST; a body that claims to be multipart but is
    not would make it raise, and a failure that is not recorded would escape the lock-out.
    """
    try:
        request.POST  # noqa: B018
    except MultiPartParserError:
        request._post, request._files = QueryDict(), MultiValueDict()


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150, description="用户名或手机号")
    password: str = Field(min_length=1, max_length=256)


class TokenOut(Schema):
    token: str
    user_id: int
    name: str


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Obtain a token",
)
def token_create(request, payload: TokenIn):
    _settle_form_data(request)
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        return Status(401, error_body("bad_credentials", _("用户名(或手机号)或密码不正确。")))
    return Status(200, {"token": api_token_create(user=user), "user_id": user.pk, "name": user.display_name})
