"""Worker appeals (职工诉求): what a worker raises, and every step taken on it.

Glossary: appeal = 诉求, channel = 渠道, kind = 性质, category = 类别, flag = 标记,
deliberation meeting = 集中议事会, referral = 转办, department = 承办部门, rating = 评价,
reminder = 催办, supervision order = 督办, ledger = 台账, follow-up code = 查询码.

States follow the six steps (DESIGN.md): submitted → accepted → deliberating → in_progress →
answered → closed, with merged, withdrawn and rejected as other ends. Every change of state is one
service in `services.py` that writes an `AppealEvent` in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WEB = "web", _("网上/手机")
    HOTLINE = "hotline", _("维权热线")
    CHAIRMAN_MAILBOX = "chairman_mailbox", _("工会主席信箱")
    MANAGER_MAILBOX = "manager_mailbox", _("总经理信箱")
    LIAISON = "liaison", _("联络员收集")
    VISIT = "visit", _("干部走访问事")
    DIALOGUE = "dialogue", _("民主对话会")
    PETITION = "petition", _("信访代理")
    QA_BOARD = "qa_board", _("员工有问有答")


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("咨询")
    COMPLAINT = "complaint", _("投诉")
    HELP_REQUEST = "help_request", _("求助")
    SUGGESTION = "suggestion", _("建议")
    MEDIATION = "mediation", _("调解")
    LEGAL_AID = "legal_aid", _("法律援助")
    COUNSELLING = "counselling", _("心理疏导")


class State(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    DELIBERATING = "deliberating", _("集中议事")
    IN_PROGRESS = "in_progress", _("办理中")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")
    WITHDRAWN = "withdrawn", _("已撤回")
    REJECTED = "rejected", _("不予受理")


OPEN_STATES = (State.SUBMITTED, State.ACCEPTED, State.DELIBERATING, State.IN_PROGRESS)
"""States in which the union still owes the worker an answer."""

ENDED_STATES = (State.CLOSED, State.MERGED, State.WITHDRAWN, State.REJECTED)


class Flag(models.TextChoices):
    COLLECTIVE = "collective", _("群体性")
    SAFETY_URGENT = "safety_urgent", _("安全紧急")
    DISTRESS = "distress", _("心理危机")
    ARREARS = "arrears", _("欠薪")


URGENT_FLAGS = (Flag.SAFETY_URGENT, Flag.DISTRESS)


class Score(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Category(models.Model):
    """An appeal category, shipped as data; offices may add their own."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    covers = models.CharField(_("范围"), max_length=200, blank=True)
    keywords = models.TextField(_("关键词"), blank=True, help_text=_("用空格或换行分隔,用于自动建议类别"))
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        return [word for word in self.keywords.split() if word]


class DeadlineRule(models.Model):
    """Time limits for a category, a kind or a flag; the most specific rule applies.

    An empty category, kind and flag make the default rule. A rule with `accept_hours` counts clock
    hours on any day (urgent cases); otherwise limits are working days by the Chinese calendar.
    """

    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_rules",
        verbose_name=_("类别"),
    )
    kind = models.CharField(_("性质"), max_length=20, choices=Kind.choices, blank=True)
    flag = models.CharField(_("标记"), max_length=20, choices=Flag.choices, blank=True)
    accept_working_days = models.PositiveSmallIntegerField(_("受理时限(工作日)"), default=1)
    accept_hours = models.PositiveSmallIntegerField(_("受理时限(小时,不分工作日)"), null=True, blank=True)
    answer_working_days = models.PositiveSmallIntegerField(_("答复时限(工作日)"), default=5)
    extended_working_days = models.PositiveSmallIntegerField(_("延期后答复时限(工作日)"), default=15)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        constraints = [
            # One rule per (category or none, kind, flag); Coalesce so that "no category" counts
            # as a value on SQLite too (it has no NULLS NOT DISTINCT).
            models.UniqueConstraint(
                Coalesce("category", models.Value(0)),
                "kind",
                "flag",
                name="appeals_deadlinerule_one_per_key",
                violation_error_message=_("同一类别、性质和标记只能有一条时限规则。"),
            ),
            models.CheckConstraint(
                condition=Q(extended_working_days__gte=models.F("answer_working_days")),
                name="appeals_deadlinerule_extension_longer",
            ),
        ]

    def __str__(self) -> str:
        parts = [str(self.category or ""), self.get_kind_display(), self.get_flag_display()]
        return " / ".join(part for part in parts if part) or str(_("默认"))


