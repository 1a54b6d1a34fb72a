"""Forms of the hardship-file, pairing and follow-up pages.

They parse input; the services decide and write. Choices (units, members, leaders) come from lists
the view has already read, so rendering a form makes no query of its own.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.members.forms import BootstrapForm, UnitChoiceField, pick_member

from .models import Cause, Effect, FileStatus, Health, Level, Relation, SchoolLevel
from .selectors.files import FileFilters, ReviewDue
from .services.files import MAX_PERSONS

_DATE = {"type": "date"}


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(_DATE, "%Y-%m-%d"), **kwargs)


# --- the list's filters --------------------------------------------------------------------------


class FileFilterForm(BootstrapForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("档案号、姓名、拼音或会员号"), "autocomplete": "off"}
        ),
    )
    level = forms.ChoiceField(
        label=_("困难类别"), required=False, choices=[("", _("全部类别")), *Level.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *FileStatus.choices]
    )
    review_due = forms.ChoiceField(
        label=_("复核"),
        required=False,
        choices=[
            ("", _("不限")),
            (ReviewDue.ANY, _("待复核(含逾期)")),
            (ReviewDue.DUE, _("30 天内到期")),
            (ReviewDue.OVERDUE, _("已逾期")),
        ],
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(
            label=_("单位"), units=units, blank=_("全部单位"), required=False
        )
        self.fields["unit"].widget.attrs["class"] = "form-select"
        self.order_fields(["q", "level", "status", "review_due", "unit"])

    def filters(self) -> FileFilters:
        """The valid filters; an invalid one is left out (and shown on its field)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return FileFilters(
            q=(data.get("q") or "").strip(),
            level=data.get("level") or "",
            status=data.get("status") or "",
            unit=data.get("unit"),
            review_due=data.get("review_due") or "",
        )


# --- one household -------------------------------------------------------------------------------


