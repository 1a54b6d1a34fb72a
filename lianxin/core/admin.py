from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import capabilities as caps
from .admin_access import AuditedAdmin, CapabilityAdmin
from .models import (
    AccessLog,
    ApiToken,
    AuditEvent,
    CalendarYear,
    Holiday,
    ImportBatch,
    Role,
    RoleAssignment,
    User,
)
from .workdays import calendar_changed


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    capability = caps.ROLES_MANAGE
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("连心桥"), {"fields": ("full_name", "phone")}),
    )
    list_display = ("username", "full_name", "phone", "is_active", "is_staff")
    search_fields = ("username", "full_name", "phone")
    inlines = [RoleAssignmentInline]


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    capability = caps.ROLES_MANAGE
    list_display = ("code", "name", "description")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    capability = caps.ROLES_MANAGE
    unit_path_field = "unit__path"
    list_display = ("user", "role", "unit", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "unit__name")
    raw_id_fields = ["user", "unit"]


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin):
    capability = caps.CALENDAR_MANAGE
    list_display = ("date", "name", "is_working_day")
    list_filter = ("is_working_day",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar_changed()


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    capability = caps.CALENDAR_MANAGE
    list_display = ("year", "source", "loaded_at")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar_changed()


class ReadOnlyAdmin(CapabilityAdmin):
    read_only = True


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    capability = caps.AUDIT_VIEW
    list_display = ("at", "code", "actor", "target", "unit")
    list_filter = ("code",)
    search_fields = ("code", "target")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    capability = caps.AUDIT_VIEW
    list_display = ("at", "user", "action", "subject", "record_count", "ip")
    list_filter = ("action",)
    search_fields = ("subject", "user__username")


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    capability = caps.ROLES_MANAGE
    list_display = ("prefix", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix", "created_at", "last_used_at")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    capability = caps.MEMBERS_IMPORT
    unit_path_field = "scope_unit__path"
    list_display = ("created_at", "kind", "filename", "status", "total_rows", "good_rows", "imported_rows")
    exclude = ("content",)
