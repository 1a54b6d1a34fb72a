"""Admin for what offices configure: categories, time limits, departments and care contacts.

Appeals themselves are handled on the pages, through the services and their events; the admin
shows them read-only (no identity beyond what the pages show, nothing deletable).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lianxin.core.admin_access import AuditedAdmin, CapabilityAdmin
from lianxin.core.capabilities import APPEALS_CONFIGURE, APPEALS_VIEW

from .models import Appeal, CareContact, Category, DeadlineRule, Department


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    capability = APPEALS_CONFIGURE
    list_display = ("code", "name", "covers", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("code", "name", "keywords")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # appeals keep their category: retire one with 在用 instead


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedAdmin):
    capability = APPEALS_CONFIGURE
    list_display = (
        "__str__",
        "accept_working_days",
        "accept_hours",
        "answer_working_days",
        "extended_working_days",
    )
    list_select_related = ("category",)


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    capability = APPEALS_CONFIGURE
    unit_path_field = "unit__path"
    list_display = ("name", "unit", "kind", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("unit",)
    search_fields = ("name", "unit__name")
    raw_id_fields = ("unit", "handlers")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # referrals point at it: retire it with 在用


@admin.register(CareContact)
class CareContactAdmin(AuditedAdmin):
    capability = APPEALS_CONFIGURE
    unit_path_field = "unit__path"
    list_display = ("unit", "user", "note")
    list_select_related = ("unit", "user")
    raw_id_fields = ("unit", "user")


@admin.register(Appeal)
class AppealAdmin(CapabilityAdmin):
    capability = APPEALS_VIEW
    unit_path_field = "origin_unit__path"
    read_only = True
    list_display = (
        "number",
        "title",
        "category",
        "state",
        "origin_unit",
        "handling_unit",
        "received_at",
        "answer_due",
    )
    list_filter = ("state", "channel", "kind", "category")
    list_select_related = ("category", "origin_unit", "handling_unit")
    search_fields = ("number",)
    search_help_text = _("按编号搜索;全文搜索请用诉求页面")
    fields = (
        "number",
        "state",
        "channel",
        "kind",
        "category",
        "title",
        "text",
        "origin_unit",
        "handling_unit",
        "received_at",
        "accept_due",
        "answer_due",
        "answer",
    )
    readonly_fields = fields
    show_full_result_count = False
