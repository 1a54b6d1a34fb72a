from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("units/<int:unit_id>/children/", views.unit_children, name="children"),
]
