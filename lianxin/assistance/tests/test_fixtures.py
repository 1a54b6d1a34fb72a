from decimal import Decimal

from lianxin.assistance.services.funds import fund_reconcile


def test_the_cast_starts_with_a_funded_relief_fund(aid):
    assert aid.fund.balance == Decimal("100000.00")
    assert fund_reconcile(aid.fund)["ok"]
