"""The one NinjaAPI, mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from ninja import NinjaAPI

from lianxin.core.api import SessionAuth, TokenAuth, install_error_handlers
from lianxin.core.api import router as auth_router
from lianxin.members.api import router as members_router
from lianxin.org.api import router as org_router

api = NinjaAPI(
    title="连心桥 Lianxin API",
    version="1",
    description="工会群众工作系统接口。Token: POST /api/v1/auth/token, then `Authorization: Bearer <token>`.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
)
install_error_handlers(api)
api.add_router("/auth", auth_router)
api.add_router("/org", org_router)
api.add_router("/members", members_router)
api.add_router("/appeals", "lianxin.appeals.api.router")
api.add_router("/assistance", "lianxin.assistance.api.router")
