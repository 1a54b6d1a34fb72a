import pytest

from lianxin.core.models import AuditEvent, Role, RoleAssignment

pytestmark = pytest.mark.django_db


def test_granting_a_role_in_the_admin_is_on_the_record(client, django_user_model, personas, company):
    boss = django_user_model.objects.create_superuser("boss", password="pass-word-123")
    client.force_login(boss)
    response = client.post(
        "/admin/core/roleassignment/add/",
        {
            "user": personas.worker.pk,
            "unit": company.unit.pk,
            "role": Role.objects.get(code="cadre").pk,
            "granted_at_0": "2026-11-21",
            "granted_at_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = RoleAssignment.objects.get(user=personas.worker, unit=company.unit)
    event = AuditEvent.objects.get(code="core.roleassignment.admin_created")
    assert event.actor == boss
    assert event.target == f"core.roleassignment:{assignment.pk}"
    assert event.unit == company.unit


def test_changing_a_holiday_in_the_admin_is_on_the_record(client, django_user_model, db):
    from lianxin.core.models import Holiday

    boss = django_user_model.objects.create_superuser("boss", password="pass-word-123")
    client.force_login(boss)
    holiday = Holiday.objects.get(date="2026-10-01")
    response = client.post(f"/admin/core/holiday/{holiday.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(code="core.holiday.admin_deleted", actor=boss).exists()


def test_the_administrator_role_opens_the_admin_without_being_superuser(client, personas):
    assert not personas.administrator.is_superuser
    client.force_login(personas.administrator)
    for url in [
        "/admin/core/holiday/",
        "/admin/core/roleassignment/",
        "/admin/org/unit/",
        "/admin/members/member/",
    ]:
        assert client.get(url).status_code == 200, url


def test_staff_cadre_sees_only_their_scope_and_not_the_calendar(client, personas, company):
    from lianxin.members.tests.factories import make_member

    personas.cadre.is_staff = True
    personas.cadre.save()
    make_member(company.team, "张伟")
    make_member(company.sibling_team, "陈静")
    client.force_login(personas.cadre)
    assert client.get("/admin/core/holiday/").status_code == 403
    assert client.get("/admin/core/accesslog/").status_code == 403
    page = client.get("/admin/members/member/").content.decode()
    assert "张伟" in page and "陈静" not in page
