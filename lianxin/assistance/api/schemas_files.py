"""Shapes of the hardship-file API.

Lists carry the member's name masked (王*工); one file carries it in full, with the household,
and reading it is logged as a view of personal data. No schema here carries an ID number.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.urls import reverse
from django.utils import timezone
from ninja import Schema
from pydantic import Field

from lianxin.core.text import mask_name

from ..models import Cause, FileStatus, Health, Level, Relation, SchoolLevel
from ..selectors.files import ReviewDue

ReviewDueName = Literal[ReviewDue.ALL]  # type: ignore[valid-type]


# --- input ---------------------------------------------------------------------------------------


class PersonIn(Schema):
    name: str = Field(min_length=1, max_length=50, description="姓名")
    relation: Relation = Field(description="与职工的关系")
    birth_year: int | None = Field(None, ge=1900, le=2100, description="出生年份")
    occupation: str = Field("", max_length=60, description="职业/状况")
    monthly_income: Decimal = Field(
        Decimal("0"), ge=0, max_digits=9, decimal_places=2, description="月收入(元),没有收入为 0"
    )
    school_level: SchoolLevel = Field(SchoolLevel.NONE, description="在读学段;不在学为空")
    health: Health = Field(Health.HEALTHY, description="健康状况")
    note: str = Field("", max_length=200)


class FileIn(Schema):
    member: int = Field(description="职工(会员 id),须在调用者可建档的范围内")
    causes: list[Cause] = Field(min_length=1, description="致困原因")
    situation: str = Field("", max_length=2000, description="家庭情况")
    address: str = Field("", max_length=200, description="家庭住址")
    persons: list[PersonIn] = Field(min_length=1, max_length=20, description="家庭成员(含职工本人)")
    level: Level | None = Field(None, description="认定类别;不填则按认定规则的建议类别")
    appeal: int | None = Field(None, description="来源诉求(可选)")


class ReviewIn(Schema):
    version: int = Field(description="调用者看到的档案版本;已被他人修改时回答 409")
    note: str = Field("", max_length=1000, description="复核意见")
    reviewed_on: dt.date | None = Field(None, description="复核日期,默认今天")
    causes: list[Cause] | None = Field(None, description="不填则不变")
    situation: str | None = Field(None, max_length=2000)
    address: str | None = Field(None, max_length=200)
    persons: list[PersonIn] | None = Field(None, max_length=20, description="复核时的家庭成员;不填则不变")
    level: Level | Literal[""] | None = Field(None, description="认定类别;不填则不变,空字符串则按建议类别")


class ExitIn(Schema):
    version: int
    reason: str = Field(min_length=1, max_length=200, description="脱困原因")
    exited_on: dt.date | None = Field(None, description="脱困日期,默认今天")


class FileFiltersIn(Schema):
    level: Level | None = None
    status: FileStatus | None = None
    unit: int | None = Field(None, description="单位 id:该单位及下属单位的档案")
    review_due: ReviewDueName | None = Field(
        None, description="due:30 天内到期复核;overdue:复核已逾期;any:两者"
    )
    q: str = Field("", max_length=50, description="档案号、姓名、拼音或会员号")


# --- output --------------------------------------------------------------------------------------


class FileListOut(Schema):
    id: int
    number: str
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    member_id: int
    member_name: str = Field(description="职工姓名(列表中脱敏)")
    level: Level
    level_label: str = Field(alias="get_level_display")
    suggested_level: Level | Literal[""]
    status: FileStatus
    household_size: int
    income_per_head: Decimal = Field(description="月人均收入(元)")
    local_standard: Decimal | None = Field(description="建档或复核时适用的当地低保标准;未设置为空")
    opened_on: dt.date
    next_review_on: dt.date
    review_overdue: bool

    @staticmethod
    def resolve_member_name(obj) -> str:
        return mask_name(obj.member.name)

    @staticmethod
    def resolve_review_overdue(obj) -> bool:
        return obj.status == FileStatus.ACTIVE and obj.next_review_on < timezone.localdate()


class PersonOut(Schema):
    name: str
    relation: Relation
    birth_year: int | None
    occupation: str
    monthly_income: Decimal
    school_level: SchoolLevel
    health: Health
    note: str


class DocumentOut(Schema):
    id: int
    title: str
    original_name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("assistance:file_document", args=[obj.token])


class FileEventOut(Schema):
    action: str
    action_label: str = Field(alias="get_action_display")
    actor_name: str = Field(alias="actor.display_name")
    at: dt.datetime
    note: str
    detail: dict


class FileOut(FileListOut):
    member_name: str = Field(description="职工姓名")
    member_no: str = Field(alias="member.member_no")
    causes: list[Cause]
    situation: str
    address: str
    monthly_income: Decimal = Field(description="家庭月收入合计(元)")
    reviewed_on: dt.date | None
    exited_on: dt.date | None
    exit_reason: str
    version: int
    persons: list[PersonOut] = Field(alias="person_rows")
    documents: list[DocumentOut] = Field(alias="document_rows")
    events: list[FileEventOut] = Field(alias="event_rows")

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name
