"""Input and output shapes of the programme, application and fund endpoints.

Money is a string with two decimals in every answer ("1000.00", "-250.50"), never a float; amounts
sent in may be a string or a number and are checked by the services (two places at most, above
zero). Lists name the beneficiary masked (王*工); one application's detail names them in full and is
logged as a view of personal data. An anonymous donation never shows its donor.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer, WithJsonSchema

from lianxin.core.text import mask_name

from ..models import ApplicationStatus, EntryKind, FundKind, Level, Period, ProgrammeKind, SchoolLevel

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)

Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["1000.00"]}),
]
"""Yuan as a string with two decimals."""

MoneyIn = Annotated[
    Decimal | str,
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "examples": ["1000.00"]},
    ),
]
"""Yuan sent in: "1000.00" (or a JSON number); checked by the service."""

ApplicationAction = Literal["approve", "return", "void", "resubmit", "pay", "reverse"]
Queue = Literal["to_approve", "to_pay"]


# --- programmes -------------------------------------------------------------------------------------


class ProgrammeOut(Schema):
    id: int
    code: str
    name: str
    kind: ProgrammeKind
    kind_label: str = Field(alias="get_kind_display")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    fund_id: int
    fund_name: str = Field(alias="fund.name")
    description: str
    requires_file: bool
    eligible_levels: list[str]
    standard_amount: Money | None
    amounts_by_school_level: dict[str, str]
    min_amount: Money | None
    max_amount: Money | None
    cap_per_person_year: Money | None
    cap_per_household_year: Money | None
    period: Period
    once_per_period: bool
    approval_threshold: Money | None
    payer_must_differ: bool
    follow_up_days: int
    starts_on: dt.date | None
    ends_on: dt.date | None
    is_active: bool

    @staticmethod
    def resolve_amounts_by_school_level(obj) -> dict[str, str]:
        return {
            level: f"{Decimal(str(amount)):.2f}"
            for level, amount in (obj.amounts_by_school_level or {}).items()
        }


class ProgrammeIn(Schema):
    unit: int = Field(ge=1, description="主办单位 id")
    fund: int = Field(ge=1, description="支出资金 id(主办单位或其上级的资金)")
    code: str = Field(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(min_length=1, max_length=100)
    kind: ProgrammeKind
    description: str = Field("", max_length=2000)
    requires_file: bool = True
    eligible_levels: list[Level] = Field(default_factory=list, max_length=3)
    standard_amount: MoneyIn | None = None
    amounts_by_school_level: dict[SchoolLevel, MoneyIn] = Field(default_factory=dict)
    min_amount: MoneyIn | None = None
    max_amount: MoneyIn | None = None
    cap_per_person_year: MoneyIn | None = None
    cap_per_household_year: MoneyIn | None = None
    period: Period = Period.YEAR
    once_per_period: bool = True
    approval_threshold: MoneyIn | None = None
    payer_must_differ: bool = True
    follow_up_days: int = Field(30, ge=0, le=3650)
    starts_on: dt.date | None = Field(None, ge=EARLIEST, le=LATEST)
    ends_on: dt.date | None = Field(None, ge=EARLIEST, le=LATEST)


class ProgrammeFiltersIn(Schema):
    member: int | None = Field(None, ge=1, description="只列出覆盖这名会员所在单位的项目")
    active: bool = Field(True, description="只列出在用且在执行期内的项目")


# --- applications -----------------------------------------------------------------------------------


class ApplicationEventOut(Schema):
    action: str
    action_label: str = Field(alias="get_action_display")
    from_status: str
    to_status: str
    actor_name: str
    at: dt.datetime
    note: str

    @staticmethod
    def resolve_actor_name(obj) -> str:
        return obj.actor.display_name


class ApplicationListOut(Schema):
    id: int
    number: str
    status: ApplicationStatus
    status_label: str = Field(alias="get_status_display")
    programme_id: int
    programme_name: str = Field(alias="programme.name")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    member_id: int
    member_name: str = Field(description="受助职工;列表中脱敏(王*工)")
    amount: Money
    school_level: str
    approval_unit_id: int
    approval_unit_name: str = Field(alias="approval_unit.name")
    recorded_at: dt.datetime
    recorded_by_name: str
    paid_on: dt.date | None
    version: int = Field(description="乐观锁版本号;操作时作为 version 传回")

    @staticmethod
    def resolve_member_name(obj) -> str:
        return mask_name(obj.member.name)

    @staticmethod
    def resolve_recorded_by_name(obj) -> str:
        return obj.recorded_by.display_name


class ApplicationOut(ApplicationListOut):
    member_name: str = Field(description="受助职工姓名(查看详情留痕)")
    member_no: str = Field(alias="member.member_no")
    reason: str
    goods: str
    file_id: int | None
    appeal_id: int | None
    fund_id: int = Field(description="支出资金 id:审批后为预留、发放所用的资金,审批前为项目的资金")
    approved_by_name: str | None = None
    approved_at: dt.datetime | None
    paid_by_name: str | None = None
    paid_at: dt.datetime | None
    payment_reference: str
    follow_up_due: dt.date | None
    followed_up_on: dt.date | None
    events: list[ApplicationEventOut] = Field(default_factory=list, alias="event_rows")
    replayed: bool = Field(
        False, description="true:同一 Idempotency-Key 的重试,回答的是第一次发放的结果,没有重复发放"
    )

    @staticmethod
    def resolve_fund_id(obj) -> int:
        return obj.fund_id or obj.programme.fund_id

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name

    @staticmethod
    def resolve_approved_by_name(obj) -> str | None:
        return obj.approved_by.display_name if obj.approved_by_id else None

    @staticmethod
    def resolve_paid_by_name(obj) -> str | None:
        return obj.paid_by.display_name if obj.paid_by_id else None


class ApplicationIn(Schema):
    programme: int = Field(ge=1, description="帮扶项目 id")
    member: int = Field(ge=1, description="受助职工(会员 id)")
    reason: str = Field(min_length=1, max_length=2000)
    amount: MoneyIn | None = Field(None, description="不填按项目标准金额(助学按学段)")
    school_level: SchoolLevel | None = Field(None, description="金秋助学必填")
    goods: str = Field("", max_length=200, description="实物内容(十送)")
    file: int | None = Field(None, ge=1, description="困难档案 id;不填则用该职工在档的档案")
    appeal: int | None = Field(None, ge=1, description="来源诉求 id")
    on: dt.date | None = Field(None, ge=EARLIEST, le=LATEST, description="帮扶日期;不填为今天")


class ApplicationFiltersIn(Schema):
    status: ApplicationStatus | None = None
    queue: Queue | None = Field(None, description="to_approve:待我审批(不含本人登记的);to_pay:待我发放")
    programme: int | None = Field(None, ge=1)
    unit: int | None = Field(None, ge=1, description="受助职工所在单位及其下级")
    member: int | None = Field(None, ge=1)
    q: str = Field("", max_length=50, description="受助职工姓名、拼音或申请编号")
    date_from: dt.date | None = Field(None, alias="from", ge=EARLIEST, le=LATEST, description="登记日期起")
    date_to: dt.date | None = Field(None, alias="to", ge=EARLIEST, le=LATEST, description="登记日期止(含)")


class ApplicationActionIn(Schema):
    version: int = Field(ge=1, description="读到的版本号;已被他人处理则答 409")
    note: str = Field("", max_length=2000, description="审批意见、修改说明或发放备注")
    reason: str | None = Field(
        None, max_length=2000, description="退回、作废、冲正的原因(必填);重新提交时为新的事由"
    )
    amount: MoneyIn | None = Field(None, description="重新提交时的新金额")
    reference: str = Field("", max_length=60, description="发放的凭证号或银行流水号(pay 必填)")
    paid_on: dt.date | None = Field(None, ge=EARLIEST, le=LATEST, description="发放日期;不填为今天")


# --- funds ------------------------------------------------------------------------------------------


class FundOut(Schema):
    id: int
    name: str
    kind: FundKind
    kind_label: str = Field(alias="get_kind_display")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    balance: Money
    reserved: Money = Field(description="已批准未发放")
    available: Money = Field(description="可用 = 余额 − 已批未付")
    is_active: bool


class FundEntryOut(Schema):
    id: int
    kind: EntryKind
    kind_label: str = Field(alias="get_kind_display")
    amount: Money = Field(description="收入为正,支出为负")
    balance_after: Money = Field(description="这笔之后的余额")
    at: dt.datetime
    donor: str | None = Field(None, description="捐款人;匿名捐款为空")
    donor_anonymous: bool
    campaign_id: int | None
    application_id: int | None
    application_number: str | None = None
    claim_id: int | None
    reverses_id: int | None = Field(description="冲正的是哪一笔")
    reference: str
    note: str
    entered_by_name: str

    @staticmethod
    def resolve_donor(obj) -> str | None:
        return None if obj.donor_anonymous or not obj.donor else obj.donor

    @staticmethod
    def resolve_application_number(obj) -> str | None:
        return obj.application.number if obj.application_id else None

    @staticmethod
    def resolve_entered_by_name(obj) -> str:
        return obj.entered_by.display_name


class LedgerFiltersIn(Schema):
    kind: EntryKind | None = None
    campaign: int | None = Field(None, ge=1)
    q: str = Field("", max_length=50, description="捐款人、凭证号或摘要")
    date_from: dt.date | None = Field(None, alias="from", ge=EARLIEST, le=LATEST)
    date_to: dt.date | None = Field(None, alias="to", ge=EARLIEST, le=LATEST, description="含当天")


class IncomeIn(Schema):
    kind: Literal["allocation", "donation"]
    amount: MoneyIn
    donor: str = Field("", max_length=100, description="捐款人或单位;捐款必填,除非匿名")
    donor_anonymous: bool = False
    campaign: int | None = Field(None, ge=1, description="募捐活动 id(须存入这项资金)")
    reference: str = Field("", max_length=60)
    note: str = Field("", max_length=200)
    received_on: dt.date | None = Field(None, ge=EARLIEST, le=LATEST, description="入账日期;不填为今天")
