"""Forms of the mutual-aid pages: a plan, enrolment, a claim with its invoices, each step on a claim.

They parse input; the services decide and write. Choices (units, plans, funds) come from lists the
view has already read, and a member is looked up through a function the view passes in, so
rendering a form makes no query of its own.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lianxin.members.forms import BootstrapForm, UnitChoiceField

from .models import ClaimStatus

_DATE = {"type": "date"}
_MONEY = {"inputmode": "decimal", "step": "0.01", "min": "0"}


def _date_field(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(_DATE, "%Y-%m-%d"))


def _money_field(label, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text=help_text,
        widget=forms.NumberInput(_MONEY),
    )


class PickField(forms.ChoiceField):
    """An object picked by id from a list the view holds; cleans to the object itself."""

    def __init__(self, *, objects=(), label_of=str, blank: str | None = None, **kwargs):
        self.objects = {str(obj.pk): obj for obj in objects}
        choices = [("", blank)] if blank is not None else []
        choices += [(str(obj.pk), label_of(obj)) for obj in objects]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.objects.get(value) if value else None


class ServiceErrorsMixin:
    """Errors of a service on the form's fields; the rest on the form itself."""

    def add_service_errors(self, exc: ValidationError, names: dict[str, str] | None = None) -> None:
        names = names or {}
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            field = names.get(key, key)
            self.add_error(field if field in self.fields else None, messages)


# --- plans -------------------------------------------------------------------------------------------


