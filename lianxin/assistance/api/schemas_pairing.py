"""Shapes of the pairing API (结对帮扶).

Lists carry the household's name masked (王*工); one pairing carries it in full, with the visits,
and reading it is logged as a view of personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Schema
from pydantic import Field

from lianxin.core.text import mask_name

from ..models import Effect
from ..selectors.pairing import required_visits

# --- input ---------------------------------------------------------------------------------------


class PairingFiltersIn(Schema):
    status: Literal["active", "ended", "all"] = Field(
        "active", description="active:结对中(默认);ended:已结束;all:全部"
    )
    mine: bool = Field(False, description="true:只列调用者本人作为结对领导的结对")


class PairingVisitIn(Schema):
    visited_on: dt.date | None = Field(None, description="走访日期,默认今天;不能早于结对日期、晚于今天")
    notes: str = Field(min_length=1, max_length=2000, description="走访情况:见到了谁,家里现在怎么样")
    brought: str = Field("", max_length=200, description="送去了什么(慰问品、慰问金等),记在走访情况末尾")
    needs: str = Field("", max_length=1000, description="新的困难和需求;填写后通知建立结对的工会干部")


# --- output --------------------------------------------------------------------------------------


class PairingListOut(Schema):
    id: int
    file_id: int
    file_number: str = Field(alias="file.number")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    member_name: str = Field(description="困难职工姓名(列表中脱敏)")
    leader_id: int
    leader_name: str = Field(alias="leader.display_name")
    visits_per_year: int = Field(description="每年至少走访次数")
    started_on: dt.date
    ended_on: dt.date | None
    visits_done: int = Field(description="近 12 个月的走访次数")
    visits_required: int = Field(description="到今天近 12 个月应走访的次数(结对不满一年的按天数折算)")
    last_visit: dt.date | None = Field(description="最近一次走访日期")
    is_behind: bool = Field(description="走访不足:结对中且走访次数少于应走访次数")

    @staticmethod
    def resolve_member_name(obj) -> str:
        return mask_name(obj.file.member.name)

    @staticmethod
    def resolve_visits_required(obj) -> int:
        return required_visits(obj, timezone.localdate())

    @staticmethod
    def resolve_is_behind(obj) -> bool:
        return obj.ended_on is None and obj.visits_done < required_visits(obj, timezone.localdate())


class PairingVisitOut(Schema):
    id: int
    visited_on: dt.date
    visitor_id: int
    visitor_name: str = Field(alias="visitor.display_name")
    notes: str = Field(description="走访情况(含送去了什么)")
    needs: str
    effect: Effect | Literal[""]
    recorded_at: dt.datetime


class PairingOut(PairingListOut):
    member_name: str = Field(description="困难职工姓名")
    end_reason: str
    visits: list[PairingVisitOut] = Field(alias="visit_rows", description="走访记录,最新的在前")

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.file.member.name
