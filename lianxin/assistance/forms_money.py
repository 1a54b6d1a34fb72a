"""Forms of the aid-application, fund and campaign pages.

They parse input; the services decide and write. Choices (programmes, units, funds, campaigns) come
from lists the view has already read, so rendering a form makes no query of its own.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.members.forms import BootstrapForm, UnitChoiceField, pick_member

from .models import Campaign, EntryKind, Fund, Programme, SchoolLevel
from .selectors.applications import ApplicationFilters
from .selectors.funds import LedgerFilters

_DATE = {"type": "date"}
_DATE_FORMAT = "%Y-%m-%d"
MONEY_INPUT = {"inputmode": "decimal", "autocomplete": "off", "step": "0.01", "min": "0.01"}


def _money_field(label, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(MONEY_INPUT),
        help_text=help_text,
    )


def _date_field(label, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(_DATE, _DATE_FORMAT), help_text=help_text
    )


class ObjectChoiceField(forms.ChoiceField):
    """An object picked by id from a list the view holds; cleans to the object itself."""

    def __init__(self, *, objects=(), label_of=str, blank: str | None = None, **kwargs):
        self.objects = {str(obj.pk): obj for obj in objects}
        choices = [("", blank)] if blank is not None else []
        choices += [(str(obj.pk), label_of(obj)) for obj in objects]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.objects.get(value) if value else None


def programme_label(programme: Programme) -> str:
    return f"{programme.name} · {programme.unit.name}"


def fund_label(fund: Fund) -> str:
    return f"{fund.name} · {fund.unit.name}"


# --- the application list's filters -----------------------------------------------------------------


class ApplicationFilterForm(BootstrapForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("受助职工姓名、拼音或申请编号"), "autocomplete": "off"}
        ),
    )
    date_from = _date_field(_("登记自"))
    date_to = _date_field(_("登记至"))

    def __init__(self, *args, programmes: list[Programme], units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"] = ObjectChoiceField(
            label=_("帮扶项目"),
            objects=programmes,
            label_of=programme_label,
            blank=_("全部项目"),
            required=False,
        )
        self.fields["unit"] = UnitChoiceField(
            label=_("单位"), units=units, blank=_("全部单位"), required=False
        )
        for name in ("programme", "unit"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.order_fields(["q", "programme", "unit", "date_from", "date_to"])

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self, status: str = "") -> ApplicationFilters:
        """The valid filters; an invalid one is left out (and shown on its field)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ApplicationFilters(
            status=status,
            programme=data.get("programme"),
            unit=data.get("unit"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to") if "date_to" not in self.errors else None,
            q=(data.get("q") or "").strip(),
        )


# --- recording an application ---------------------------------------------------------------------


class ApplicationForm(BootstrapForm):
    member = forms.CharField(
        label=_("受助职工"),
        max_length=50,
        widget=forms.TextInput(
            {"autocomplete": "off", "placeholder": _("会员号或姓名"), "list": "member-options"}
        ),
        help_text=_("输入姓名、拼音或会员号,从提示中选择。"),
    )
    school_level = forms.ChoiceField(
        label=_("在读学段"),
        required=False,
        choices=[("", _("请选择")), *[(v, label) for v, label in SchoolLevel.choices if v]],
    )
    amount = _money_field(_("金额(元)"), required=False, help_text=_("留空按项目标准金额。"))
    goods = forms.CharField(label=_("实物内容"), required=False, max_length=200)
    reason = forms.CharField(
        label=_("帮扶事由"), max_length=2000, widget=forms.Textarea({"rows": 4, "maxlength": 2000})
    )
    on = _date_field(_("帮扶日期"), help_text=_("留空为今天。"))
    file = forms.IntegerField(required=False, widget=forms.HiddenInput)
    appeal = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, programmes: list[Programme], member_lookup, **kwargs):
        super().__init__(*args, **kwargs)
        self.member_lookup = member_lookup
        self.fields["programme"] = ObjectChoiceField(
            label=_("帮扶项目"), objects=programmes, label_of=programme_label, blank=_("请选择项目")
        )
        self.fields["programme"].widget.attrs["class"] = "form-select"
        self.order_fields(["programme", "member", "school_level", "amount", "goods", "reason", "on"])

    def clean_member(self):
        """A member number or name, looked up among the members the recorder may record aid for."""
        text = (self.cleaned_data.get("member") or "").strip()
        if not text:
            return None
        return pick_member(self.member_lookup(text), text, not_found=_("在您的范围内没有找到这名会员。"))

    def clean_on(self):
        value = self.cleaned_data.get("on")
        if value and value > timezone.localdate():
            raise ValidationError(_("日期不能晚于今天。"))
        return value


# --- the steps on one application ---------------------------------------------------------------


