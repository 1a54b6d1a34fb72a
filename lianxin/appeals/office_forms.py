"""Forms of the office pages (worklist filters, recording an appeal, every step on an appeal).

They parse input; the services decide and write. Choices (units, categories, departments, people)
come from lists the view has already read, so rendering a form makes no query of its own.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.members.forms import BootstrapForm, UnitChoiceField, pick_member

from .models import Category, Channel, Flag, Kind, State
from .selectors import AppealFilters
from .services import MAX_TEXT, RECORDED_CHANNELS

_DATE = {"type": "date"}
_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _checkboxes(field: forms.Field) -> None:
    field.widget.attrs["class"] = "form-check-input"


class CategoryChoiceField(forms.ChoiceField):
    """A category picked by code from a list the view holds; cleans to the Category itself."""

    def __init__(self, *, categories: list[Category] = (), blank: str | None = None, **kwargs):
        self.categories = {category.code: category for category in categories}
        choices = [("", blank)] if blank is not None else []
        choices += [(category.code, category.name) for category in categories]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.categories.get(value) if value else None


# --- the list's filters ----------------------------------------------------------------------------


class AppealFilterForm(BootstrapForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("诉求内容关键词,简繁体均可"), "autocomplete": "off"}
        ),
    )
    state = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *State.choices])
    kind = forms.ChoiceField(label=_("性质"), required=False, choices=[("", _("全部性质")), *Kind.choices])
    channel = forms.ChoiceField(
        label=_("渠道"), required=False, choices=[("", _("全部渠道")), *Channel.choices]
    )
    flag = forms.ChoiceField(label=_("标记"), required=False, choices=[("", _("全部标记")), *Flag.choices])
    overdue = forms.ChoiceField(
        label=_("超期"),
        required=False,
        choices=[("", _("不限")), ("1", _("已超期")), ("0", _("未超期"))],
    )
    date_from = forms.DateField(label=_("收到自"), required=False, widget=forms.DateInput(_DATE, "%Y-%m-%d"))
    date_to = forms.DateField(label=_("收到至"), required=False, widget=forms.DateInput(_DATE, "%Y-%m-%d"))

    def __init__(self, *args, units, categories: list[Category], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            label=_("单位"), units=units, blank=_("全部单位"), required=False
        )
        self.fields["category"] = CategoryChoiceField(
            label=_("类别"), categories=categories, blank=_("全部类别"), required=False
        )
        for name in ("unit", "category"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.order_fields(["q", "state", "category", "unit", "kind", "channel", "flag", "overdue"])

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> AppealFilters:
        """The valid filters; an invalid one is left out (and shown on its field)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        overdue = data.get("overdue") or ""
        category = data.get("category")
        return AppealFilters(
            q=(data.get("q") or "").strip(),
            state=data.get("state") or "",
            unit=data.get("unit"),
            category=category.code if category else "",
            kind=data.get("kind") or "",
            channel=data.get("channel") or "",
            flag=data.get("flag") or "",
            overdue={"1": True, "0": False}.get(overdue),
            date_from=data.get("date_from"),
            date_to=data.get("date_to") if "date_to" not in self.errors else None,
        )

    @property
    def has_filters(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(value not in (None, "") for name, value in data.items() if name != "q")


# --- recording an appeal heard on the phone, on the shop floor, on a visit ------------------------


class RecordForm(BootstrapForm):
    channel = forms.ChoiceField(
        label=_("渠道"), choices=[(value, Channel(value).label) for value in RECORDED_CHANNELS]
    )
    received_at = forms.DateTimeField(
        label=_("收到时间"),
        required=False,
        input_formats=[_DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput({"type": "datetime-local"}, _DATETIME_LOCAL),
        help_text=_("默认为打开本页的时间;留空为现在。"),
    )
    text = forms.CharField(
        label=_("诉求内容"),
        max_length=MAX_TEXT,
        widget=forms.Textarea({"rows": 5, "autofocus": True, "maxlength": MAX_TEXT}),
        help_text=_("按职工原话记录;Ctrl+Enter 保存。"),
    )
    kind = forms.ChoiceField(label=_("性质"), choices=Kind.choices, initial=Kind.CONSULTATION)
    contact_name = forms.CharField(label=_("联系人"), required=False, max_length=50)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        max_length=20,
        widget=forms.TextInput({"inputmode": "tel", "autocomplete": "off"}),
    )
    member = forms.CharField(
        label=_("职工会员"),
        required=False,
        max_length=50,
        widget=forms.TextInput({"autocomplete": "off", "placeholder": _("会员号或姓名,可不填")}),
    )
    flags = forms.MultipleChoiceField(
        label=_("标记"),
        required=False,
        choices=Flag.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("勾选即为已确认;都不勾时由系统识别,待办理人确认。"),
    )
    anonymous = forms.BooleanField(
        label=_("匿名(不记录职工身份)"), required=False, help_text=_("匿名时不保存联系人、电话和会员。")
    )

    def __init__(self, *args, user, units, categories: list[Category], member_lookup, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.member_lookup = member_lookup
        self.fields["origin_unit"] = UnitChoiceField(
            label=_("发生单位"), units=units, blank=None if len(units) == 1 else _("请选择单位")
        )
        self.fields["category"] = CategoryChoiceField(
            label=_("类别"), categories=categories, blank=_("自动建议"), required=False
        )
        for name in ("origin_unit", "category"):
            self.fields[name].widget.attrs["class"] = "form-select"
        _checkboxes(self.fields["flags"])
        self.order_fields(
            [
                "text",
                "channel",
                "received_at",
                "origin_unit",
                "kind",
                "category",
                "contact_name",
                "contact_phone",
                "member",
                "flags",
                "anonymous",
            ]
        )

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value and value > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError(_("收到时间不能晚于现在。"))
        return value

    def clean_member(self):
        """A member number or name, looked up among the members the recorder may see."""
        text = (self.cleaned_data.get("member") or "").strip()
        if not text:
            return None
        return pick_member(
            self.member_lookup(text), text, not_found=_("在您的范围内没有找到这名会员,可不填。")
        )

    def clean(self):
        data = super().clean()
        if data.get("anonymous"):
            data["member"] = None
            data["contact_name"] = ""
            data["contact_phone"] = ""
        return data


# --- the steps on one appeal ---------------------------------------------------------------------


class ActionForm(BootstrapForm):
    """Every step carries the version of the appeal the user saw (a stale one is a conflict)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, appeal, **kwargs):
        kwargs.setdefault("initial", {})["expected_version"] = appeal.version
        super().__init__(*args, **kwargs)
        self.appeal = appeal


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )


class RequiredNoteForm(ActionForm):
    note = forms.CharField(label=_("说明"), max_length=2000, widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args, label=None, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["note"].label = label
        self.fields["note"].help_text = help_text


class AnswerForm(ActionForm):
    answer = forms.CharField(
        label=_("给职工的答复"),
        max_length=MAX_TEXT,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("职工会看到这段答复并评价。"),
    )


class AssignForm(ActionForm):
    assignee = forms.ChoiceField(label=_("经办人"))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in people}
        self.fields["assignee"].choices = [("", _("请选择"))] + [
            (str(person.pk), person.display_name) for person in people
        ]
        self.fields["assignee"].widget.attrs["class"] = "form-select"

    def clean_assignee(self):
        return self.people[self.cleaned_data["assignee"]]


class ReferForm(ActionForm):
    department = forms.ChoiceField(label=_("承办部门"))
    note = forms.CharField(
        label=_("转办说明"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {str(department.pk): department for department in departments}
        self.fields["department"].choices = [("", _("请选择"))] + [
            (str(department.pk), f"{department.unit.name} · {department.name}") for department in departments
        ]
        self.fields["department"].widget.attrs["class"] = "form-select"
        self.order_fields(["department", "note"])

    def clean_department(self):
        return self.departments[self.cleaned_data["department"]]


class MergeForm(ActionForm):
    into = forms.CharField(
        label=_("并入诉求编号"),
        max_length=20,
        widget=forms.TextInput({"placeholder": "SS-2026-000123", "autocomplete": "off"}),
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)

    def __init__(self, *args, find_appeal, **kwargs):
        super().__init__(*args, **kwargs)
        self.find_appeal = find_appeal

    def clean_into(self):
        number = self.cleaned_data["into"].strip().upper()
        target = self.find_appeal(number)
        if target is None:
            raise ValidationError(_("找不到编号为 %(number)s 的诉求。") % {"number": number})
        return target


class FlagsForm(ActionForm):
    flags = forms.MultipleChoiceField(
        label=_("标记"), required=False, choices=Flag.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, categories: list[Category], **kwargs):
        appeal = kwargs["appeal"]
        kwargs.setdefault("initial", {}).update({"flags": appeal.flags, "category": appeal.category.code})
        super().__init__(*args, **kwargs)
        self.fields["category"] = CategoryChoiceField(label=_("类别"), categories=categories)
        self.fields["category"].widget.attrs["class"] = "form-select"
        _checkboxes(self.fields["flags"])
