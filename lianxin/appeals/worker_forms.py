"""Forms of the worker's pages: raise an appeal, follow it by code, supplement, withdraw, rate.

They parse input; the services decide and write. Choices (units, categories) come from lists the
view has already read, so rendering a form makes no query of its own.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lianxin.members.forms import BootstrapForm, UnitChoiceField
from lianxin.org.models import Unit

from . import attachments
from .models import Category, Channel, Kind, Score
from .services import MAX_TEXT

ADDRESSEES = [
    (Channel.WEB.value, _("一般诉求(交本单位工会)")),
    (Channel.CHAIRMAN_MAILBOX.value, Channel.CHAIRMAN_MAILBOX.label),
    (Channel.MANAGER_MAILBOX.value, Channel.MANAGER_MAILBOX.label),
]
"""Whom the worker addresses; the value is the appeal's channel."""


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to `max_files` photos or PDFs, each checked by its first bytes (attachments.attachment_check)."""

    def __init__(self, *, max_files: int = attachments.MAX_PER_APPEAL, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": attachments.ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [single(item, initial) for item in items if item]
        if len(files) > self.max_files:
            raise ValidationError(_("最多还能上传 %(n)d 个文件。") % {"n": self.max_files}, code="too_many")
        errors = []
        for upload in files:
            try:
                attachments.attachment_check(upload)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return files


def _text_widget(rows: int, placeholder) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "placeholder": placeholder, "maxlength": MAX_TEXT})


class SubmitForm(BootstrapForm):
    text = forms.CharField(
        label=_("遇到了什么问题?"),
        min_length=5,
        max_length=MAX_TEXT,
        widget=_text_widget(6, _("说清楚什么事、在哪里、从什么时候开始、希望怎么解决。可以用繁体字。")),
    )
    kind = forms.ChoiceField(label=_("这是"), choices=Kind.choices, initial=Kind.CONSULTATION)
    category = forms.ChoiceField(label=_("类别"), required=False)
    addressee = forms.ChoiceField(label=_("交给"), choices=ADDRESSEES, initial=Channel.WEB.value)
    origin_unit = forms.ChoiceField(label=_("问题发生在"))
    anonymous = forms.BooleanField(
        label=_("匿名提交"),
        required=False,
        help_text=_("匿名时,办理人看不到您是谁;您凭查询码查看进度和评价。"),
    )
    contact_phone = forms.CharField(
        label=_("联系电话(选填)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("匿名时不会保存。"),
    )
    publish_consent = forms.BooleanField(
        label=_("同意答复后去除个人信息,公开到“员工有问有答”"), required=False
    )
    photos = PhotosField(label=_("照片或文件(最多 9 个)"))

    def __init__(self, *args, units: list[Unit], categories: list[Category], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origin_unit"] = UnitChoiceField(label=_("问题发生在"), units=units)
        self.fields["origin_unit"].widget.attrs["class"] = "form-select"
        self.fields["category"].choices = [
            ("", _("不确定,由系统建议")),
            *[(category.code, category.name) for category in categories],
        ]
        self.categories = {category.code: category for category in categories}
        self.fields["kind"].widget = forms.RadioSelect(choices=Kind.choices)
        self.fields["addressee"].widget = forms.RadioSelect(choices=ADDRESSEES)

    def clean_category(self) -> Category | None:
        code = self.cleaned_data.get("category")
        return self.categories.get(code) if code else None


class SupplementForm(BootstrapForm):
    text = forms.CharField(
        label=_("补充内容"),
        min_length=5,
        max_length=MAX_TEXT,
        widget=_text_widget(4, _("按办理人的要求补充说明")),
    )
    photos = PhotosField(label=_("补充照片或文件"))

    def __init__(self, *args, room: int = attachments.MAX_PER_APPEAL, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].max_files = max(room, 0)


class WithdrawForm(BootstrapForm):
    reason = forms.CharField(
        label=_("撤回原因(选填)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("例如:问题已经解决")}),
    )


class RateForm(BootstrapForm):
    score = forms.ChoiceField(label=_("您对答复满意吗?"), choices=Score.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("意见"),
        required=False,
        max_length=1000,
        widget=_text_widget(3, _("不满意时请说明原因,诉求将转上级工会重新办理")),
    )


class TrackForm(BootstrapForm):
    code = forms.CharField(
        label=_("查询码"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX-XXXX",
            }
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()


class QaSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=50)
    category = forms.CharField(required=False, max_length=40)


ACTION_FORMS = {"supplement": SupplementForm, "withdraw": WithdrawForm, "rate": RateForm}
"""What a worker may do on their appeal, by the `action` field of the POST."""