class ActionForm(BootstrapForm):
    """Every step carries the version of the application the user saw (a stale one is a conflict)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, application, **kwargs):
        kwargs.setdefault("initial", {})["version"] = application.version
        super().__init__(*args, **kwargs)
        self.application = application


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("审批意见"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, label=None, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


class ResubmitForm(ActionForm):
    amount = _money_field(_("金额(元)"), required=False, help_text=_("不改金额请留空。"))
    reason = forms.CharField(label=_("帮扶事由"), max_length=2000, widget=forms.Textarea({"rows": 3}))
    note = forms.CharField(label=_("修改说明"), required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        application = kwargs["application"]
        kwargs.setdefault("initial", {}).setdefault("reason", application.reason)
        super().__init__(*args, **kwargs)


class PayForm(ActionForm):
    """The payment, with a one-time key made when the form is shown: sending the same form twice
    (a double click, a resend after a timeout) pays once."""

    reference = forms.CharField(
        label=_("凭证号/银行流水号"), max_length=60, widget=forms.TextInput({"autocomplete": "off"})
    )
    paid_on = _date_field(_("发放日期"), help_text=_("留空为今天。"))
    note = forms.CharField(label=_("备注"), required=False, max_length=200)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)

    def clean_paid_on(self):
        value = self.cleaned_data.get("paid_on")
        if value and value > timezone.localdate():
            raise ValidationError(_("发放日期不能晚于今天。"))
        return value


# --- funds ---------------------------------------------------------------------------------------


class LedgerFilterForm(BootstrapForm):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *EntryKind.choices]
    )
    date_from = _date_field(_("日期自"))
    date_to = _date_field(_("日期至"))
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("捐款人、凭证号或摘要"), "autocomplete": "off"}
        ),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> LedgerFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return LedgerFilters(
            kind=data.get("kind") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to") if "date_to" not in self.errors else None,
            q=(data.get("q") or "").strip(),
        )


class IncomeForm(BootstrapForm):
    kind = forms.ChoiceField(
        label=_("收入类型"),
        choices=[
            (EntryKind.ALLOCATION.value, EntryKind.ALLOCATION.label),
            (EntryKind.DONATION.value, EntryKind.DONATION.label),
        ],
        initial=EntryKind.DONATION,
    )
    amount = _money_field(_("金额(元)"))
    donor = forms.CharField(label=_("捐款人/单位"), required=False, max_length=100)
    donor_anonymous = forms.BooleanField(label=_("匿名捐款"), required=False)
    reference = forms.CharField(label=_("凭证号/银行流水号"), required=False, max_length=60)
    note = forms.CharField(label=_("摘要"), required=False, max_length=200)
    received_on = _date_field(_("入账日期"), help_text=_("留空为今天。"))

    def __init__(self, *args, campaigns: list[Campaign], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"] = ObjectChoiceField(
            label=_("募捐活动"), objects=campaigns, blank=_("不属于募捐活动"), required=False
        )
        self.fields["campaign"].widget.attrs["class"] = "form-select"
        self.order_fields(["kind", "amount", "donor", "donor_anonymous", "campaign", "reference", "note"])

    def clean_received_on(self):
        value = self.cleaned_data.get("received_on")
        if value and value > timezone.localdate():
            raise ValidationError(_("日期不能晚于今天。"))
        return value

    def clean(self):
        data = super().clean()
        if data.get("kind") != EntryKind.DONATION:
            data["donor"], data["donor_anonymous"], data["campaign"] = "", False, None
        return data


class TransferForm(BootstrapForm):
    amount = _money_field(_("金额(元)"))
    note = forms.CharField(label=_("摘要"), required=False, max_length=200)

    def __init__(self, *args, targets: list[Fund], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"] = ObjectChoiceField(
            label=_("调入资金"), objects=targets, label_of=fund_label, blank=_("请选择")
        )
        self.fields["target"].widget.attrs["class"] = "form-select"
        self.order_fields(["target", "amount", "note"])


class CampaignForm(BootstrapForm):
    name = forms.CharField(label=_("活动名称"), max_length=100)
    purpose = forms.CharField(label=_("用途"), required=False, widget=forms.Textarea({"rows": 2}))
    goal = _money_field(_("目标金额(元)"), required=False)
    starts_on = _date_field(_("开始日期"), required=True)
    ends_on = _date_field(_("结束日期"), required=True)

    def __init__(self, *args, funds: list[Fund], units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"] = ObjectChoiceField(
            label=_("存入资金"), objects=funds, label_of=fund_label, blank=_("请选择")
        )
        self.fields["unit"] = UnitChoiceField(
            label=_("主办单位"), units=units, blank=None if len(units) == 1 else _("请选择单位")
        )
        for name in ("fund", "unit"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.order_fields(["name", "unit", "fund", "goal", "starts_on", "ends_on", "purpose"])

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and start > end:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return data
