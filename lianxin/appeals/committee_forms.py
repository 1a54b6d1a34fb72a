"""Forms of the committee pages: referral answers, deliberation meetings and their decisions,
supervision, the rates' period, the ledger's month and the public answer.

Forms only parse input; the services decide and write. Choices (units, appeals, departments) come
from lists the view has already read, so rendering a form makes no query of its own.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.members.forms import BootstrapForm, UnitChoiceField

from .models import Appeal, Department, MeetingItem

MAX_STATS_DAYS = 3 * 366 + 1
"""The longest period the rates page counts (three years)."""


class ReferralAnswerForm(BootstrapForm):
    answer = forms.CharField(
        label=_("办理结果"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("写明部门核实的情况和处理结果,工会据此答复职工。"),
    )


# --- meetings ------------------------------------------------------------------------------------


def _appeal_label(appeal: Appeal) -> str:
    return f"{appeal.number} {appeal.title}({appeal.get_state_display()} · {appeal.handling_unit.name})"


class MeetingForm(BootstrapForm):
    unit = UnitChoiceField(label=_("召开单位"))
    held_at = forms.DateTimeField(
        label=_("时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    attendees = forms.CharField(
        label=_("参会人员"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人,或用顿号分隔。"),
    )
    minutes = forms.CharField(
        label=_("会议纪要"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    appeals = forms.MultipleChoiceField(
        label=_("议题(待议诉求)"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, units=(), candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(label=_("召开单位"), units=units)
        self.fields["unit"].widget.attrs["class"] = "form-select"
        self.candidates = {str(appeal.pk): appeal for appeal in candidates}
        self.fields["appeals"].choices = [(pk, _appeal_label(a)) for pk, a in self.candidates.items()]
        self.fields["appeals"].widget.attrs["class"] = "form-check-input"

    def clean_held_at(self):
        held_at = self.cleaned_data["held_at"]
        if held_at > timezone.now() + dt.timedelta(days=366):
            raise ValidationError(_("会议时间不能晚于一年以后。"))
        return held_at

    def clean_appeals(self):
        return [self.candidates[pk] for pk in self.cleaned_data["appeals"]]


class DecisionForm(BootstrapForm):
    """The meeting's decision on one item; `prefix` is the item's id so many sit on one page."""

    decision = forms.ChoiceField(label=_("议事决定"))
    department = forms.ChoiceField(label=_("承办部门"), required=False)
    note = forms.CharField(
        label=_("议定意见"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("直接答复时即为给职工的答复;不予受理时即为职工能看到的理由。"),
    )

    def __init__(self, *args, item: MeetingItem, departments: list[Department] = (), **kwargs):
        kwargs.setdefault("prefix", f"item{item.pk}")
        super().__init__(*args, **kwargs)
        self.item = item
        self.departments = {str(department.pk): department for department in departments}
        self.fields["decision"].choices = [("", _("请选择"))] + [
            (value, label) for value, label in MeetingItem.Decision.choices if value
        ]
        self.fields["department"].choices = [("", _("(转部门办理时选择)"))] + [
            (pk, f"{department.name}({department.unit.name})") for pk, department in self.departments.items()
        ]

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        department = self.departments.get(data.get("department") or "")
        if decision == MeetingItem.Decision.REFER and department is None:
            self.add_error("department", _("转部门办理须选择部门。"))
        if decision in (MeetingItem.Decision.ANSWER, MeetingItem.Decision.REJECT) and (
            len((data.get("note") or "").strip()) < 4
        ):
            self.add_error("note", _("请写明议定意见(至少 4 个字),职工会看到。"))
        data["department"] = department if decision == MeetingItem.Decision.REFER else None
        return data


# --- supervision ---------------------------------------------------------------------------------


class RemindForm(BootstrapForm):
    order = forms.BooleanField(label=_("督办"), required=False)
    note = forms.CharField(
        label=_("督办要求"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- rates ---------------------------------------------------------------------------------------


class Period:
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    CUSTOM = "custom"
    CHOICES = [
        (THIS_MONTH, _("本月")),
        (LAST_MONTH, _("上月")),
        (THIS_YEAR, _("今年")),
        (CUSTOM, _("自定义")),
    ]


def period_dates(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a quick period (this month, last month, this year)."""
    if period == Period.THIS_MONTH:
        return today.replace(day=1), today
    if period == Period.LAST_MONTH:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    return today.replace(month=1, day=1), today


_CUSTOM_DATE = {
    "type": "date",
    # Typing a date means a custom period: tick it before htmx reads the form.
    "onchange": "var c=document.getElementById('period-custom');if(c){c.checked=true;}",
}


class StatsForm(BootstrapForm):
    unit = UnitChoiceField(label=_("单位"), required=False)
    period = forms.ChoiceField(label=_("期间"), choices=Period.CHOICES, required=False)
    date_from = forms.DateField(
        label=_("起"), required=False, widget=forms.DateInput(attrs=_CUSTOM_DATE, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("止"), required=False, widget=forms.DateInput(attrs=_CUSTOM_DATE, format="%Y-%m-%d")
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(label=_("单位"), units=units, required=False)
        self.fields["unit"].widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        period = data.get("period") or (Period.CUSTOM if data.get("date_from") else Period.THIS_YEAR)
        data["period"] = period
        if period != Period.CUSTOM:
            data["date_from"], data["date_to"] = period_dates(period, today)
            return data
        start, end = data.get("date_from"), data.get("date_to") or today
        if start is None:
            self.add_error("date_from", _("请选择起始日期。"))
            return data
        if end < start:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        elif (end - start).days > MAX_STATS_DAYS:
            self.add_error("date_to", _("一次最多统计三年。"))
        data["date_to"] = end
        return data


# --- ledger --------------------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class MonthField(forms.CharField):
    """A month as YYYY-MM (what `<input type="month">` sends); cleans to its first day."""

    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return None
        match = _MONTH.match(value)
        if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise ValidationError(_("请按“年-月”选择月份,例如 2026-03。"))
        return dt.date(int(match[1]), int(match[2]), 1)


class LedgerForm(BootstrapForm):
    unit = UnitChoiceField(label=_("单位"))
    month = MonthField(label=_("月份"))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(label=_("单位"), units=units)
        self.fields["unit"].widget.attrs["class"] = "form-select"

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month and month > timezone.localdate():
            raise ValidationError(_("不能导出未来月份的台账。"))
        return month


# --- public answers ------------------------------------------------------------------------------

_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9Xx])\d{17}[0-9Xx](?![0-9Xx])")


def scrubbed(text: str, names: list[str] = ()) -> str:
    """A first pass at anonymizing: the worker's name, mobile numbers and ID numbers hidden.

    The publisher still reads and edits the text; this only spares them the obvious."""
    for name in sorted({name for name in names if name and len(name) >= 2}, key=len, reverse=True):
        text = text.replace(name, "某职工")  # the published text is Chinese whatever the publisher reads
    text = _ID_NUMBER.sub("******************", text)
    return _PHONE.sub("***********", text)


class PublishForm(BootstrapForm):
    question = forms.CharField(
        label=_("问题(已去除个人信息)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("请删去姓名、工号、电话、班组等能认出职工的内容。"),
    )
    answer = forms.CharField(
        label=_("答复(已去除个人信息)"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
