"""Admin for the member registry: read and correct, never see cipher text.

Members are registered, imported, transferred and marked as left through the pages (which go through
the services and their checks); the admin changes basic fields through `member_update`, so the
audit row and the pinyin stay right. Encrypted columns and digests are never shown, only masks.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from lianxin.core.admin_access import CapabilityAdmin
from lianxin.core.capabilities import MEMBERS_MANAGE

from . import services
from .models import Member, MemberTransfer


@admin.register(Member)
class MemberAdmin(CapabilityAdmin, SimpleHistoryAdmin):
    capability = MEMBERS_MANAGE
    unit_path_field = "unit__path"

    list_display = (
        "member_no",
        "name",
        "unit",
        "gender",
        "id_number_masked",
        "phone_masked",
        "employment_type",
        "status",
    )
    list_filter = ("status", "employment_type", "gender")
    list_select_related = ("unit",)
    search_fields = ("member_no", "name", "name_pinyin")
    search_help_text = _("按会员号、姓名或全拼搜索")
    # Only these fields appear: never a cipher or a digest (simple-history's change list compares
    # editable fields only, and those columns are not editable).
    fields = (
        *services.UPDATABLE_FIELDS,
        "unit",
        "status",
        "left_on",
        "id_number_masked",
        "phone_masked",
        "user",
    )
    readonly_fields = ("unit", "status", "left_on", "id_number_masked", "phone_masked", "user")
    history_list_display = ("status",)
    ordering = ("member_no",)

    def has_add_permission(self, request) -> bool:
        return False  # registration checks the ID number and scope: use 登记会员 or 导入

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # members leave (离会); their records stay

    def save_model(self, request, obj, form, change):
        """Through `member_update`: the name's pinyin, the audit row and the history stay right."""
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in services.UPDATABLE_FIELDS
        }
        if changes:
            services.member_update(member=obj, updated_by=request.user, **changes)


@admin.register(MemberTransfer)
class MemberTransferAdmin(CapabilityAdmin):
    capability = MEMBERS_MANAGE
    unit_path_field = "member__unit__path"
    read_only = True

    list_display = ("member", "from_unit", "to_unit", "transferred_on", "recorded_by", "reason")
    list_select_related = ("member", "from_unit", "to_unit", "recorded_by")
    search_fields = ("member__member_no", "member__name")
    date_hierarchy = "transferred_on"
    readonly_fields = (
        "member",
        "from_unit",
        "to_unit",
        "transferred_on",
        "reason",
        "recorded_by",
        "recorded_at",
    )

    def has_add_permission(self, request) -> bool:
        return False  # a transfer is recorded by member_transfer, with the member's unit changed with it

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
