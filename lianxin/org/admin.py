"""Admin of the organization tree, for system administrators.

Staff who are not superusers see only the units they may manage (`org.manage`). Every save or move
made here writes an audit row, like the services do. The pages under /org/ are the everyday tool;
the admin is for repairs.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from lianxin.core.admin_access import AuditedAdmin
from lianxin.core.capabilities import ORG_MANAGE
from lianxin.core.permissions import scope_q
from lianxin.core.text import join_list

from .models import POST_LEVELS, Liaison, Post, PostChecklistItem, PostKind, UnionBody, Unit, UnitLevel


class ScopedAdmin(AuditedAdmin):
    """Rows outside the staff member's `org.manage` scope are not listed, and units outside it not offered."""

    capability = ORG_MANAGE
    unit_path_field = "unit__path"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Unit:
            kwargs["queryset"] = Unit.objects.filter(scope_q(request.user, ORG_MANAGE)).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Unit)
class UnitAdmin(ScopedAdmin, TreeAdmin):
    form = movenodeform_factory(Unit)
    unit_path_field = "path"
    list_display = ["name", "code", "level", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "short_name", "code"]

    def unit_of(self, obj):
        return obj

    def has_delete_permission(self, request, obj=None):
        # A unit carries members, appeals and history: it is deactivated, not deleted.
        return False


class PostChecklistInline(admin.TabularInline):
    model = PostChecklistItem
    extra = 0
    fields = ["item", "evidence", "checked_on"]


class PostAdminForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["kind", "unit", "name", "leader", "staff", "address", "established_on"]

    def clean(self):
        cleaned = super().clean()
        unit, kind = cleaned.get("unit"), cleaned.get("kind")
        if unit is not None and kind in PostKind.values and unit.level not in POST_LEVELS[kind]:
            levels = join_list(str(UnitLevel(level).label) for level in sorted(POST_LEVELS[kind]))
            self.add_error(
                "unit",
                _("%(kind)s只能建在这些层级:%(levels)s。") % {"kind": PostKind(kind).label, "levels": levels},
            )
        return cleaned


@admin.register(Post)
class PostAdmin(ScopedAdmin, SimpleHistoryAdmin):
    form = PostAdminForm
    inlines = [PostChecklistInline]
    list_display = ["name", "kind", "unit", "leader"]
    list_filter = ["kind"]
    search_fields = ["name", "unit__name", "unit__code"]
    list_select_related = ["unit", "leader"]
    raw_id_fields = ["leader", "staff"]


@admin.register(UnionBody)
class UnionBodyAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["name", "unit", "chairman", "member_count"]
    search_fields = ["name", "unit__name", "unit__code"]
    list_select_related = ["unit", "chairman"]
    raw_id_fields = ["chairman", "vice_chairmen", "staff"]


@admin.register(Liaison)
class LiaisonAdmin(ScopedAdmin, SimpleHistoryAdmin):
    unit_path_field = "team__path"
    list_display = ["team", "member", "appointed_on", "ended_on", "is_active"]
    list_filter = ["ended_on"]
    search_fields = ["team__name", "team__code", "member__name", "member__member_no"]
    list_select_related = ["team", "member"]
    raw_id_fields = ["member"]

    def unit_of(self, obj):
        return obj.team

    @admin.display(boolean=True, description=gettext_lazy("在任"))
    def is_active(self, obj) -> bool:
        return obj.ended_on is None
