"""Forms of the organization pages. They parse input; the rules live in `services.py`.

Members are chosen by member number or name (pinyin works too) among the members the user may see
in the right part of the tree; a name shared by several members asks for the member number.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.capabilities import ORG_MANAGE
from lianxin.core.permissions import has_unit_permission
from lianxin.core.text import join_list

from . import selectors
from .imports import OnError
from .models import LEVEL_ORDER, PostKind, Unit, UnitLevel

_SEPARATORS = re.compile(r"[\s,,、;;]+")


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, and `is-invalid` on the fields that failed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


def apply_errors(form: forms.Form, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form's fields (unknown keys become form errors)."""
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        field = field_map.get(key, key)
        form.add_error(field if field in form.fields else None, messages)
        if field in form.fields:
            widget = form.fields[field].widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberLookup:
    """Finds members by number or name among those the user may see under `unit`."""

    def __init__(self, *, fetched_by, unit: Unit, team: Unit | None = None):
        self.fetched_by = fetched_by
        self.unit = unit
        self.team = team

    def _candidates(self, text: str):
        if self.team is not None:
            return selectors.liaison_candidates(fetched_by=self.fetched_by, team=self.team, q=text)
        return selectors.members_matching(fetched_by=self.fetched_by, unit=self.unit, q=text)

    def one(self, text: str):
        text = text.strip()
        found = list(self._candidates(text)[:20])
        exact = [m for m in found if m.member_no == text]
        if exact:
            return exact[0]
        named = [m for m in found if m.name == text] or found
        if not named:
            raise ValidationError(_("在本单位范围内没有找到会员“%(text)s”。") % {"text": text})
        if len(named) > 1:
            raise ValidationError(
                _("有多名会员与“%(text)s”相符(%(who)s),请填写会员号。")
                % {"text": text, "who": join_list(str(m) for m in named[:5])}
            )
        return named[0]

    def many(self, text: str) -> list:
        members, errors = [], []
        for token in (t for t in _SEPARATORS.split(text) if t):
            try:
                members.append(self.one(token))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return list({m.pk: m for m in members}.values())


def _member_field(label, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=200,
        help_text=help_text or gettext_lazy("填写会员号或姓名。"),
    )


def _next_level(level: str) -> str:
    if level in LEVEL_ORDER and level != LEVEL_ORDER[-1]:
        return LEVEL_ORDER[LEVEL_ORDER.index(level) + 1]
    return UnitLevel.TEAM


class UnitCreateForm(BootstrapForm):
    name = forms.CharField(label=gettext_lazy("单位名称"), max_length=100)
    short_name = forms.CharField(label=gettext_lazy("简称"), max_length=40, required=False)
    code = forms.CharField(label=gettext_lazy("单位编码"), max_length=40)
    level = forms.ChoiceField(label=gettext_lazy("层级"), choices=UnitLevel.choices)

    def __init__(self, *args, parent: Unit, **kwargs):
        kwargs.setdefault("initial", {"level": _next_level(parent.level)})
        super().__init__(*args, **kwargs)


class UnionBodyForm(BootstrapForm):
    name = forms.CharField(label=gettext_lazy("工会名称"), max_length=100)
    chairman = _member_field(gettext_lazy("主席"))
    vice_chairmen = _member_field(
        gettext_lazy("副主席"), help_text=gettext_lazy("可填多人,用逗号或空格分开;填写会员号或姓名。")
    )
    staff = _member_field(
        gettext_lazy("专职工作人员"), help_text=gettext_lazy("可填多人,用逗号或空格分开;填写会员号或姓名。")
    )
    member_count = forms.IntegerField(label=gettext_lazy("会员人数"), min_value=0, required=False)
    founded_on = forms.DateField(label=gettext_lazy("成立日期"), required=False, widget=_date_widget())

    def __init__(self, *args, fetched_by, unit: Unit, body=None, **kwargs):
        self.lookup = MemberLookup(fetched_by=fetched_by, unit=unit)
        if body is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": body.name,
                    "chairman": body.chairman.member_no if body.chairman else "",
                    "vice_chairmen": " ".join(m.member_no for m in body.vice_chairmen.all()),
                    "staff": " ".join(m.member_no for m in body.staff.all()),
                    "member_count": body.member_count,
                    "founded_on": body.founded_on,
                },
            )
        else:
            kwargs.setdefault("initial", {"name": _("%(unit)s工会") % {"unit": unit.name}})
        super().__init__(*args, **kwargs)

    def clean_chairman(self):
        text = self.cleaned_data["chairman"].strip()
        return self.lookup.one(text) if text else None

    def clean_vice_chairmen(self):
        return self.lookup.many(self.cleaned_data["vice_chairmen"])

    def clean_staff(self):
        return self.lookup.many(self.cleaned_data["staff"])

    def clean_member_count(self):
        return self.cleaned_data["member_count"] or 0