class PlanForm(ServiceErrorsMixin, BootstrapForm):
    name = forms.CharField(label=_("计划名称"), max_length=100)
    starts_on = _date_field(_("保障期开始"))
    ends_on = _date_field(_("保障期结束"))
    premium = _money_field(_("每人会费(元)"))
    deductible = _money_field(_("起付线(元)"), help_text=_("每次理赔先扣除的金额;没有起付线填 0。"))
    rate_percent = forms.DecimalField(
        label=_("赔付比例(%)"),
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        help_text=_("超过起付线部分按此比例赔付,如 60。"),
        widget=forms.NumberInput({"inputmode": "decimal", "step": "0.1"}),
    )
    cap_per_claim = _money_field(_("单次赔付上限(元)"), required=False, help_text=_("不填则不设上限。"))
    cap_per_member = _money_field(_("每人保障期内上限(元)"), required=False, help_text=_("不填则不设上限。"))
    approval_threshold = _money_field(
        _("超过此金额须上级审批(元)"), required=False, help_text=_("不填则都由本级审批。")
    )

    def __init__(self, *args, units, funds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(label=_("主办单位"), units=units)
        self.fields["fund"] = PickField(
            label=_("互助基金"), objects=funds, label_of=lambda fund: f"{fund.name}({fund.unit.name})"
        )
        for name in ("unit", "fund"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.order_fields(["name", "unit", "fund"])

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "unit": data["unit"],
            "name": data["name"],
            "fund": data["fund"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "premium": data["premium"],
            "deductible": data["deductible"],
            "rate": (data["rate_percent"] / 100).quantize(Decimal("0.001")),
            "cap_per_claim": data.get("cap_per_claim"),
            "cap_per_member": data.get("cap_per_member"),
            "approval_threshold": data.get("approval_threshold"),
        }


# --- enrolment ---------------------------------------------------------------------------------------


class EnrolMemberForm(BootstrapForm):
    member = forms.CharField(
        label=_("职工"),
        max_length=50,
        help_text=_("会员号,或姓名、拼音"),
        widget=forms.TextInput({"autocomplete": "off", "placeholder": _("会员号或姓名")}),
    )

    def __init__(self, *args, find_members, **kwargs):
        super().__init__(*args, **kwargs)
        self.find_members = find_members

    def clean_member(self):
        text = self.cleaned_data["member"].strip()
        found = self.find_members(text)
        if not found:
            raise ValidationError(_("在您的范围内没有找到在会的这名职工。"))
        if len(found) > 1:
            raise ValidationError(
                _("找到多名职工:%(names)s。请填写会员号。")
                % {"names": "、".join(f"{m.name}({m.member_no})" for m in found[:5])}
            )
        return found[0]


class EnrolUnitForm(BootstrapForm):
    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            label=_("整个单位"), units=units, help_text=_("该单位及下属单位全部在会职工,已参保的跳过。")
        )
        self.fields["unit"].widget.attrs["class"] = "form-select"


# --- claims ------------------------------------------------------------------------------------------


class ClaimFilterForm(BootstrapForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput({"type": "search", "placeholder": _("理赔编号、职工姓名或会员号")}),
    )

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"] = PickField(label=_("计划"), objects=plans, blank=_("全部计划"), required=False)
        self.fields["plan"].widget.attrs["class"] = "form-select"


class ClaimForm(ServiceErrorsMixin, BootstrapForm):
    member = forms.CharField(
        label=_("参保职工"),
        max_length=50,
        help_text=_("会员号,或姓名、拼音"),
        widget=forms.TextInput({"autocomplete": "off", "placeholder": _("会员号或姓名")}),
    )
    illness = forms.CharField(label=_("病种/事由"), max_length=100)
    hospital = forms.CharField(label=_("医院"), max_length=100, required=False)
    admitted_on = _date_field(_("就诊/入院日期"))
    discharged_on = _date_field(_("出院日期"), required=False)
    note = forms.CharField(
        label=_("备注"), required=False, max_length=500, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, plans, find_enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.find_enrolments = find_enrolments
        self.fields["plan"] = PickField(label=_("互助保障计划"), objects=plans)
        self.fields["plan"].widget.attrs["class"] = "form-select"
        self.order_fields(["plan", "member"])

    def clean(self):
        data = super().clean()
        plan, text = data.get("plan"), (data.get("member") or "").strip()
        if plan is None or not text:
            return data
        found = self.find_enrolments(plan, text)
        if not found:
            self.add_error("member", _("这名职工没有参加这个计划,或不在您的范围内。"))
        elif len(found) > 1:
            names = "、".join(f"{e.member.name}({e.member.member_no})" for e in found[:5])
            self.add_error("member", _("找到多名参保职工:%(names)s。请填写会员号。") % {"names": names})
        else:
            data["enrolment"] = found[0]
        return data


class InvoiceForm(BootstrapForm):
    invoice_no = forms.CharField(label=_("票据号"), max_length=40)
    issued_on = _date_field(_("开票日期"))
    total = _money_field(_("票据金额(元)"))
    eligible = _money_field(_("其中可报销(元)"))

    def clean(self):
        data = super().clean()
        total, eligible = data.get("total"), data.get("eligible")
        if total is not None and eligible is not None and eligible > total:
            self.add_error("eligible", _("可报销部分不能超过票据金额。"))
        return data


class BaseInvoiceFormSet(forms.BaseFormSet):
    def invoices(self) -> list[dict]:
        """The filled rows, in order (empty extra rows are skipped)."""
        return [
            {key: form.cleaned_data[key] for key in ("invoice_no", "issued_on", "total", "eligible")}
            for form in self.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def add_service_errors(self, exc: ValidationError) -> list[str]:
        """Put `invoices.<n>.<field>` errors on the n-th filled row; return those that fit no row."""
        filled = [form for form in self.forms if form.has_changed()]
        rest = []
        for key, messages in exc.message_dict.items() if hasattr(exc, "error_dict") else []:
            parts = key.split(".")
            if parts[0] != "invoices":
                continue
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(filled):
                form = filled[int(parts[1])]
                form.add_error(parts[2] if parts[2] in form.fields else None, messages)
            else:
                rest.extend(messages)
        return rest


InvoiceFormSet = forms.formset_factory(
    InvoiceForm,
    formset=BaseInvoiceFormSet,
    extra=2,
    min_num=1,
    validate_min=True,
    max_num=50,
    validate_max=True,
)


# --- steps on a claim --------------------------------------------------------------------------------


class StepForm(ServiceErrorsMixin, BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("意见"), required=False, max_length=500, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, claim, **kwargs):
        kwargs.setdefault("initial", {})["version"] = claim.version
        super().__init__(*args, **kwargs)


class ReasonForm(StepForm):
    note = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["note"].label = label


class PayForm(StepForm):
    reference = forms.CharField(label=_("凭证号/银行流水号"), max_length=60)
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    note = forms.CharField(label=_("备注"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})["key"] = uuid.uuid4().hex
        super().__init__(*args, **kwargs)
        self.order_fields(["reference", "note"])


STATUS_TABS = [
    (ClaimStatus.PENDING, _("待审核")),
    (ClaimStatus.APPROVED, _("待赔付")),
    (ClaimStatus.RETURNED, _("已退回")),
    (ClaimStatus.PAID, _("已赔付")),
    (ClaimStatus.REJECTED, _("不予赔付")),
    (ClaimStatus.REVERSED, _("已冲正")),
    ("", _("全部")),
]
