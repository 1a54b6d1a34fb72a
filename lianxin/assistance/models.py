"""Assistance (帮扶): hardship files, aid under programmes, funds, mutual aid, pairing, follow-up.

Glossary: hardship file = 困难职工档案, household = 家庭, level = 困难类别 (深度困难 / 相对困难 /
意外致困), local standard = 当地最低生活保障标准, programme = 帮扶项目, application = 帮扶申请
(one grant of aid to one beneficiary), fund = 帮扶资金, fund entry = 资金流水, campaign = 募捐活动,
mutual-aid plan = 互助保障计划, enrolment = 参保, claim = 理赔, pairing = 结对帮扶,
visit = 走访, follow-up = 跟踪问效, reversal = 冲正, disclosure = 公示.

Money is `Decimal` yuan with two places. A fund's `balance` and `reserved` (approved, not yet paid)
are kept on its row and changed only under `select_for_update` by the fund services; database
constraints make a negative balance or an over-reservation impossible even if a service were
wrong. Every movement is one `FundEntry` carrying the balance after it, so the ledger reconciles to
the cent. Nothing here is deleted: applications and claims are voided or reversed with a reason,
and a wrong payment is undone by a counter-entry.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, **MONEY, **kwargs)


# --- hardship files --------------------------------------------------------------------------------


class Level(models.TextChoices):
    DEEP = "deep", _("深度困难")
    RELATIVE = "relative", _("相对困难")
    ACCIDENT = "accident", _("意外致困")


class Cause(models.TextChoices):
    SERIOUS_ILLNESS = "serious_illness", _("大病")
    DISABILITY = "disability", _("残疾")
    DISASTER = "disaster", _("灾害")
    ACCIDENT = "accident", _("意外事故")
    CHILDREN_IN_SCHOOL = "children_in_school", _("子女上学")
    SPOUSE_UNEMPLOYED = "spouse_unemployed", _("配偶无业")
    SINGLE_PARENT = "single_parent", _("单亲")
    LOW_INCOME = "low_income", _("收入低")
    OTHER = "other", _("其他")


class FileStatus(models.TextChoices):
    ACTIVE = "active", _("在档")
    EXITED = "exited", _("已脱困")


class LocalStandard(models.Model):
    """The local minimum-living standard (低保标准) per head per month, for a unit's subtree.

    The nearest ancestor's latest standard in force on a day applies to a unit.
    """

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("适用单位")
    )
    monthly_per_head = money_field(_("月人均标准(元)"))
    effective_from = models.DateField(_("执行日期"))
    note = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("当地低保标准")
        verbose_name_plural = _("当地低保标准")
        ordering = ["unit_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "effective_from"], name="assistance_standard_unique"),
            models.CheckConstraint(condition=Q(monthly_per_head__gt=0), name="assistance_standard_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.effective_from}: {self.monthly_per_head}"


class LevelRule(models.Model):
    """A rule that suggests a hardship level; the first rule (by `order`) that matches applies.

    It matches when the household's monthly income per head is at most `max_ratio` times the local
    standard and, if `causes` is not empty, the file names at least one of them.
    """

    level = models.CharField(_("困难类别"), max_length=12, choices=Level.choices)
    max_ratio = models.DecimalField(_("人均收入不高于低保标准的倍数"), max_digits=5, decimal_places=2)
    causes = models.JSONField(_("须有的致困原因(任一)"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=100)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("困难认定规则")
        verbose_name_plural = _("困难认定规则")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=[c.value for c in Level]), name="assistance_levelrule_level_valid"
            ),
            models.CheckConstraint(condition=Q(max_ratio__gt=0), name="assistance_levelrule_ratio_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ≤ {self.max_ratio}×"


class Counter(models.Model):
    """The last number issued in a series and year (KN-2026-00012, BF-2026-000123, HZ-2026-0001)."""

    series = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="assistance_counter_unique")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"


class HardshipFile(models.Model):
    """A family in difficulty (困难职工档案), opened for one member; reviewed yearly."""

    number = models.CharField(_("档案号"), max_length=20, unique=True)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="hardship_files", verbose_name=_("所在单位")
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="hardship_files", verbose_name=_("职工")
    )
    level = models.CharField(_("困难类别"), max_length=12, choices=Level.choices)
    suggested_level = models.CharField(_("建议类别"), max_length=12, choices=Level.choices, blank=True)
    causes = models.JSONField(_("致困原因"), default=list, blank=True)
    situation = models.TextField(_("家庭情况"), blank=True)
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    household_size = models.PositiveSmallIntegerField(_("家庭人口"), default=1)
    monthly_income = money_field(_("家庭月收入(元)"), default=ZERO)
    income_per_head = money_field(_("月人均收入(元)"), default=ZERO)
    local_standard = money_field(_("当地低保标准(元/人·月)"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=FileStatus.choices, default=FileStatus.ACTIVE)
    opened_on = models.DateField(_("建档日期"), default=timezone.localdate)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField(_("上次复核"), null=True, blank=True)
    next_review_on = models.DateField(_("下次复核"), db_index=True)
    exited_on = models.DateField(_("脱困日期"), null=True, blank=True)
    exit_reason = models.CharField(_("脱困原因"), max_length=200, blank=True)
    appeal = models.ForeignKey(
        "appeals.Appeal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("来源诉求"),
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("困难职工档案")
        verbose_name_plural = _("困难职工档案")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="active"),
                name="assistance_file_one_active_per_member",
                violation_error_message=_("这名职工已有在档的困难档案。"),
            ),
            models.CheckConstraint(
                condition=Q(level__in=[c.value for c in Level]), name="assistance_file_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in FileStatus]), name="assistance_file_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(monthly_income__gte=0) & Q(income_per_head__gte=0),
                name="assistance_file_income_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="assistance_file_unit_status")]

    def __str__(self) -> str:
        return self.number


class Relation(models.TextChoices):
    SELF = "self", _("本人")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    OTHER = "other", _("其他")


class SchoolLevel(models.TextChoices):
    NONE = "", _("不在学")
    PRESCHOOL = "preschool", _("学前")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中职")
    COLLEGE = "college", _("大专/本科")
    POSTGRADUATE = "postgraduate", _("研究生")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("慢性病")
    SERIOUS_ILLNESS = "serious_illness", _("大病")
    DISABILITY = "disability", _("残疾")


class HouseholdPerson(models.Model):
    """One person in a hardship household, with their income."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("关系"), max_length=10, choices=Relation.choices)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    occupation = models.CharField(_("职业/状况"), max_length=60, blank=True)
    monthly_income = money_field(_("月收入(元)"), default=ZERO)
    school_level = models.CharField(
        _("在读学段"), max_length=12, choices=SchoolLevel.choices, blank=True, default=""
    )
    health = models.CharField(_("健康状况"), max_length=16, choices=Health.choices, default=Health.HEALTHY)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["file_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_income__gte=0), name="assistance_person_income_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


def document_path(instance: HardshipDocument, filename: str) -> str:
    return f"assistance/{instance.uploaded_at:%Y/%m}/{instance.token}.{instance.extension}"


class HardshipDocument(models.Model):
    """A supporting document (诊断书, 低保证, 录取通知书…), stored outside the web root."""

    file = models.ForeignKey(HardshipFile, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("材料名称"), max_length=100)
    token = models.CharField(max_length=32, unique=True, editable=False)
    extension = models.CharField(max_length=8, editable=False)
    stored = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("档案材料")
        verbose_name_plural = _("档案材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title


class FileEvent(models.Model):
    """One thing done to a hardship file: opened, updated, reviewed, level changed, exited, reopened."""

    class Action(models.TextChoices):
        OPENED = "opened", _("建档")
        UPDATED = "updated", _("更新")
        REVIEWED = "reviewed", _("年度复核")
        LEVEL_CHANGED = "level_changed", _("调整类别")
        EXITED = "exited", _("脱困")
        REOPENED = "reopened", _("重新建档")
        DOCUMENT_ADDED = "document_added", _("上传材料")

    file = models.ForeignKey(HardshipFile, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.file_id} {self.action}"


# --- funds -----------------------------------------------------------------------------------------


class FundKind(models.TextChoices):
    RELIEF = "relief", _("帮扶救助基金")
    MUTUAL_AID = "mutual_aid", _("互助保障基金")


class Fund(models.Model):
    """A unit's pool of money for aid. Balance and reservations change only through fund services."""

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="funds", verbose_name=_("单位")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=FundKind.choices, default=FundKind.RELIEF)
    balance = money_field(_("余额"), default=ZERO, editable=False)
    reserved = money_field(_("已批未付"), default=ZERO, editable=False)
    is_active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("帮扶资金")
        verbose_name_plural = _("帮扶资金")
        ordering = ["unit_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="assistance_fund_balance_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="assistance_fund_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("balance")), name="assistance_fund_reserved_within_balance"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in FundKind]), name="assistance_fund_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def available(self) -> Decimal:
        return self.balance - self.reserved


class Campaign(models.Model):
    """A donation campaign (募捐活动) collecting into a fund."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("存入资金")
    )
    name = models.CharField(_("名称"), max_length=100)
    purpose = models.TextField(_("用途"), blank=True)
    goal = money_field(_("目标金额"), null=True, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("募捐活动")
        verbose_name_plural = _("募捐活动")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="assistance_campaign_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EntryKind(models.TextChoices):
    ALLOCATION = "allocation", _("拨款")
    DONATION = "donation", _("捐款")
    TRANSFER_IN = "transfer_in", _("调入")
    TRANSFER_OUT = "transfer_out", _("调出")
    PREMIUM = "premium", _("互助会费")
    PAYMENT = "payment", _("支出")
    REVERSAL = "reversal", _("冲正")


INCOME_KINDS = (EntryKind.ALLOCATION, EntryKind.DONATION, EntryKind.TRANSFER_IN, EntryKind.PREMIUM)


class FundEntry(models.Model):
    """One movement of money: positive in, negative out, with the balance after it.

    Entries are never changed or deleted. A wrong one is undone by a `reversal` entry pointing at it
    (`reverses`), which may exist once per entry.
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类型"), max_length=14, choices=EntryKind.choices)
    amount = money_field(_("金额"))
    balance_after = money_field(_("余额"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    donor = models.CharField(_("捐款人/单位"), max_length=100, blank=True)
    donor_anonymous = models.BooleanField(_("匿名捐款"), default=False)
    campaign = models.ForeignKey(
        Campaign,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("募捐活动"),
    )
    application = models.ForeignKey(
        "Application", null=True, blank=True, on_delete=models.PROTECT, related_name="fund_entries"
    )
    claim = models.ForeignKey(
        "Claim", null=True, blank=True, on_delete=models.PROTECT, related_name="fund_entries"
    )
    counterpart = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The other leg of a transfer.",
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reference = models.CharField(_("凭证号/银行流水号"), max_length=60, blank=True)
    note = models.CharField(_("摘要"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("资金流水")
        verbose_name_plural = _("资金流水")
        ordering = ["fund_id", "-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="assistance_entry_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="assistance_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in EntryKind]), name="assistance_entry_kind_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=[k.value for k in INCOME_KINDS], amount__gt=0)
                    | Q(kind__in=["transfer_out", "payment"], amount__lt=0)
                    | Q(kind="reversal")
                ),
                name="assistance_entry_sign_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["fund", "-at", "-id"], name="assistance_entry_fund_at"),
            # The ledger pages in posting order (id) within one fund.
            models.Index(fields=["fund", "-id"], name="assistance_entry_fund_id"),
        ]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.kind} {self.amount}"


# --- programmes and applications -------------------------------------------------------------------


class ProgrammeKind(models.TextChoices):
    FESTIVAL_VISIT = "festival_visit", _("两节送温暖")
    ROUTINE_VISIT = "routine_visit", _("日常走访慰问")
    SERIOUS_ILLNESS = "serious_illness", _("大病救助")
    SCHOOL_AID = "school_aid", _("金秋助学")
    EMERGENCY = "emergency", _("应急救助")
    IN_KIND = "in_kind", _("十送(实物)")


class Period(models.TextChoices):
    YEAR = "year", _("每年")
    HALF_YEAR = "half_year", _("每半年")
    QUARTER = "quarter", _("每季度")
    MONTH = "month", _("每月")


class Programme(models.Model):
    """An aid programme a union runs, with its rules: who is eligible, how much, how often, caps.

    `standard_amount` is the usual grant; for school aid `amounts_by_school_level` maps a school
    level to its amount. `once_per_period`: a household receives it at most once per `period`.
    Caps are per calendar year. Above `approval_threshold` the approval moves to the next level up.
    """

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="aid_programmes", verbose_name=_("主办单位")
    )
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=ProgrammeKind.choices)
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("支出资金")
    )
    description = models.TextField(_("说明"), blank=True)
    requires_file = models.BooleanField(_("须为在档困难职工"), default=True)
    eligible_levels = models.JSONField(_("可享受的困难类别"), default=list, blank=True)
    standard_amount = money_field(_("标准金额"), null=True, blank=True)
    amounts_by_school_level = models.JSONField(_("按学段的金额"), default=dict, blank=True)
    min_amount = money_field(_("最低金额"), null=True, blank=True)
    max_amount = money_field(_("最高金额"), null=True, blank=True)
    cap_per_person_year = money_field(_("每人每年上限"), null=True, blank=True)
    cap_per_household_year = money_field(_("每户每年上限"), null=True, blank=True)
    period = models.CharField(_("周期"), max_length=10, choices=Period.choices, default=Period.YEAR)
    once_per_period = models.BooleanField(_("每户每周期限一次"), default=True)
    approval_threshold = money_field(_("超过此金额须上级审批"), null=True, blank=True)
    payer_must_differ = models.BooleanField(_("发放人须不同于审批人"), default=True)
    follow_up_days = models.PositiveSmallIntegerField(_("发放后回访期限(天)"), default=30)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("帮扶项目")
        verbose_name_plural = _("帮扶项目")
        ordering = ["unit_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="assistance_programme_code_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in ProgrammeKind]), name="assistance_programme_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(period__in=[c.value for c in Period]), name="assistance_programme_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已批准")
    PAID = "paid", _("已发放")
    REVERSED = "reversed", _("已冲正")
    VOIDED = "voided", _("已作废")


