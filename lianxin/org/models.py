"""The organization tree and what hangs on it: union bodies, mass-work rooms and stations, liaisons.

Glossary: unit = 单位/组织, union body = 工会组织, room = 群众工作室, station = 群众工作站,
post = a room or a station (阵地), liaison = 群众工作联络员, six haves = 六有, coverage = 覆盖.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node


class UnitLevel(models.TextChoices):
    GROUP = "group", _("集团")
    SECONDARY = "secondary", _("二级公司")
    UNIT = "unit", _("三级单位")
    SECTION = "section", _("区科/车间")
    TEAM = "team", _("班组")
    OTHER = "other", _("其他")


LEVEL_ORDER = [UnitLevel.GROUP, UnitLevel.SECONDARY, UnitLevel.UNIT, UnitLevel.SECTION, UnitLevel.TEAM]


class Unit(MP_Node):
    """A node of the organization tree; the path gives its subtree as one prefix."""

    steplen = 4
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    node_order_by = []

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    code = models.CharField(_("编码"), max_length=40, unique=True)
    level = models.CharField(_("层级"), max_length=20, choices=UnitLevel.choices)
    is_active = models.BooleanField(_("在用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=[choice.value for choice in UnitLevel]), name="org_unit_level_valid"
            ),
        ]
        indexes = [models.Index(fields=["level", "path"], name="org_unit_level_path")]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class UnionBody(models.Model):
    """The union organization of a unit: its chairman, vice-chairmen and full-time staff."""

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="union_body")
    name = models.CharField(_("工会名称"), max_length=100)
    chairman = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("主席"),
    )
    vice_chairmen = models.ManyToManyField(
        "members.Member", blank=True, related_name="+", verbose_name=_("副主席")
    )
    staff = models.ManyToManyField(
        "members.Member", blank=True, related_name="+", verbose_name=_("专职工作人员")
    )
    member_count = models.PositiveIntegerField(_("会员人数"), default=0)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[vice_chairmen, staff])

    class Meta:
        verbose_name = _("工会组织")
        verbose_name_plural = _("工会组织")

    def __str__(self) -> str:
        return self.name


class PostKind(models.TextChoices):
    ROOM = "room", _("群众工作室")
    STATION = "station", _("群众工作站")


# Where each kind may stand: rooms at company and secondary level, stations at branch level.
POST_LEVELS = {
    PostKind.ROOM: {UnitLevel.GROUP, UnitLevel.SECONDARY},
    PostKind.STATION: {UnitLevel.UNIT, UnitLevel.SECTION},
}


class Post(models.Model):
    """A mass-work room or station (群众工作室 / 群众工作站) attached to a unit."""

    kind = models.CharField(_("类型"), max_length=10, choices=PostKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="posts", verbose_name=_("所在单位"))
    name = models.CharField(_("名称"), max_length=100)
    leader = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("负责人"),
    )
    staff = models.ManyToManyField("members.Member", blank=True, related_name="+", verbose_name=_("工作人员"))
    address = models.CharField(_("场所"), max_length=200, blank=True)
    established_on = models.DateField(_("建立日期"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[staff])

    class Meta:
        verbose_name = _("群众工作阵地")
        verbose_name_plural = _("群众工作阵地")
        ordering = ["unit__path", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["room", "station"]), name="org_post_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class SixHave(models.TextChoices):
    ORGANIZATION = "organization", _("有组织")
    PLACE = "place", _("有场所")
    PUBLICITY = "publicity", _("有宣传")
    RULES = "rules", _("有制度")
    STANDARDS = "standards", _("有标准")
    LEDGER = "ledger", _("有台账")


class PostChecklistItem(models.Model):
    """One of the six haves (六有) met by a post, with its evidence and the date it was checked."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="checklist")
    item = models.CharField(_("项目"), max_length=20, choices=SixHave.choices)
    evidence = models.CharField(_("佐证"), max_length=300)
    checked_on = models.DateField(_("核查日期"), default=timezone.localdate)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("六有核查")
        verbose_name_plural = _("六有核查")
        constraints = [
            models.UniqueConstraint(fields=["post", "item"], name="org_checklist_one_per_item"),
            models.CheckConstraint(
                condition=Q(item__in=[choice.value for choice in SixHave]), name="org_checklist_item_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} · {self.get_item_display()}"


class Liaison(models.Model):
    """A member named as the mass-work liaison of a team; one active liaison per team."""

    team = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="liaisons", verbose_name=_("班组"))
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="liaison_roles", verbose_name=_("联络员")
    )
    appointed_on = models.DateField(_("任命日期"), default=timezone.localdate)
    ended_on = models.DateField(_("卸任日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("联络员")
        verbose_name_plural = _("联络员")
        constraints = [
            models.UniqueConstraint(
                fields=["team"], condition=Q(ended_on__isnull=True), name="org_liaison_one_active_per_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.member}"
