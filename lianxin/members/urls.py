from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_create, name="create"),
    path("export/", views.member_export, name="export"),
    path("import/", views.member_import, name="import"),
    path("import/template/", views.member_import_template, name="import_template"),
    path("import/<int:batch_id>/", views.member_import_report, name="import_report"),
    path("import/<int:batch_id>/apply/", views.member_import_apply, name="import_apply"),
    path("import/<int:batch_id>/discard/", views.member_import_discard, name="import_discard"),
    path("<int:member_id>/", views.member_detail, name="detail"),
    path("<int:member_id>/reveal/", views.member_reveal, name="reveal"),
    path("<int:member_id>/edit/", views.member_edit, name="edit"),
    path("<int:member_id>/transfer/", views.member_transfer, name="transfer"),
    path("<int:member_id>/leave/", views.member_leave, name="leave"),
]