APPLICATION_TRANSITIONS = {
    ApplicationStatus.PENDING: {
        ApplicationStatus.APPROVED,
        ApplicationStatus.RETURNED,
        ApplicationStatus.VOIDED,
    },
    ApplicationStatus.RETURNED: {ApplicationStatus.PENDING, ApplicationStatus.VOIDED},
    ApplicationStatus.APPROVED: {ApplicationStatus.PAID, ApplicationStatus.RETURNED},
    ApplicationStatus.PAID: {ApplicationStatus.REVERSED},
    ApplicationStatus.REVERSED: set(),
    ApplicationStatus.VOIDED: set(),
}
"""Allowed status changes; each is one service in the `services/applications/` package."""

COUNTING_STATUSES = (
    ApplicationStatus.PENDING,
    ApplicationStatus.RETURNED,
    ApplicationStatus.APPROVED,
    ApplicationStatus.PAID,
)
"""Statuses that count against caps and the once-per-period rule."""


class Application(models.Model):
    """One grant of aid to one beneficiary under a programme (帮扶申请 / 发放记录).

    `fund` is the fund the approval reserved on (None until approved, and again after a return):
    payment, return and reversal use it, not the programme's fund of that later moment, so a
    programme moved to another fund keeps paying its earlier approvals from where they were promised.
    `household_key` is "f<file id>" for a hardship household, else "m<member id>". `once_key`
    (programme, household, period) is set while the application counts and the programme allows
    one per period; its unique constraint makes a second grant impossible even under concurrency.
    """

    number = models.CharField(_("编号"), max_length=20, unique=True)
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="applications", verbose_name=_("帮扶项目")
    )
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="aid_applications", verbose_name=_("所在单位")
    )
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="aid_applications",
        verbose_name=_("受助职工"),
    )
    file = models.ForeignKey(
        HardshipFile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("困难档案"),
    )
    fund = models.ForeignKey(
        Fund,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("支出资金"),
        editable=False,
    )
    household_key = models.CharField(max_length=24, editable=False)
    period_key = models.CharField(_("周期"), max_length=10, editable=False)
    once_key = models.CharField(max_length=80, null=True, blank=True, unique=True, editable=False)
    amount = money_field(_("金额(元)"))
    goods = models.CharField(_("实物内容"), max_length=200, blank=True)
    school_level = models.CharField(
        _("学段"), max_length=12, choices=SchoolLevel.choices, blank=True, default=""
    )
    reason = models.TextField(_("事由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    approval_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("审批单位")
    )
    appeal = models.ForeignKey(
        "appeals.Appeal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aid_applications",
        verbose_name=_("来源诉求"),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True, db_index=True)
    paid_on = models.DateField(_("发放日期"), null=True, blank=True)
    payment_reference = models.CharField(_("凭证号/银行流水号"), max_length=60, blank=True)
    follow_up_due = models.DateField(_("回访期限"), null=True, blank=True)
    followed_up_on = models.DateField(_("回访日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("帮扶申请")
        verbose_name_plural = _("帮扶申请")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="assistance_application_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ApplicationStatus]),
                name="assistance_application_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("recorded_by")),
                name="assistance_application_recorder_not_approver",
            ),
        ]
        indexes = [
            # Covering (PostgreSQL): the aid statistics read the paid rows of a period from the
            # index alone (see selectors/reports.py); on SQLite the included columns are ignored.
            models.Index(
                fields=["status", "paid_on"],
                include=["unit", "programme", "file", "member", "amount"],
                name="assistance_app_paid_cover",
            ),
            models.Index(fields=["unit", "status"], name="assistance_app_unit_status"),
            models.Index(fields=["household_key", "status"], name="assistance_app_household"),
            models.Index(fields=["member", "status"], name="assistance_app_member"),
            models.Index(fields=["follow_up_due"], name="assistance_app_follow_up"),
        ]

    def __str__(self) -> str:
        return self.number


class ApplicationEvent(models.Model):
    """One step on an application: recorded, resubmitted, approved, returned, paid, reversed, voided."""

    class Action(models.TextChoices):
        RECORDED = "recorded", _("登记")
        RESUBMITTED = "resubmitted", _("重新提交")
        APPROVED = "approved", _("批准")
        RETURNED = "returned", _("退回")
        PAID = "paid", _("发放")
        REVERSED = "reversed", _("冲正")
        VOIDED = "voided", _("作废")
        FOLLOWED_UP = "followed_up", _("回访")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=14, choices=Action.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"


# --- mutual aid ------------------------------------------------------------------------------------


class MutualAidPlan(models.Model):
    """A mutual-aid protection plan (职工互助保障) for one period, paying from its own fund.

    Benefit of a claim = min(cap_per_claim, (eligible − deductible) × rate), and a member's benefits
    in the plan never exceed `cap_per_member`.
    """

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("主办单位")
    )
    name = models.CharField(_("名称"), max_length=100)
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="plans", verbose_name=_("互助基金"))
    starts_on = models.DateField(_("保障期开始"))
    ends_on = models.DateField(_("保障期结束"))
    premium = money_field(_("每人会费(元)"))
    deductible = money_field(_("起付线(元)"), default=ZERO)
    rate = models.DecimalField(_("赔付比例"), max_digits=4, decimal_places=3)
    cap_per_claim = money_field(_("单次赔付上限"), null=True, blank=True)
    cap_per_member = money_field(_("每人保障期内上限"), null=True, blank=True)
    is_open = models.BooleanField(_("接受参保"), default=True)
    approval_threshold = money_field(_("超过此金额须上级审批"), null=True, blank=True)

    class Meta:
        verbose_name = _("互助保障计划")
        verbose_name_plural = _("互助保障计划")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="assistance_plan_dates"),
            models.CheckConstraint(
                condition=Q(rate__gt=0) & Q(rate__lte=1), name="assistance_plan_rate_range"
            ),
            models.CheckConstraint(condition=Q(premium__gte=0), name="assistance_plan_premium_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    plan = models.ForeignKey(MutualAidPlan, on_delete=models.PROTECT, related_name="enrolments")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("职工")
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    premium = money_field(_("会费"))
    enrolled_on = models.DateField(_("参保日期"), default=timezone.localdate)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    premium_entry = models.ForeignKey(
        FundEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolments"
    )

    class Meta:
        verbose_name = _("参保")
        verbose_name_plural = _("参保")
        ordering = ["plan_id", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "member"], name="assistance_enrolment_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.member_id}"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已核准")
    PAID = "paid", _("已赔付")
    REJECTED = "rejected", _("不予赔付")
    REVERSED = "reversed", _("已冲正")


CLAIM_TRANSITIONS = {
    ClaimStatus.PENDING: {ClaimStatus.APPROVED, ClaimStatus.RETURNED, ClaimStatus.REJECTED},
    ClaimStatus.RETURNED: {ClaimStatus.PENDING, ClaimStatus.REJECTED},
    ClaimStatus.APPROVED: {ClaimStatus.PAID, ClaimStatus.RETURNED},
    ClaimStatus.PAID: {ClaimStatus.REVERSED},
    ClaimStatus.REJECTED: set(),
    ClaimStatus.REVERSED: set(),
}


class Claim(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    plan = models.ForeignKey(MutualAidPlan, on_delete=models.PROTECT, related_name="claims")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="claims")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    illness = models.CharField(_("病种/事由"), max_length=100)
    hospital = models.CharField(_("医院"), max_length=100, blank=True)
    admitted_on = models.DateField(_("就诊/入院日期"))
    discharged_on = models.DateField(_("出院日期"), null=True, blank=True)
    invoice_total = money_field(_("票据总额"), default=ZERO)
    eligible_total = money_field(_("可报销金额"), default=ZERO)
    benefit = money_field(_("赔付金额"), default=ZERO)
    status = models.CharField(
        _("状态"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    approval_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(_("凭证号/银行流水号"), max_length=60, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("互助理赔")
        verbose_name_plural = _("互助理赔")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ClaimStatus]), name="assistance_claim_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(benefit__gte=0) & Q(eligible_total__lte=F("invoice_total")),
                name="assistance_claim_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("recorded_by")),
                name="assistance_claim_recorder_not_approver",
            ),
        ]
        indexes = [models.Index(fields=["plan", "status"], name="assistance_claim_plan_status")]

    def __str__(self) -> str:
        return self.number


