"""The fund API: funds in scope with their balance, a fund's ledger, and money in.

A fund outside the caller's assistance.view scope answers 404; recording income needs
assistance.funds on the fund's unit (403). The ledger is paginated like every list here (`page`,
`page_size`; `count` stops at 10001), newest entry first, each with the balance after it. Money is a
string with two decimals; an anonymous donation never shows its donor.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from lianxin.core.api import ERRORS, Pagination

from .. import services
from ..selectors import funds as selectors
from .common import WITH_CONFLICTS, answers_domain_errors
from .schemas_money import FundEntryOut, FundOut, IncomeIn, LedgerFiltersIn

router = Router()


@router.get("/funds", response={200: list[FundOut], **ERRORS}, summary="List funds in scope")
@paginate(Pagination)
def fund_list(request: HttpRequest):
    return selectors.fund_list(fetched_by=request.user)


@router.get(
    "/funds/{int:fund_id}/ledger",
    response={200: list[FundEntryOut], **ERRORS},
    summary="A fund's ledger, newest first, with the running balance",
)
@paginate(Pagination)
def fund_ledger(request: HttpRequest, fund_id: int, filters: Query[LedgerFiltersIn]):
    fund = selectors.fund_get_for_user(fetched_by=request.user, fund_id=fund_id)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError({"to": _("结束日期不能早于开始日期。")})
    chosen = selectors.LedgerFilters(
        kind=filters.kind or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
        campaign=filters.campaign,
        q=filters.q.strip(),
    )
    return selectors.ledger_entries(fund=fund, filters=chosen)


@router.post(
    "/funds/{int:fund_id}/income",
    response={201: FundEntryOut, **WITH_CONFLICTS},
    summary="Record an allocation or a donation",
)
@answers_domain_errors
def fund_income(request: HttpRequest, fund_id: int, payload: IncomeIn):
    user = request.user
    fund = selectors.fund_get_for_user(fetched_by=user, fund_id=fund_id)
    campaign = None
    if payload.campaign is not None:
        try:
            campaign = selectors.campaign_get_for_user(fetched_by=user, campaign_id=payload.campaign)
        except Http404:
            raise ValidationError({"campaign": _("没有这个募捐活动,或不在您的范围内。")}) from None
    at = None
    if payload.received_on is not None and payload.received_on != timezone.localdate():
        at = timezone.make_aware(dt.datetime.combine(payload.received_on, dt.time(9, 0)))
    entry = services.fund_income_record(
        actor=user,
        fund=fund,
        kind=payload.kind,
        amount=payload.amount,
        donor=payload.donor,
        donor_anonymous=payload.donor_anonymous,
        campaign=campaign,
        reference=payload.reference,
        note=payload.note,
        at=at,
    )
    return Status(201, selectors.ledger_entries(fund=fund).get(pk=entry.pk))
