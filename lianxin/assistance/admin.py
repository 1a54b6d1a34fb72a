"""Admin for what offices configure: programmes, local standards, level rules, mutual-aid plans,
funds and campaigns.

Money never moves here: a fund's balance and reservations are read-only, and its entries are made
only by the fund services (allocations, donations, payments) on the pages. Nothing is deletable
that aid, files or entries point at; retire it with 在用 instead. Rows are scoped like every admin
(`CapabilityAdmin`): a chairman sees and saves the rows of units in his subtree only.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lianxin.core.admin_access import AuditedAdmin
from lianxin.core.capabilities import ASSISTANCE_CONFIGURE, ASSISTANCE_FUNDS
from lianxin.core.permissions import scope_q

from .models import Campaign, Fund, LevelRule, LocalStandard, MutualAidPlan, Programme


class ScopedChoicesAdmin(AuditedAdmin):
    """Funds offered in a form are those of units in the user's scope for the admin's capability."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "fund":
            kwargs["queryset"] = Fund.objects.filter(
                scope_q(request.user, self.capability, path_field="unit__path")
            ).select_related("unit")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # records point at it: retire it instead


@admin.register(Programme)
class ProgrammeAdmin(ScopedChoicesAdmin):
    capability = ASSISTANCE_CONFIGURE
    unit_path_field = "unit__path"
    list_display = (
        "name",
        "unit",
        "kind",
        "fund",
        "standard_amount",
        "cap_per_household_year",
        "period",
        "once_per_period",
        "approval_threshold",
        "is_active",
    )
    list_filter = ("kind", "period", "is_active")
    list_select_related = ("unit", "fund")
    search_fields = ("name", "code", "unit__name")
    raw_id_fields = ("unit",)
    fieldsets = (
        (None, {"fields": ("unit", "code", "name", "kind", "fund", "description", "is_active")}),
        (_("资格与金额"), {
            "fields": (
                "requires_file", "eligible_levels", "standard_amount", "amounts_by_school_level",
                "min_amount", "max_amount", "cap_per_person_year", "cap_per_household_year",
            )
        }),
        (_("周期与审批"), {
            "fields": (
                "period", "once_per_period", "approval_threshold", "payer_must_differ",
                "follow_up_days", "starts_on", "ends_on",
            )
        }),
    )  # fmt: skip


@admin.register(LocalStandard)
class LocalStandardAdmin(AuditedAdmin):
    capability = ASSISTANCE_CONFIGURE
    unit_path_field = "unit__path"
    list_display = ("unit", "monthly_per_head", "effective_from", "note")
    list_select_related = ("unit",)
    search_fields = ("unit__name",)
    raw_id_fields = ("unit",)
    date_hierarchy = "effective_from"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # files record the standard they were judged by: add a newer one instead


@admin.register(LevelRule)
class LevelRuleAdmin(AuditedAdmin):
    """Rules hang on no unit: only those who configure assistance over a whole tree edit them."""

    capability = ASSISTANCE_CONFIGURE
    list_display = ("order", "level", "max_ratio", "causes", "is_active")
    list_display_links = ("level",)
    list_editable = ("order", "is_active")
    list_filter = ("level", "is_active")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # switch a rule off with 在用; files keep the level it suggested


@admin.register(MutualAidPlan)
class MutualAidPlanAdmin(ScopedChoicesAdmin):
    capability = ASSISTANCE_CONFIGURE
    unit_path_field = "unit__path"
    list_display = (
        "name",
        "unit",
        "starts_on",
        "ends_on",
        "premium",
        "deductible",
        "rate",
        "cap_per_claim",
        "cap_per_member",
        "is_open",
    )
    list_filter = ("is_open",)
    list_select_related = ("unit", "fund")
    search_fields = ("name", "unit__name")
    raw_id_fields = ("unit",)


@admin.register(Fund)
class FundAdmin(ScopedChoicesAdmin):
    """A fund is created here with nothing in it; money enters through allocations and donations
    on the fund's page, so its ledger holds every yuan."""

    capability = ASSISTANCE_FUNDS
    unit_path_field = "unit__path"
    list_display = ("name", "unit", "kind", "balance", "reserved", "available", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("unit",)
    search_fields = ("name", "unit__name")
    raw_id_fields = ("unit",)
    readonly_fields = ("balance", "reserved", "available", "created_at")
    fields = ("unit", "name", "kind", "is_active", "balance", "reserved", "available", "created_at")

    @admin.display(description=_("可用余额"))
    def available(self, obj: Fund):
        return obj.available if obj.pk else None

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:  # the unit and kind of a fund with money are fixed
            fields += ["unit", "kind"]
        return fields


@admin.register(Campaign)
class CampaignAdmin(ScopedChoicesAdmin):
    capability = ASSISTANCE_FUNDS
    unit_path_field = "unit__path"
    list_display = ("name", "unit", "fund", "goal", "starts_on", "ends_on")
    list_select_related = ("unit", "fund")
    search_fields = ("name", "unit__name")
    raw_id_fields = ("unit",)
    date_hierarchy = "starts_on"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_exclude(self, request, obj=None):
        return ("created_by",)
