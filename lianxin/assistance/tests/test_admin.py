"""The assistance admin: scoped to the chairman's subtree, and no money moves through it."""

from decimal import Decimal

import pytest

from lianxin.assistance.models import Fund, FundEntry
from lianxin.core.models import AuditEvent

from .factories import make_fund, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_chairman(aid):
    """炼钢厂's chairman with the admin open to him (staff), not a superuser."""
    aid.chairman.is_staff = True
    aid.chairman.save(update_fields=["is_staff"])
    return aid.chairman


def test_a_chairman_sees_only_the_programmes_and_funds_of_his_subtree(client, aid, company, staff_chairman):
    sibling_fund = make_fund(company.sibling, aid.chairman, name="轧钢厂帮扶救助基金")
    make_programme(company.sibling, sibling_fund, name="轧钢厂金秋助学", code="school2")
    client.force_login(staff_chairman)

    programmes = client.get("/admin/assistance/programme/").content.decode()
    funds = client.get("/admin/assistance/fund/").content.decode()

    assert "两节送温暖" in programmes and "轧钢厂金秋助学" not in programmes
    assert aid.fund.name in funds and "轧钢厂帮扶救助基金" not in funds


def test_a_funds_balance_cannot_be_changed_in_the_admin(client, aid, staff_chairman):
    client.force_login(staff_chairman)
    response = client.post(
        f"/admin/assistance/fund/{aid.fund.pk}/change/",
        {"name": "改名后的帮扶基金", "is_active": "on", "balance": "999999.00", "reserved": "0"},
    )

    assert response.status_code == 302, response.content.decode()[:1500]
    fund = Fund.objects.get(pk=aid.fund.pk)
    assert fund.name == "改名后的帮扶基金"
    assert fund.balance == Decimal("100000.00")
    assert FundEntry.objects.filter(fund=fund).count() == 1
    assert AuditEvent.objects.filter(code="assistance.fund.admin_changed", actor=staff_chairman).exists()


def test_nothing_money_points_at_can_be_deleted_in_the_admin(client, aid, staff_chairman):
    client.force_login(staff_chairman)

    response = client.post(f"/admin/assistance/programme/{aid.festival.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert client.get("/admin/assistance/fundentry/").status_code == 404  # entries are not in the admin
