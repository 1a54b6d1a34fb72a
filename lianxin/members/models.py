"""The member registry (会员名册).

Resident ID numbers and phone numbers are personal data: they are stored encrypted (Fernet, key from
the environment) beside a keyed digest for exact look-up and a masked form for display. Reading the
clear value goes through `members.services.member_reveal_personal`, which logs the look.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class EmploymentType(models.TextChoices):
    FORMAL = "formal", _("正式")
    DISPATCHED = "dispatched", _("劳务派遣")
    OUTSOURCED = "outsourced", _("外包")
    RETIRED = "retired", _("退休")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("在会")
    LEFT = "left", _("离会")


class Member(models.Model):
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="members", verbose_name=_("所在单位")
    )
    member_no = models.CharField(_("会员号"), max_length=30, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("全拼"), max_length=120, blank=True, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=30, blank=True, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number_cipher = models.TextField(blank=True, editable=False)
    id_number_digest = models.CharField(max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True, editable=False)
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_masked = models.CharField(_("手机号"), max_length=20, blank=True, editable=False)
    phone_tail = models.CharField(max_length=4, blank=True, editable=False, db_index=True)
    job = models.CharField(_("岗位"), max_length=60, blank=True)
    employment_type = models.CharField(
        _("用工性质"), max_length=12, choices=EmploymentType.choices, default=EmploymentType.FORMAL
    )
    joined_on = models.DateField(_("入会日期"), null=True, blank=True)
    left_on = models.DateField(_("离会日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords(excluded_fields=["name_pinyin", "name_initials"])

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        ordering = ["unit_id", "member_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~Q(id_number_digest=""),
                name="members_member_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(employment_type__in=[c.value for c in EmploymentType]),
                name="members_member_employment_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in MemberStatus]), name="members_member_status_valid"
            ),
            models.CheckConstraint(condition=Q(gender__in=["M", "F"]), name="members_member_gender_valid"),
        ]
        indexes = [
            models.Index(fields=["unit", "member_no"], name="members_unit_no"),
            models.Index(fields=["name"], name="members_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.member_no})"


class MemberTransfer(models.Model):
    """A move of a member from one unit to another (会员调转); the member's history stays whole."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers")
    from_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("调出单位")
    )
    to_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("调入单位")
    )
    transferred_on = models.DateField(_("调转日期"), default=timezone.localdate)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("会员调转")
        verbose_name_plural = _("会员调转")
        ordering = ["-transferred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.member} {self.from_unit} → {self.to_unit}"
