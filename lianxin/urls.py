from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("lianxin.core.urls")),
    path("org/", include("lianxin.org.urls")),
    path("members/", include("lianxin.members.urls")),
    path("appeals/", include("lianxin.appeals.urls")),
    path("assistance/", include("lianxin.assistance.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "lianxin.core.views.not_found"
