"""The appeals API's input and output shapes.

Who raised an appeal: outputs carry `submitter` (the model's `submitter_display`: 匿名 for an
anonymous appeal) and, for a named appeal only, `member_id` and `contact_phone`, shown only to a
caller who holds appeals.view over the appeal. An anonymous appeal stores no identity, and no schema
here has a field that could carry one.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from lianxin.core.capabilities import APPEALS_VIEW
from lianxin.core.permissions import has_unit_permission

from .models import Channel, Flag, Kind, Score, State
from .selectors import Bucket

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)

AppealAction = Literal[
    "accept",
    "request_info",
    "deliberate",
    "start",
    "assign",
    "refer",
    "extend",
    "answer",
    "merge",
    "reject",
    "remind",
    "supervise",
    "confirm_flags",
]
BucketName = Literal[Bucket.ALL]  # type: ignore[valid-type]


def _may_see_contact(obj, context) -> bool:
    if obj.is_anonymous:
        return False
    request = (context or {}).get("request")
    user = getattr(request, "user", None)
    return bool(user) and has_unit_permission(user, obj.origin_unit, APPEALS_VIEW)


class CategoryOut(Schema):
    code: str
    name: str


class AppealListOut(Schema):
    id: int
    number: str
    title: str
    channel: Channel
    kind: Kind
    category: CategoryOut
    flags: list[Flag]
    flags_confirmed: bool
    state: State
    state_label: str = Field(alias="get_state_display")
    origin_unit_id: int
    origin_unit_name: str = Field(alias="origin_unit.name")
    handling_unit_id: int
    handling_unit_name: str = Field(alias="handling_unit.name")
    assignee_name: str | None = None
    is_anonymous: bool
    submitter: str = Field(alias="submitter_display", description="诉求人;匿名诉求为“匿名”")
    member_id: int | None = Field(None, description="会员;匿名诉求或无权查看时为空")
    contact_phone: str | None = Field(None, description="联系电话;匿名诉求或无权查看时为空")
    confidential: bool
    received_at: dt.datetime
    accept_due: dt.datetime
    answer_due: dt.datetime
    overdue: bool
    waiting_for_worker: bool = Field(alias="is_paused")
    reopen_count: int
    version: int = Field(description="乐观锁版本号;操作时作为 expected_version 传回")

    @staticmethod
    def resolve_assignee_name(obj) -> str | None:
        return obj.assignee.display_name if obj.assignee_id else None

    @staticmethod
    def resolve_member_id(obj, context) -> int | None:
        return obj.member_id if _may_see_contact(obj, context) else None

    @staticmethod
    def resolve_contact_phone(obj, context) -> str | None:
        return (obj.contact_phone or None) if _may_see_contact(obj, context) else None


class AppealOut(AppealListOut):
    text: str
    publish_consent: bool
    accepted_at: dt.datetime | None
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    extended: bool
    escalation_level: int
    escalated_unit_name: str | None = None
    merged_into_id: int | None
    merged_into_number: str | None = None
    answer: str
    reject_reason: str

    @staticmethod
    def resolve_escalated_unit_name(obj) -> str | None:
        return obj.escalated_unit.name if obj.escalated_unit_id else None

    @staticmethod
    def resolve_merged_into_number(obj) -> str | None:
        return obj.merged_into.number if obj.merged_into_id else None


class SimilarOut(Schema):
    id: int | None = Field(description="可查看时为诉求 id;不在查看范围内时为空,只给出编号、标题和状态")
    number: str
    title: str
    state: State
    similarity: float


class CheckIn(Schema):
    origin_unit: int = Field(ge=1, description="发生单位 id")
    text: str = Field(min_length=1, max_length=5000)


class PublicAnswerBriefOut(Schema):
    id: int
    category: str = Field(description="类别代码")
    question: str
    answer: str

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.code


class CheckOut(Schema):
    """What the phone shows while the worker types, before anything is submitted."""

    ready: bool = Field(description="false:文字太短(少于 5 个字),其余为空")
    category: str | None = Field(None, description="建议的类别代码")
    category_name: str | None = None
    flags: list[Flag] = Field([], description="规则在文字里发现的标记(提交后由处理人确认)")
    similar: list[SimilarOut] = Field([], description="同一公司里未办结的近似诉求")
    answers: list[PublicAnswerBriefOut] = Field([], description="员工有问有答里相近的公开答复")


class AppealCreatedOut(AppealOut):
    track_code: str | None = Field(
        None,
        description="查询码:只在这次回答中出现(匿名或代登记时才发);同一 Idempotency-Key 的重试在 24 小时内也会带回",
    )
    similar: list[SimilarOut] = []
    replayed: bool = Field(
        False, description="true:这是同一 Idempotency-Key 的重试,回答的是第一次请求建立的诉求"
    )


class AppealIn(Schema):
    origin_unit: int = Field(ge=1, description="发生单位 id")
    text: str = Field(min_length=1, max_length=5000)
    channel: Channel = Channel.WEB
    kind: Kind = Kind.CONSULTATION
    category: str | None = Field(None, min_length=1, max_length=40, description="类别代码;不填则自动建议")
    anonymous: bool = False
    member: int | None = Field(None, ge=1, description="诉求人(会员 id);仅代登记时可填")
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)
    received_at: dt.datetime | None = Field(None, description="收到时间;不填为现在")
    title: str = Field("", max_length=80)
    confidential: bool = False
    publish_consent: bool = False
    flags: list[Flag] | None = Field(None, max_length=4, description="代登记人确认的标记")


class AppealFiltersIn(Schema):
    state: State | None = None
    unit: int | None = Field(None, ge=1, description="发生单位及其下级")
    category: str = Field("", max_length=40, description="类别代码")
    q: str = Field("", max_length=100, description="全文检索(繁简皆可)")
    overdue: bool | None = None
    kind: Kind | None = None
    channel: Channel | None = None
    flag: Flag | None = None
    bucket: BucketName | None = Field(None, description="工作台分栏:只列出本人承办范围内的")
    date_from: dt.date | None = Field(None, alias="from", ge=EARLIEST, le=LATEST, description="收到日期起")
    date_to: dt.date | None = Field(None, alias="to", ge=EARLIEST, le=LATEST, description="收到日期止(含)")


class EventOut(Schema):
    id: int
    action: str
    action_label: str = Field(alias="get_action_display")
    from_state: str
    to_state: str
    at: dt.datetime
    actor_name: str | None = None
    unit_name: str = Field(alias="unit.name")
    note: str
    visible_to_worker: bool
    on_time: bool | None
    score: str
    data: dict

    @staticmethod
    def resolve_actor_name(obj) -> str | None:
        return obj.actor.display_name if obj.actor_id else None


class ActionIn(Schema):
    note: str = Field("", max_length=5000, description="说明、理由、请补充的问题或督办要求")
    answer: str = Field("", max_length=5000, description="答复内容(answer)")
    department: int | None = Field(None, ge=1, description="承办部门 id(refer)")
    assignee: int | None = Field(None, ge=1, description="经办人用户 id(assign、start)")
    into: int | None = Field(None, ge=1, description="并入的诉求 id(merge)")
    flags: list[Flag] | None = Field(None, max_length=4, description="确认后的标记(confirm_flags)")
    category: str | None = Field(None, min_length=1, max_length=40, description="更正类别代码(confirm_flags)")
    expected_version: int | None = Field(None, ge=1, description="读到的版本号;已被他人更新则答 409")


class StatsFiltersIn(Schema):
    unit: int | None = Field(None, ge=1, description="单位及其下级;默认为本人查看范围的最上层单位")
    date_from: dt.date | None = Field(
        None, alias="from", ge=EARLIEST, le=LATEST, description="默认今年 1 月 1 日"
    )
    date_to: dt.date | None = Field(None, alias="to", ge=EARLIEST, le=LATEST, description="默认今天")


class StatsOut(Schema):
    unit_id: int
    unit_name: str
    date_from: dt.date
    date_to: dt.date
    received: int
    open: int
    overdue_open: int
    responded: int
    responded_on_time: int
    response_due: int
    answered: int
    answered_on_time: int
    answer_due: int
    rated: int
    satisfied: int
    basic: int
    dissatisfied: int
    response_rate: float | None = Field(description="及时受理率(%)")
    resolution_rate: float | None = Field(description="按时办结率(%)")
    satisfaction_rate: float | None = Field(description="满意率(%),含基本满意")


class TrackEventOut(Schema):
    action: str
    action_label: str
    at: dt.datetime
    note: str
    actor_name: str | None = Field(None, description="办理人;职工本人的操作不显示姓名")


class TrackOut(Schema):
    number: str
    title: str
    text: str
    state: State
    state_label: str
    category: str
    handling_unit_name: str
    received_at: dt.datetime
    accept_due: dt.datetime
    answer_due: dt.datetime
    waiting_for_worker: bool
    answer: str
    reject_reason: str
    merged_into_number: str | None
    rating_window_end: dt.datetime | None
    can_rate: bool
    can_supplement: bool
    can_withdraw: bool
    events: list[TrackEventOut]


class RateIn(Schema):
    score: Score
    comment: str = Field("", max_length=1000)


class SupplementIn(Schema):
    text: str = Field(min_length=1, max_length=5000)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=500)
