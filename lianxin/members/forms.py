"""Forms of the member pages: they parse input; the services decide and write.

Unit choices are built from a list of units the view has already read, so rendering a form makes
no query of its own.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lianxin.core.text import to_simplified
from lianxin.org.models import Unit

from .models import EmploymentType, Gender, MemberStatus

_DATE = {"type": "date"}


class BootstrapForm(forms.Form):
    """Bootstrap 5 classes on every widget, and `is-invalid` on the fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] += " is-invalid"

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a service's ValidationError on the matching fields, the rest on the form."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


def unit_choices(units: list[Unit], *, blank: str | None = None) -> list[tuple[str, str]]:
    """Units as choices, indented by depth below the shallowest one: 炼钢厂 / 　一炼钢车间 / 　　甲班."""
    top = min((unit.depth for unit in units), default=1)
    choices = [("", blank)] if blank is not None else []
    choices += [(str(unit.pk), "\u3000" * (unit.depth - top) + unit.name) for unit in units]
    return choices


def pick_member(found: list, text: str, *, not_found: str):
    """The one member meant by `text` (a member number or a name, simplified or traditional) among
    `found`, what a scoped look-up returned for it: the only one, else the one whose number or name
    is exactly `text`. `ValidationError` with `not_found`, or listing up to five when several match."""
    if len(found) == 1:
        return found[0]
    name = to_simplified(text)
    exact = [member for member in found if member.member_no == text or member.name == name]
    if len(exact) == 1:
        return exact[0]
    if not found:
        raise ValidationError(not_found)
    listed = "、".join(f"{member.name}({member.member_no})" for member in found[:5])
    raise ValidationError(_("找到多名会员:%(names)s。请输入会员号。") % {"names": listed})


class UnitChoiceField(forms.ChoiceField):
    """A unit picked from a list the view already holds; cleans to the Unit itself."""

    def __init__(self, *, units: list[Unit] = (), blank: str | None = None, **kwargs):
        self.units = {str(unit.pk): unit for unit in units}
        super().__init__(choices=unit_choices(list(units), blank=blank), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.units.get(value) if value else None


class MemberFilterForm(BootstrapForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("姓名、拼音、首字母、会员号或手机尾号"),
                "autocomplete": "off",
            }
        ),
    )
    unit = forms.ChoiceField(label=_("单位"), required=False)
    employment_type = forms.ChoiceField(
        label=_("用工性质"), required=False, choices=[("", _("全部用工性质")), *EmploymentType.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *MemberStatus.choices]
    )

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            label=_("单位"), units=units, blank=_("全部单位"), required=False
        )
        self.fields["unit"].widget.attrs["class"] = "form-select"

    def filters(self) -> dict:
        """The valid filters as `member_list` keywords; an invalid one is left out (and shown)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q") or "",
            "unit": data.get("unit"),
            "employment_type": data.get("employment_type") or "",
            "status": data.get("status") or "",
        }


class MemberFieldsForm(BootstrapForm):
    """The basic fields shared by the new-member form and the edit form."""

    member_no = forms.CharField(label=_("会员号"), max_length=30)
    name = forms.CharField(label=_("姓名"), max_length=50, help_text=_("可输入繁体,保存为简体。"))
    gender = forms.ChoiceField(
        label=_("性别"), required=False, choices=[("", _("按身份证号")), *Gender.choices]
    )
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, widget=forms.DateInput(_DATE, "%Y-%m-%d")
    )
    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=30)
    phone = forms.CharField(label=_("手机号"), required=False, max_length=20)
    job = forms.CharField(label=_("岗位"), required=False, max_length=60)
    employment_type = forms.ChoiceField(
        label=_("用工性质"), choices=EmploymentType.choices, initial=EmploymentType.FORMAL
    )
    joined_on = forms.DateField(
        label=_("入会日期"), required=False, widget=forms.DateInput(_DATE, "%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})
        self.fields["phone"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})


class MemberCreateForm(MemberFieldsForm):
    field_order = ["unit", "member_no", "name", "id_number", "gender", "birth_date", "phone"]

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(label=_("所在单位"), units=units, blank=_("请选择单位"))
        self.fields["unit"].widget.attrs["class"] = "form-select"
        self.order_fields(self.field_order)

    def clean(self):
        data = super().clean()
        if not data.get("gender") and not data.get("id_number"):
            self.add_error("gender", _("请填写性别,或填写身份证号由系统读取。"))
        return data


class MemberEditForm(MemberFieldsForm):
    """Blank ID number or phone keeps the stored value (the form never shows the clear values)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gender"].choices = Gender.choices
        self.fields["gender"].required = True
        self.fields["id_number"].help_text = _("留空则不修改。新的身份证号会同时更新出生日期和性别。")
        self.fields["phone"].help_text = _("留空则不修改。")


class TransferForm(BootstrapForm):
    to_unit = forms.ChoiceField(label=_("调入单位"))
    on = forms.DateField(label=_("调转日期"), required=False, widget=forms.DateInput(_DATE, "%Y-%m-%d"))
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"] = UnitChoiceField(label=_("调入单位"), units=units, blank=_("请选择单位"))
        self.fields["to_unit"].widget.attrs["class"] = "form-select"
        self.order_fields(["to_unit", "on", "reason"])


class LeaveForm(BootstrapForm):
    on = forms.DateField(label=_("离会日期"), required=False, widget=forms.DateInput(_DATE, "%Y-%m-%d"))
    reason = forms.CharField(label=_("原因"), required=False, max_length=200)


class ImportForm(BootstrapForm):
    file = forms.FileField(
        label=_("Excel 文件(.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    unit = forms.ChoiceField(label=_("导入到"))

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            label=_("导入到"),
            units=units,
            blank=_("请选择单位"),
            help_text=_("表中的单位编码须属于该单位或其下级。"),
        )
        self.fields["unit"].widget.attrs["class"] = "form-select"
