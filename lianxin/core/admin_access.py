"""The admin follows the same capabilities and scope as the pages.

Django's own model permissions are not used: a staff user may open an admin model when they hold
its capability somewhere, sees only the rows whose unit lies in that capability's scope, and may
save only rows whose unit lies in it. Superusers see everything, as everywhere.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .audit import audit_log
from .permissions import has_capability, has_unit_permission, scope_paths, scope_q


def holds_on_a_root(user, code: str) -> bool:
    """Whether `code` is held over a whole tree (administrators): for records that hang on no unit."""
    from lianxin.org.models import Unit

    paths = scope_paths(user, code)
    return paths is None or any(len(path) == Unit.steplen for path in paths)


class CapabilityAdmin(admin.ModelAdmin):
    capability: str = ""
    # Path of the row's unit for scoping (e.g. "unit__path"); "" for rows that hang on no unit,
    # which only holders of the capability over a whole tree may see.
    unit_path_field: str = ""
    read_only: bool = False

    def _allowed(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if self.unit_path_field:
            return has_capability(user, self.capability)
        return holds_on_a_root(user, self.capability)

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request) -> bool:
        return not self.read_only and self._allowed(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return not self.read_only and self._allowed(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self.read_only and self._allowed(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.unit_path_field:
            queryset = queryset.filter(
                scope_q(request.user, self.capability, path_field=self.unit_path_field)
            )
        return queryset

    def unit_of(self, obj):
        return getattr(obj, "unit", None)

    def save_model(self, request, obj, form, change):
        unit = self.unit_of(obj)
        if (
            self.unit_path_field
            and getattr(unit, "path", "")
            and not has_unit_permission(request.user, unit, self.capability)
        ):
            raise PermissionDenied(_("该单位不在您的管理范围内。"))
        super().save_model(request, obj, form, change)


class AuditedAdmin(CapabilityAdmin):
    """Every save and delete made in the admin writes an audit event, as the services do."""

    def _audit(self, request, obj, what: str, **detail) -> None:
        code = f"{obj._meta.app_label}.{obj._meta.model_name}.admin_{what}"
        audit_log(code=code, actor=request.user, target=obj, unit=self.unit_of(obj), **detail)

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