class ClaimInvoice(models.Model):
    """A medical invoice on a claim; `active_key` stops one invoice being claimed twice."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="invoices")
    invoice_no = models.CharField(_("票据号"), max_length=40)
    issued_on = models.DateField(_("开票日期"))
    total = money_field(_("票据金额"))
    eligible = money_field(_("其中可报销"))
    active_key = models.CharField(max_length=60, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("医疗票据")
        verbose_name_plural = _("医疗票据")
        ordering = ["claim_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gt=0) & Q(eligible__gte=0) & Q(eligible__lte=F("total")),
                name="assistance_invoice_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.invoice_no


class ClaimEvent(models.Model):
    class Action(models.TextChoices):
        RECORDED = "recorded", _("登记")
        RESUBMITTED = "resubmitted", _("重新提交")
        APPROVED = "approved", _("核准")
        RETURNED = "returned", _("退回")
        REJECTED = "rejected", _("不予赔付")
        PAID = "paid", _("赔付")
        REVERSED = "reversed", _("冲正")

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=14, choices=Action.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action}"


# --- pairing and visits ----------------------------------------------------------------------------


class Pairing(models.Model):
    """A leader paired with a hardship household (结对帮扶), to visit at least `visits_per_year` times."""

    file = models.ForeignKey(HardshipFile, on_delete=models.PROTECT, related_name="pairings")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="aid_pairings",
        verbose_name=_("结对领导"),
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    visits_per_year = models.PositiveSmallIntegerField(_("每年至少走访次数"), default=4)
    started_on = models.DateField(_("结对日期"), default=timezone.localdate)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "leader"],
                condition=Q(ended_on__isnull=True),
                name="assistance_pairing_one_active",
                violation_error_message=_("这位领导已与该户结对。"),
            ),
            models.CheckConstraint(condition=Q(visits_per_year__gte=1), name="assistance_pairing_frequency"),
        ]

    def __str__(self) -> str:
        return f"{self.leader} · {self.file}"


class Effect(models.TextChoices):
    IMPROVED = "improved", _("明显改善")
    SOMEWHAT = "somewhat", _("有所改善")
    UNCHANGED = "unchanged", _("没有变化")
    WORSE = "worse", _("更加困难")


class Visit(models.Model):
    """A visit to a hardship household: a pairing visit, or the follow-up (跟踪问效) after aid."""

    class Kind(models.TextChoices):
        PAIRING = "pairing", _("结对走访")
        FOLLOW_UP = "follow_up", _("跟踪回访")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    file = models.ForeignKey(
        HardshipFile, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    pairing = models.ForeignKey(
        Pairing, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("走访日期"))
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    aid_arrived = models.BooleanField(_("帮扶已到位"), null=True, blank=True)
    effect = models.CharField(_("帮扶效果"), max_length=10, choices=Effect.choices, blank=True)
    notes = models.TextField(_("走访情况"))
    needs = models.TextField(_("新的困难和需求"), blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("走访回访")
        verbose_name_plural = _("走访回访")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="pairing", pairing__isnull=False)
                | Q(kind="follow_up", application__isnull=False, aid_arrived__isnull=False),
                name="assistance_visit_kind_links",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_on}"
