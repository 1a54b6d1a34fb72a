from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .audit import audit_log
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


class AuditedAdmin(admin.ModelAdmin):
    """Every save and delete made in the admin writes an audit event, as the services do."""

    def _audit(self, request, obj, what: str, **detail) -> None:
        code = f"{obj._meta.app_label}.{obj._meta.model_name}.admin_{what}"
        audit_log(code=code, actor=request.user, target=obj, unit=getattr(obj, "unit", None), **detail)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._audit(request, obj, "changed" if change else "created", fields=form.changed_data)

    def delete_model(self, request, obj):
        self._audit(request, obj, "deleted", label=str(obj))
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects + [changed for changed, _fields in formset.changed_objects]:
            self._audit(request, obj, "changed")
        for obj in formset.deleted_objects:
            self._audit(request, obj, "deleted", label=str(obj))


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("连心桥"), {"fields": ("full_name", "phone")}),
    )
    list_display = ("username", "full_name", "phone", "is_active", "is_staff")
    search_fields = ("username", "full_name", "phone")
    inlines = [RoleAssignmentInline]


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ("code", "name", "description")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ("user", "role", "unit", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "unit__name")
    raw_id_fields = ["user", "unit"]


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin):
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
    list_display = ("year", "source", "loaded_at")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar_changed()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "code", "actor", "target", "unit")
    list_filter = ("code",)
    search_fields = ("code", "target")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "action", "subject", "record_count", "ip")
    list_filter = ("action",)
    search_fields = ("subject", "user__username")


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ("prefix", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix", "created_at", "last_used_at")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "filename", "status", "total_rows", "good_rows", "imported_rows")
    exclude = ("content",)
