from django.http import HttpResponse
from django.urls import path


def _todo(request, pk):  # replaced by the office pages
    return HttpResponse(status=501)


urlpatterns: list = [
    path("<int:pk>/", _todo, name="detail"),
    path("mine/<int:pk>/", _todo, name="mine_detail"),
    path("referrals/<int:pk>/", _todo, name="referral"),
]
