import pytest

from lianxin.appeals.models import Appeal, DeadlineRule
from lianxin.appeals.tests.factories import make_appeal, make_department
from lianxin.core.models import AuditEvent
from lianxin.core.tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def chairman(company):
    """The chairman of 炼钢厂, with the admin open to them (staff), not a superuser."""
    user = UserFactory(username="chairman", is_staff=True)
    grant(user, company.unit, "chairman")
    return user


def test_a_chairman_sees_only_the_departments_of_their_subtree(client, chairman, company):
    make_department(company.unit, name="炼钢厂人力资源部")
    make_department(company.sibling, name="轧钢厂人力资源部")
    client.force_login(chairman)
    page = client.get("/admin/appeals/department/").content.decode()
    assert "炼钢厂人力资源部" in page and "轧钢厂人力资源部" not in page


def test_changing_a_time_limit_in_the_admin_is_on_the_record(client, personas):
    rule = DeadlineRule.objects.get(category=None, kind="", flag="")
    client.force_login(personas.administrator)
    response = client.post(
        f"/admin/appeals/deadlinerule/{rule.pk}/change/",
        {
            "accept_working_days": 1,
            "answer_working_days": 7,
            "extended_working_days": 15,
            "kind": "",
            "flag": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    rule.refresh_from_db()
    assert rule.answer_working_days == 7
    assert AuditEvent.objects.filter(
        code="appeals.deadlinerule.admin_changed", actor=personas.administrator
    ).exists()


def test_appeals_are_read_only_in_the_admin_and_show_no_anonymous_identity(client, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker, anonymous=True)
    client.force_login(personas.administrator)
    page = client.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    assert appeal.number in page and "王小工" not in page
    assert client.post(f"/admin/appeals/appeal/{appeal.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Appeal.objects.filter(pk=appeal.pk).exists()
