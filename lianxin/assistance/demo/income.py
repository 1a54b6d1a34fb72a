"""The money a demo company's funds take in: allocations, a 金秋助学 campaign and its donations.

A mixin of `AssistanceBuilder`: the first company's figures are fixed (as they always were); a
smaller company's allocations are sized, when the steps run, to the aid and claims it planned.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal

from .. import demo_data as data
from ..models import EntryKind
from ..services import applications as money

CLAIM_MOST = Decimal("12000.00")
"""The most a planned claim pays: 80% of a bill under 26,000 yuan, less the 800 deductible, at 60%."""


def _round_up(amount: Decimal, step: int = 10000) -> Decimal:
    """`amount` up to the next multiple of `step` yuan (an allocation is a round sum)."""
    return ((amount / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(Decimal("1.00"))


class IncomePlanner:
    """Plans a company's money in (the builder's `at`, `step`, funds and people are on `self`)."""

    def _income(self, fund, day: dt.date, kind: str, amount, **extra) -> None:
        """Money in on `day`; `amount` may be a callable, asked when the step runs (after planning)."""
        moment = self.at(day, 10)

        def run():
            money.fund_income_record(
                actor=self.caiwu, fund=fund, kind=kind, amount=amount() if callable(amount) else amount,
                at=moment, **extra,
            )  # fmt: skip
            if kind == EntryKind.DONATION:
                self.summary.donations += 1

        self.step(moment, run)

    def _plan_income(self) -> None:
        """Allocations to both funds; a 金秋助学 campaign in August with the donations it raised."""
        rng = self._rng("income")
        self._income(self.relief, self.start + dt.timedelta(days=5), "allocation", "150000.00",
                     note="上级工会拨付送温暖专项资金", reference="GH-SWN-01")  # fmt: skip
        self._income(self.relief, self.start + dt.timedelta(days=40), "allocation", "200000.00",
                     note="行政拨付年度帮扶资金", reference="XZ-BF-01")  # fmt: skip
        self._income(self.relief, self.last(6, 28), "allocation", "80000.00",
                     note="上级工会拨付金秋助学资金", reference="GH-JQ-01")  # fmt: skip
        self._income(self.mutual_fund, max(self.start, dt.date(self.plan_year, 1, 5)), "allocation", "150000.00",
                     note="工会补贴互助保障基金", reference="GH-HZ-01")  # fmt: skip
        self._plan_campaign(
            rng, data.DONORS, goal="100000.00", amounts=[2000, 3000, 5000, 8000, 10000, 20000]
        )

    def _plan_smaller_income(self) -> None:
        """A smaller union's money, sized to the year it is planned to pay (asked when the steps run):
        its relief fund gets most of it at the start of the year and the rest in spring, 金秋助学 money
        in summer and a donation or two; the mutual-aid fund gets enough for every planned claim."""
        rng = self._rng("income")
        self._income(self.relief, self.start + dt.timedelta(days=5), "allocation", lambda: self._planned(0.6),
                     note="上级工会拨付送温暖专项资金", reference="GH-SWN-01")  # fmt: skip
        self._income(self.relief, self.start + dt.timedelta(days=40), "allocation", lambda: self._planned(0.5),
                     note="行政拨付年度帮扶资金", reference="XZ-BF-01")  # fmt: skip
        self._income(self.relief, self.last(6, 28), "allocation", "20000.00",
                     note="上级工会拨付金秋助学资金", reference="GH-JQ-01")  # fmt: skip
        self._income(self.mutual_fund, max(self.start, dt.date(self.plan_year, 1, 5)), "allocation", self._claims_cover,
                     note="工会补贴互助保障基金", reference="GH-HZ-01")  # fmt: skip
        self._plan_campaign(rng, data.COMPANY_DONORS, goal="20000.00", amounts=[1000, 2000, 3000, 5000])

    def _planned(self, share: float) -> Decimal:
        """A share of the aid planned from the relief fund, up to the next ten thousand yuan (at least
        ten thousand)."""
        planned = sum((aid.value for aid in self.aids), Decimal("0.00")) * Decimal(str(share))
        return max(_round_up(planned), Decimal("10000.00"))

    def _claims_cover(self) -> Decimal:
        """Enough for every claim planned, each at the most a planned claim can pay."""
        return _round_up(CLAIM_MOST * max(1, len(self.claimants)))

    def _plan_campaign(self, rng, donors, *, goal: str, amounts: list[int]) -> None:
        """A 金秋助学 campaign in August with the donations it raised."""
        campaign_start = min(self.last(8, 1), self.today - dt.timedelta(days=30))
        year = campaign_start.year
        short = self.company.short_name or self.company.name
        holder = {}

        def open_campaign():
            holder["campaign"] = money.campaign_create(
                actor=self.chairman, unit=self.company, fund=self.relief, name=f"{year}年金秋助学爱心捐款",
                purpose="资助困难职工家庭子女上学", goal=goal,
                starts_on=campaign_start, ends_on=campaign_start + dt.timedelta(days=30),
            )  # fmt: skip

        self.step(self.at(campaign_start, 8), open_campaign)
        for index, (donor, anonymous) in enumerate(donors):
            day = campaign_start + dt.timedelta(days=2 + index * 2)
            amount = f"{rng.choice(amounts)}.00"
            donor = donor.format(company=short)

            def give(day=day, amount=amount, donor=donor, anonymous=anonymous):
                money.fund_income_record(
                    actor=self.caiwu, fund=self.relief, kind="donation", amount=amount, donor=donor,
                    donor_anonymous=anonymous, campaign=holder["campaign"], at=self.at(day, 15),
                    note="金秋助学爱心捐款",
                )  # fmt: skip
                self.summary.donations += 1

            self.step(self.at(day, 15), give)
