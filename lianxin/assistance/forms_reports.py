"""The filters of the assistance reports and the disclosure list: unit, programme, period.

Choices come from lists the view has already read (units, programmes), so rendering makes no query.
A programme is chosen either as a kind (every unit's 两节送温暖 together, what a report counts) or
as one programme of one unit.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.members.forms import BootstrapForm, UnitChoiceField

from .models import Programme, ProgrammeKind

MAX_REPORT_DAYS = 3 * 366 + 1
"""The longest period a report counts (three years)."""


class Period:
    THIS_YEAR = "this_year"
    LAST_YEAR = "last_year"
    THIS_QUARTER = "this_quarter"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    CUSTOM = "custom"
    CHOICES = [
        (THIS_YEAR, _("今年")),
        (LAST_YEAR, _("上年")),
        (THIS_QUARTER, _("本季度")),
        (THIS_MONTH, _("本月")),
        (LAST_MONTH, _("上月")),
        (CUSTOM, _("自定义")),
    ]


def period_dates(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a quick period; the current ones end today."""
    if period == Period.LAST_YEAR:
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    if period == Period.THIS_QUARTER:
        return dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1), today
    if period == Period.THIS_MONTH:
        return today.replace(day=1), today
    if period == Period.LAST_MONTH:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    return today.replace(month=1, day=1), today


KIND_PREFIX = "kind:"

_CUSTOM_DATE = {
    "type": "date",
    # Typing a date means a custom period: tick it before htmx reads the form.
    "onchange": "var c=document.getElementById('period-custom');if(c){c.checked=true;}",
}


def programme_choices(programmes: list[Programme]) -> list:
    kinds = [(f"{KIND_PREFIX}{value}", label) for value, label in ProgrammeKind.choices]
    ones = [(str(p.pk), f"{p.name}({p.unit.short_name or p.unit.name})") for p in programmes]
    choices = [("", _("全部项目")), (_("按项目类型"), kinds)]
    if ones:
        choices.append((_("按单位的项目"), ones))
    return choices


class ReportFilterForm(BootstrapForm):
    """Cleans to `unit`, `programme` (a Programme or None), `kind` ("" or a ProgrammeKind value),
    `period`, `date_from` and `date_to`."""

    unit = UnitChoiceField(label=_("单位"), required=False)
    programme = forms.ChoiceField(label=_("帮扶项目"), required=False)
    period = forms.ChoiceField(label=_("期间"), choices=Period.CHOICES, required=False)
    date_from = forms.DateField(
        label=_("起"), required=False, widget=forms.DateInput(attrs=_CUSTOM_DATE, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("止"), required=False, widget=forms.DateInput(attrs=_CUSTOM_DATE, format="%Y-%m-%d")
    )

    def __init__(self, *args, units=(), programmes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(label=_("单位"), units=units, required=False)
        self.fields["unit"].widget.attrs["class"] = "form-select"
        self.programmes = {str(p.pk): p for p in programmes}
        self.fields["programme"].choices = programme_choices(list(programmes))

    def clean(self):
        data = super().clean()
        chosen = data.get("programme") or ""
        data["kind"] = chosen[len(KIND_PREFIX) :] if chosen.startswith(KIND_PREFIX) else ""
        data["programme"] = self.programmes.get(chosen)
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
        elif (end - start).days > MAX_REPORT_DAYS:
            self.add_error("date_to", _("一次最多统计三年。"))
        data["date_to"] = end
        return data

    def query_string(self) -> str:
        """The cleaned filters as a query string, for links to child units and the download."""
        from django.utils.http import urlencode

        data = self.cleaned_data
        params = {"period": data["period"]}
        if data.get("kind"):
            params["programme"] = f"{KIND_PREFIX}{data['kind']}"
        elif data.get("programme") is not None:
            params["programme"] = data["programme"].pk
        if data["period"] == Period.CUSTOM:
            params["date_from"] = f"{data['date_from']:%Y-%m-%d}"
            params["date_to"] = f"{data['date_to']:%Y-%m-%d}"
        return urlencode(params)