class PersonForm(BootstrapForm):
    """One person in the household. A blank row is left out."""

    name = forms.CharField(label=_("姓名"), max_length=50, required=True)
    relation = forms.ChoiceField(label=_("关系"), choices=[("", _("请选择")), *Relation.choices])
    birth_year = forms.IntegerField(
        label=_("出生年份"),
        required=False,
        min_value=1900,
        widget=forms.NumberInput({"inputmode": "numeric"}),
    )
    occupation = forms.CharField(
        label=_("职业/状况"),
        required=False,
        max_length=60,
        widget=forms.TextInput({"placeholder": _("如:在岗、无业、学生、退休")}),
    )
    monthly_income = forms.DecimalField(
        label=_("月收入(元)"),
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
        widget=forms.NumberInput({"inputmode": "decimal", "step": "0.01", "placeholder": "0"}),
    )
    school_level = forms.ChoiceField(label=_("在读学段"), required=False, choices=SchoolLevel.choices)
    health = forms.ChoiceField(label=_("健康状况"), choices=Health.choices, initial=Health.HEALTHY)

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year and year > timezone.localdate().year:
            raise ValidationError(_("出生年份不能晚于今年。"))
        return year

    def person(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("monthly_income") is None:
            data["monthly_income"] = 0
        return data


class _PersonFormSet(forms.BaseFormSet):
    def _kept(self) -> list[PersonForm]:
        """Rows that stay: the household's own rows not marked for removal, and filled new rows."""
        kept = []
        for index, form in enumerate(self.forms):
            if self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            kept.append(form)
        return kept

    def persons(self) -> list[dict]:
        return [form.person() for form in self._kept()]

    def clean(self):
        if any(self.errors):
            return
        kept = self._kept()
        if not kept:
            raise ValidationError(_("请至少填写一名家庭成员(含职工本人)。"))
        if sum(1 for form in kept if form.cleaned_data.get("relation") == Relation.SELF) > 1:
            raise ValidationError(_("“本人”只能有一人。"))


def person_formset(
    data=None, *, initial=None, blank_rows: int = 1, removable: bool = False
) -> _PersonFormSet:
    """The household's rows: those given, then `blank_rows` empty ones (ignored when left blank).

    `removable`: each given row can be marked as gone (an existing household's rows)."""
    formset_class = forms.formset_factory(
        PersonForm,
        formset=_PersonFormSet,
        extra=blank_rows if data is None else 0,
        max_num=MAX_PERSONS,
        validate_max=True,
        can_delete=removable,
        can_delete_extra=False,
    )
    return formset_class(data, initial=initial, prefix="persons")


class _HouseholdFields(BootstrapForm):
    causes = forms.MultipleChoiceField(
        label=_("致困原因"), choices=Cause.choices, widget=forms.CheckboxSelectMultiple
    )
    situation = forms.CharField(
        label=_("家庭情况"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 3, "placeholder": _("困难的由来、目前的状况、最需要的帮助")}),
    )
    address = forms.CharField(label=_("家庭住址"), required=False, max_length=200)
    level = forms.ChoiceField(
        label=_("困难类别"),
        required=False,
        choices=[("", _("按建议类别")), *Level.choices],
        help_text=_("不选则按认定规则建议的类别;可以选择其他类别,档案同时记录建议和认定的类别。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["causes"].widget.attrs["class"] = "form-check-input"


class FileOpenForm(_HouseholdFields):
    member = forms.CharField(
        label=_("职工"),
        max_length=50,
        widget=forms.TextInput({"autocomplete": "off", "placeholder": _("会员号或姓名")}),
    )

    def __init__(self, *args, member_lookup, **kwargs):
        super().__init__(*args, **kwargs)
        self.member_lookup = member_lookup
        self.order_fields(["member", "causes", "situation", "address", "level"])

    def clean_member(self):
        """A member number or name, looked up among the members the cadre may open files for."""
        text = (self.cleaned_data.get("member") or "").strip()
        return pick_member(self.member_lookup(text), text, not_found=_("在您的范围内没有找到这名职工。"))


class FileChangeForm(_HouseholdFields):
    """Correcting a file, or its yearly review (with the review's date and a note)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("说明"), required=False, max_length=1000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, review: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if review:
            self.fields["reviewed_on"] = _date_field(_("复核日期"), initial=timezone.localdate)
            self.fields["reviewed_on"].widget.attrs["class"] = "form-control"
            self.fields["note"].label = _("复核意见")
        self.fields["level"].help_text = _("不选则按认定规则建议的类别。")


class FileExitForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("脱困原因"),
        max_length=200,
        widget=forms.TextInput({"placeholder": _("如:子女毕业就业,家庭收入超过标准")}),
    )


class DocumentForm(BootstrapForm):
    title = forms.CharField(
        label=_("材料名称"),
        required=False,
        max_length=100,
        widget=forms.TextInput({"placeholder": _("如:诊断证明、低保证、录取通知书")}),
    )
    upload = forms.FileField(label=_("文件(照片或 PDF)"))

    def __init__(self, *args, accept: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if accept:
            self.fields["upload"].widget.attrs["accept"] = accept


# --- pairing and visits --------------------------------------------------------------------------


class PairingForm(BootstrapForm):
    visits_per_year = forms.IntegerField(label=_("每年至少走访次数"), min_value=1, max_value=52, initial=4)
    started_on = _date_field(_("结对日期"), initial=timezone.localdate)

    def __init__(self, *args, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.leaders = {str(user.pk): user for user in leaders}
        self.fields["leader"] = forms.ChoiceField(
            label=_("结对领导"),
            choices=[("", _("请选择"))] + [(str(user.pk), user.display_name) for user in leaders],
        )
        self.fields["leader"].widget.attrs["class"] = "form-select"
        self.order_fields(["leader", "visits_per_year", "started_on"])

    def clean_leader(self):
        return self.leaders.get(self.cleaned_data.get("leader"))


class PairingEndForm(BootstrapForm):
    reason = forms.CharField(label=_("结束原因"), max_length=200)


class VisitForm(BootstrapForm):
    visited_on = _date_field(_("走访日期"), initial=timezone.localdate)
    notes = forms.CharField(
        label=_("走访情况"),
        max_length=2000,
        widget=forms.Textarea({"rows": 4, "placeholder": _("见到了谁,家里现在怎么样,送去了什么")}),
    )
    needs = forms.CharField(
        label=_("新的困难和需求"),
        required=False,
        max_length=1000,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("填写后会通知建立结对的工会干部。"),
    )


class FollowUpForm(BootstrapForm):
    visited_on = _date_field(_("回访日期"), initial=timezone.localdate)
    aid_arrived = forms.TypedChoiceField(
        label=_("帮扶是否到位"),
        choices=[("yes", _("已到位")), ("no", _("未到位"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    effect = forms.ChoiceField(
        label=_("帮扶效果"), required=False, choices=[("", _("请选择")), *Effect.choices]
    )
    notes = forms.CharField(label=_("回访情况"), max_length=2000, widget=forms.Textarea({"rows": 3}))
    needs = forms.CharField(
        label=_("新的困难和需求"), required=False, max_length=1000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["aid_arrived"].widget.attrs["class"] = "form-check-input"