class Department(models.Model):
    """A department that handles referred appeals (HR, safety, logistics…), with its handlers."""

    class Kind(models.TextChoices):
        HR = "hr", _("人力资源")
        SAFETY = "safety", _("安全环保")
        LOGISTICS = "logistics", _("后勤保障")
        FINANCE = "finance", _("财务")
        PRODUCTION = "production", _("生产运行")
        LEGAL = "legal", _("法律事务")
        OTHER = "other", _("其他")

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="departments", verbose_name=_("所属单位")
    )
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="appeal_departments", verbose_name=_("经办人")
    )
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("承办部门")
        verbose_name_plural = _("承办部门")
        ordering = ["unit_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="appeals_department_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class CareContact(models.Model):
    """The named care person of a unit, told at once of an appeal showing signs of distress."""

    unit = models.OneToOneField(
        "org.Unit", on_delete=models.PROTECT, related_name="care_contact", verbose_name=_("单位")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("关爱联系人")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("关爱联系人")
        verbose_name_plural = _("关爱联系人")

    def __str__(self) -> str:
        return f"{self.unit} · {self.user}"


class YearCounter(models.Model):
    """The last appeal number issued in a year (SS-2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Appeal(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    kind = models.CharField(_("性质"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("类别")
    )
    title = models.CharField(_("标题"), max_length=80)
    text = models.TextField(_("诉求内容"))
    text_normalized = models.TextField(
        editable=False, help_text="Simplified, whitespace collapsed: for rules and analysis."
    )
    search_tokens = models.TextField(
        editable=False, blank=True, help_text="jieba tokens of the normalized text, space-separated."
    )

    flag_collective = models.BooleanField(_("群体性"), default=False)
    flag_safety_urgent = models.BooleanField(_("安全紧急"), default=False)
    flag_distress = models.BooleanField(_("心理危机"), default=False)
    flag_arrears = models.BooleanField(_("欠薪"), default=False)
    flags_confirmed = models.BooleanField(_("标记已确认"), default=False)

    origin_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="appeals_raised", verbose_name=_("发生单位")
    )
    handling_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="appeals_handled", verbose_name=_("承办单位")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_assigned",
        verbose_name=_("经办人"),
    )

    is_anonymous = models.BooleanField(_("匿名"), default=False)
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("诉求人"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_submitted",
        help_text="The worker's own login for a named appeal raised by the worker; empty when anonymous.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_recorded",
        help_text="The operator, liaison or cadre who recorded it on the worker's behalf.",
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    track_digest = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    confidential = models.BooleanField(_("保密"), default=False)
    publish_consent = models.BooleanField(_("同意匿名公开答复"), default=False)

    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised on every change; a stale version is a 409."
    )
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    accept_due = models.DateTimeField(_("受理期限"))
    answer_due = models.DateTimeField(_("答复期限"))
    extended = models.BooleanField(_("已延期"), default=False)
    paused_at = models.DateTimeField(_("等待职工补充自"), null=True, blank=True)
    overdue = models.BooleanField(_("已超期"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("升级层数"), default=0)
    escalated_unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("已升级至"),
    )
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_appeals",
        verbose_name=_("并入"),
    )
    answer = models.TextField(_("答复内容"), blank=True)
    reject_reason = models.TextField(_("不予受理理由"), blank=True)

    class Meta:
        verbose_name = _("职工诉求")
        verbose_name_plural = _("职工诉求")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in State]), name="appeals_appeal_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[choice.value for choice in Channel]),
                name="appeals_appeal_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[choice.value for choice in Kind]), name="appeals_appeal_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(is_anonymous=False) | Q(member__isnull=True, submitted_by__isnull=True),
                name="appeals_appeal_anonymous_has_no_identity",
            ),
        ]
        indexes = [
            models.Index(fields=["handling_unit", "state", "answer_due"], name="appeals_worklist"),
            models.Index(fields=["origin_unit", "received_at"], name="appeals_origin_received"),
            models.Index(fields=["state", "answer_due"], name="appeals_state_due"),
            models.Index(fields=["received_at"], name="appeals_received"),
            # The open appeals (~1%): the rates' live late, open and overdue counts read only this.
            models.Index(
                fields=["received_at"],
                name="appeals_open_received",
                condition=Q(state__in=OPEN_STATES),
                include=[
                    "id",
                    "origin_unit",
                    "state",
                    "accept_due",
                    "answer_due",
                    "paused_at",
                    "reopen_count",
                    "overdue",
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def flags(self) -> list[str]:
        return [flag.value for flag in Flag if getattr(self, f"flag_{flag.value}")]

    def get_flags_display(self) -> list[str]:
        return [str(flag.label) for flag in Flag if getattr(self, f"flag_{flag.value}")]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def submitter_display(self) -> str:
        """What a handler may see of who raised it: nothing at all when anonymous."""
        if self.is_anonymous:
            return str(_("匿名"))
        if self.member_id:
            return self.member.name
        return self.contact_name or str(_("未留名"))


class AppealEvent(models.Model):
    """One step on an appeal: who, when, what, from which state to which, with a note.

    The three rates are counted from these rows: `on_time` is set on the first response
    (accepted, rejected, merged) and on every answer, comparing the moment with the limit then
    in force; `score` is set on ratings.
    """

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("提交")
        ACCEPTED = "accepted", _("受理")
        INFO_REQUESTED = "info_requested", _("请职工补充")
        INFO_PROVIDED = "info_provided", _("职工已补充")
        DELIBERATION = "deliberation", _("提交集中议事")
        DECIDED = "decided", _("议事决定")
        ASSIGNED = "assigned", _("指定经办人")
        STARTED = "started", _("开始办理")
        REFERRED = "referred", _("转办部门")
        REFERRAL_ANSWERED = "referral_answered", _("部门回复")
        EXTENDED = "extended", _("延期")
        ANSWERED = "answered", _("答复职工")
        RATED = "rated", _("职工评价")
        REOPENED = "reopened", _("重新办理")
        CLOSED = "closed", _("办结")
        LAPSED = "lapsed", _("评价期满办结")
        MERGED = "merged", _("合并")
        WITHDRAWN = "withdrawn", _("撤回")
        REJECTED = "rejected", _("不予受理")
        REMINDED = "reminded", _("催办")
        SUPERVISED = "supervised", _("督办")
        OVERDUE = "overdue", _("超期")
        ESCALATED = "escalated", _("逐级上报")
        FLAGS_CONFIRMED = "flags_confirmed", _("确认标记")
        RECATEGORIZED = "recategorized", _("调整类别")
        PUBLISHED = "published", _("公开答复")
        COMMENTED = "commented", _("备注")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=30, choices=Action.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", help_text="The handling unit at that moment."
    )
    note = models.TextField(blank=True)
    visible_to_worker = models.BooleanField(default=True)
    on_time = models.BooleanField(null=True)
    score = models.CharField(max_length=20, choices=Score.choices, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("诉求办理记录")
        verbose_name_plural = _("诉求办理记录")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["appeal", "at"], name="appeals_event_appeal_at"),
            models.Index(fields=["action", "at"], name="appeals_event_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Referral(models.Model):
    """An appeal sent to a department, and the department's answer on the record."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="referrals")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("承办部门")
    )
    note = models.TextField(_("转办说明"), blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(default=timezone.now)
    due = models.DateTimeField(_("部门回复期限"))
    answer = models.TextField(_("部门回复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("转办")
        verbose_name_plural = _("转办")
        ordering = ["referred_at", "id"]
        indexes = [models.Index(fields=["department", "answered_at"], name="appeals_referral_open")]

    def __str__(self) -> str:
        return f"{self.appeal} → {self.department}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class Meeting(models.Model):
    """A deliberation meeting (集中议事) of a unit's committee."""

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="appeal_meetings", verbose_name=_("单位")
    )
    held_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    attendees = models.TextField(_("参会人员"), help_text=_("每行一人,或用顿号分隔"))
    minutes = models.TextField(_("会议纪要"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("集中议事会")
        verbose_name_plural = _("集中议事会")
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit} {self.held_at:%Y-%m-%d}"


class MeetingItem(models.Model):
    """An appeal on a meeting's agenda and what the meeting decided for it."""

    class Decision(models.TextChoices):
        PENDING = "", _("待议")
        SELF = "self", _("工会自办")
        REFER = "refer", _("转部门办理")
        ANSWER = "answer", _("直接答复")
        REJECT = "reject", _("不予受理")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="meeting_items")
    decision = models.CharField(_("决定"), max_length=10, choices=Decision.choices, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("议定意见"), blank=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "appeal"], name="appeals_meetingitem_unique")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.appeal_id} {self.decision}"


class Rating(models.Model):
    """The worker's rating of an answer; one per round (a reopened appeal is rated again)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="ratings")
    round = models.PositiveSmallIntegerField(default=1)
    score = models.CharField(_("评价"), max_length=20, choices=Score.choices)
    comment = models.TextField(_("意见"), blank=True)
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "round"], name="appeals_rating_one_per_round"),
            models.CheckConstraint(
                condition=Q(score__in=[choice.value for choice in Score]), name="appeals_rating_score_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} #{self.round} {self.score}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is ours; the worker's file name is kept in `original_name` only.
    return f"appeals/{timezone.now():%Y/%m}/{instance.token}{instance.extension}"


class Attachment(models.Model):
    """A photo or document on an appeal, stored under MEDIA_ROOT (never served directly)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="attachments")
    token = models.CharField(max_length=32, unique=True, editable=False)
    extension = models.CharField(max_length=8, editable=False)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class PublicAnswer(models.Model):
    """An answered consultation published, anonymized, on 员工有问有答 with the worker's consent."""

    appeal = models.OneToOneField(Appeal, on_delete=models.PROTECT, related_name="public_answer")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("类别"))
    question = models.TextField(_("问题"))
    answer = models.TextField(_("答复"))
    search_tokens = models.TextField(editable=False, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("公开答复")
        verbose_name_plural = _("公开答复")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.question[:30]


class DuplicateBand(models.Model):
    """MinHash LSH bands of open appeals: two appeals sharing a band are duplicate candidates.

    Rows exist only while an appeal is open, so the table stays as small as the open caseload.
    """

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+")
    band = models.BigIntegerField()

    class Meta:
        # (band, appeal): the look-up counts the appeals sharing each band from the index alone
        indexes = [models.Index(fields=["band", "appeal"], name="appeals_dupband_band_appeal")]
        constraints = [models.UniqueConstraint(fields=["appeal", "band"], name="appeals_dupband_unique")]

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.band}"


