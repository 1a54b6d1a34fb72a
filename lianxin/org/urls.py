from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("units/<int:unit_id>/children/", views.unit_children, name="children"),
    path("units/<int:unit_id>/posts/", views.unit_posts, name="posts"),
    path("units/<int:unit_id>/liaisons/", views.unit_liaisons, name="liaisons"),
    path("units/<int:unit_id>/new-child/", views.unit_create, name="unit_create"),
    path("units/<int:unit_id>/union-body/", views.union_body_edit, name="union_body_edit"),
    path("units/<int:unit_id>/new-post/", views.post_create, name="post_create"),
    path("units/<int:unit_id>/move/", views.unit_move, name="unit_move"),
    path("units/<int:unit_id>/appoint-liaison/", views.liaison_appoint, name="liaison_appoint"),
    path("posts/<int:post_id>/checklist/<slug:item>/", views.checklist_set, name="checklist_set"),
    path("posts/<int:post_id>/checklist/<slug:item>/clear/", views.checklist_clear, name="checklist_clear"),
    path("liaisons/<int:liaison_id>/end/", views.liaison_end, name="liaison_end"),
    path("import/", views.unit_import, name="import"),
    path("import/template.xlsx", views.unit_import_template, name="import_template"),
    path("import/<int:batch_id>/", views.unit_import_batch, name="import_batch"),
]