class PostForm(BootstrapForm):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=PostKind.choices)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    leader = _member_field(gettext_lazy("负责人"))
    address = forms.CharField(label=gettext_lazy("场所"), max_length=200, required=False)
    established_on = forms.DateField(label=gettext_lazy("建立日期"), required=False, widget=_date_widget())

    def __init__(self, *args, fetched_by, unit: Unit, **kwargs):
        self.lookup = MemberLookup(fetched_by=fetched_by, unit=unit)
        kind = PostKind.ROOM if unit.level in (UnitLevel.GROUP, UnitLevel.SECONDARY) else PostKind.STATION
        kwargs.setdefault("initial", {"kind": kind})
        super().__init__(*args, **kwargs)

    def clean_leader(self):
        text = self.cleaned_data["leader"].strip()
        return self.lookup.one(text) if text else None


class ChecklistSetForm(BootstrapForm):
    evidence = forms.CharField(
        label=gettext_lazy("佐证材料"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("例如:制度文件名称、照片存放位置、台账编号。"),
    )
    checked_on = forms.DateField(label=gettext_lazy("核查日期"), widget=_date_widget())

    def __init__(self, *args, row=None, **kwargs):
        initial = {"checked_on": timezone.localdate()}
        if row is not None:
            initial = {"evidence": row.evidence, "checked_on": row.checked_on}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def clean_checked_on(self):
        day = self.cleaned_data["checked_on"]
        if day > timezone.localdate():
            raise ValidationError(_("核查日期不能晚于今天。"))
        return day


class ChecklistClearForm(BootstrapForm):
    reason = forms.CharField(label=gettext_lazy("撤销原因"), max_length=200)


class LiaisonAppointForm(BootstrapForm):
    member = _member_field(
        gettext_lazy("联络员"),
        required=True,
        help_text=gettext_lazy("本班组或所在车间的会员,填写会员号或姓名。原联络员同日卸任。"),
    )
    appointed_on = forms.DateField(label=gettext_lazy("任命日期"), widget=_date_widget())

    def __init__(self, *args, fetched_by, team: Unit, **kwargs):
        self.lookup = MemberLookup(fetched_by=fetched_by, unit=team, team=team)
        kwargs.setdefault("initial", {"appointed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_member(self):
        return self.lookup.one(self.cleaned_data["member"])


class LiaisonEndForm(BootstrapForm):
    ended_on = forms.DateField(label=gettext_lazy("卸任日期"), widget=_date_widget())

    def __init__(self, *args, liaison, **kwargs):
        self.liaison = liaison
        kwargs.setdefault("initial", {"ended_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_ended_on(self):
        day = self.cleaned_data["ended_on"]
        if day < self.liaison.appointed_on:
            raise ValidationError(_("卸任日期不能早于任命日期。"))
        return day


class UnitMoveForm(BootstrapForm):
    parent_code = forms.CharField(
        label=gettext_lazy("新的上级单位编码"),
        max_length=40,
        help_text=gettext_lazy("该单位连同其全部下级、会员、阵地和联络员一起移过去。"),
    )

    def __init__(self, *args, fetched_by, **kwargs):
        self.fetched_by = fetched_by
        super().__init__(*args, **kwargs)

    def clean_parent_code(self):
        parent = selectors.unit_by_code(fetched_by=self.fetched_by, code=self.cleaned_data["parent_code"])
        if parent is None:
            raise ValidationError(_("没有找到该编码的单位,或它不在您的查看范围内。"))
        if not has_unit_permission(self.fetched_by, parent, ORG_MANAGE):
            raise ValidationError(
                _("您没有维护 %(name)s 的权限,不能把单位移到它之下。") % {"name": parent.name}
            )
        return parent


class UnitImportForm(BootstrapForm):
    scope_code = forms.CharField(
        label=gettext_lazy("导入到(单位编码)"),
        max_length=40,
        help_text=gettext_lazy("表中各行的上级单位须是该单位或它的下级,或表中的其他行。"),
    )
    file = forms.FileField(
        label=gettext_lazy("Excel 文件(.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, fetched_by, **kwargs):
        self.fetched_by = fetched_by
        super().__init__(*args, **kwargs)

    def clean_scope_code(self):
        unit = selectors.unit_by_code(fetched_by=self.fetched_by, code=self.cleaned_data["scope_code"])
        if unit is None:
            raise ValidationError(_("没有找到该编码的单位,或它不在您的查看范围内。"))
        if not has_unit_permission(self.fetched_by, unit, ORG_MANAGE):
            raise ValidationError(_("您没有维护 %(name)s 的权限。") % {"name": unit.name})
        return unit


class ImportApplyForm(BootstrapForm):
    on_error = forms.ChoiceField(
        label=gettext_lazy("有错误行时"), choices=OnError.choices, widget=forms.RadioSelect
    )