class AppealSignature(models.Model):
    """The MinHash signature of an appeal's text (kept to estimate similarity of candidates)."""

    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, primary_key=True, related_name="+")
    values = models.BinaryField()

    def __str__(self) -> str:
        return str(self.appeal_id)


class AppealDayStats(models.Model):
    """The counts behind the three rates for the appeals received on one day, summed from the events.

    Two kinds of row per (unit, day): `subtree=False` counts the appeals raised at the unit itself,
    `subtree=True` those raised anywhere in its subtree, the unit included, so a unit's figures for
    a period are one index range scan of at most one row a day. A cache, never the record:
    `stats.py` recomputes it from the events (what it counts, and how it stays equal to them).
    """

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="The day the appeals were received (Asia/Shanghai).")
    subtree = models.BooleanField()
    received = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    responded_on_time = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    answered_on_time = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basic = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "subtree", "day"], name="appeals_daystats_unit_day"),
        ]
        indexes = [models.Index(fields=["day"], name="appeals_daystats_day")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {'subtree' if self.subtree else 'own'}"


class AppealDayStatsMark(models.Model):
    """A (unit, day) whose `AppealDayStats` rows may no longer match the events.

    Written with every event the rates count, in that event's transaction (append-only, so writers
    never wait on each other); the sweep recomputes the day's rows and removes the marks, and
    readers count marked days from the events meanwhile.
    """

    id = models.BigAutoField(primary_key=True)
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"


class AppealDayStatsUnit(models.Model):
    """Where a unit stood in the tree when its appeals were summed into the subtree rows.

    A unit moved since (its path differs) leaves those rows summed for the old tree: readers then
    count from the events until the sweep sums them again.
    """

    unit = models.OneToOneField("org.Unit", on_delete=models.CASCADE, primary_key=True, related_name="+")
    path = models.CharField(max_length=255)

    def __str__(self) -> str:
        return f"{self.unit_id} {self.path}"
