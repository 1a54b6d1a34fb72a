"""Input and output shapes of the mutual-aid endpoints.

Money is a string with two decimals ("2400.00"), the rate a string with three ("0.600"). Lists name
the member masked (王*工); one claim's detail names them in full and is logged as a view of personal
data (illness, hospital and invoices are health data).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer, WithJsonSchema

from lianxin.core.text import mask_name

from ..models import ClaimStatus
from .schemas_money import EARLIEST, LATEST, ApplicationEventOut, Money, MoneyIn

Rate = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.3f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^[01]\.\d{3}$", "examples": ["0.600"]}),
]
"""A share between 0 and 1 as a string with three decimals."""

ClaimAction = Literal["approve", "return", "reject", "resubmit", "pay", "reverse"]


# --- plans -------------------------------------------------------------------------------------------


class UnitFiguresOut(Schema):
    unit_id: int
    unit_name: str
    insured: int = Field(description="参保人数")
    claims: int = Field(description="赔付人次(已赔付的理赔)")
    paid: Money = Field(description="赔付金额")


class PlanOut(Schema):
    id: int
    name: str
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    fund_id: int
    fund_name: str = Field(alias="fund.name")
    starts_on: dt.date
    ends_on: dt.date
    premium: Money
    deductible: Money
    rate: Rate
    cap_per_claim: Money | None
    cap_per_member: Money | None
    approval_threshold: Money | None
    is_open: bool
    insured: int = Field(description="参保人数(您范围内)")
    claims_paid: int = Field(description="赔付人次(您范围内)")
    amount_paid: Money = Field(description="赔付金额(您范围内)")


class PlanDetailOut(PlanOut):
    units: list[UnitFiguresOut] = Field(description="按计划主办单位的下一级单位")


# --- claims ------------------------------------------------------------------------------------------


class ClaimFiltersIn(Schema):
    status: ClaimStatus | None = None
    plan: int | None = Field(None, ge=1, description="计划 id")
    q: str = Field("", max_length=50, description="理赔编号、职工姓名或会员号")


class InvoiceIn(Schema):
    invoice_no: str = Field(min_length=1, max_length=40, description="票据号;同一张票据只能报销一次")
    issued_on: dt.date = Field(ge=EARLIEST, le=LATEST, description="开票日期,须在保障期内")
    total: MoneyIn = Field(description="票据金额")
    eligible: MoneyIn = Field(description="其中可报销部分,不超过票据金额")


class ClaimIn(Schema):
    plan: int = Field(ge=1, description="互助保障计划 id")
    member: int = Field(ge=1, description="参保职工(会员 id)")
    illness: str = Field(min_length=1, max_length=100, description="病种/事由")
    hospital: str = Field("", max_length=100)
    admitted_on: dt.date = Field(ge=EARLIEST, le=LATEST, description="就诊/入院日期,须在保障期内")
    discharged_on: dt.date | None = Field(None, ge=EARLIEST, le=LATEST)
    note: str = Field("", max_length=500)
    invoices: list[InvoiceIn] = Field(min_length=1, max_length=50)


class ClaimActionIn(Schema):
    version: int = Field(ge=1, description="读到的版本号;有人先处理过则 409")
    note: str = Field("", max_length=500, description="意见(核准、重新提交)或备注(赔付)")
    reason: str = Field("", max_length=500, description="原因:退回、不予赔付、冲正必填")
    reference: str = Field("", max_length=60, description="赔付(pay)必填:凭证号或银行流水号")


class ClaimListOut(Schema):
    id: int
    number: str
    status: ClaimStatus
    status_label: str = Field(alias="get_status_display")
    plan_id: int
    plan_name: str = Field(alias="plan.name")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    member_name: str = Field(description="职工姓名(脱敏)")
    admitted_on: dt.date
    invoice_total: Money
    eligible_total: Money
    benefit: Money = Field(description="按计划规则算出的赔付金额")
    recorded_at: dt.datetime
    version: int

    @staticmethod
    def resolve_member_name(obj) -> str:
        return mask_name(obj.enrolment.member.name)


class InvoiceOut(Schema):
    invoice_no: str
    issued_on: dt.date
    total: Money
    eligible: Money


class ClaimEventOut(ApplicationEventOut):
    """A claim's step: the same fields as an application's (its own name in the OpenAPI document)."""


class ClaimOut(ClaimListOut):
    member_id: int = Field(alias="enrolment.member_id")
    member_name: str = Field(description="职工姓名")
    member_no: str = Field(alias="enrolment.member.member_no")
    illness: str
    hospital: str
    discharged_on: dt.date | None
    approval_unit_id: int
    approval_unit_name: str = Field(alias="approval_unit.name")
    recorded_by_name: str
    approved_by_name: str | None
    paid_by_name: str | None
    paid_on: dt.date | None
    payment_reference: str
    invoices: list[InvoiceOut] = Field(alias="invoice_rows")
    events: list[ClaimEventOut] = Field(alias="event_rows")
    replayed: bool = Field(False, description="true:同一 Idempotency-Key 的重试,回答的是第一次赔付")

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.enrolment.member.name

    @staticmethod
    def resolve_recorded_by_name(obj) -> str:
        return obj.recorded_by.display_name

    @staticmethod
    def resolve_approved_by_name(obj) -> str | None:
        return obj.approved_by.display_name if obj.approved_by_id else None

    @staticmethod
    def resolve_paid_by_name(obj) -> str | None:
        return obj.paid_by.display_name if obj.paid_by_id else None
