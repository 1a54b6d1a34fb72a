import pytest
from django.urls import reverse

from lianxin.core.models import AuditEvent
from lianxin.core.tests.factories import UserFactory
from lianxin.org.admin import PostAdminForm
from lianxin.org.models import Post, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", ["unit", "unionbody", "post", "liaison"])
def test_the_superuser_opens_every_org_list_and_add_page(login, superuser, company, model):
    client = login(superuser)
    assert client.get(reverse(f"admin:org_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:org_{model}_add")).status_code == 200


def test_a_unit_added_in_the_admin_lands_in_the_tree_and_is_logged(login, superuser, company):
    response = login(superuser).post(
        reverse("admin:org_unit_add"),
        {
            "name": "丁班",
            "short_name": "",
            "code": "U1-1-9",
            "level": "team",
            "is_active": "on",
            "treebeard_position": "first-child",
            "treebeard_ref_node": company.section.pk,
        },
    )
    assert response.status_code == 302
    assert Unit.objects.get(code="U1-1-9").path.startswith(company.section.path)
    assert AuditEvent.objects.filter(code="org.unit.admin_created").exists()


def test_the_admin_refuses_a_room_at_a_tertiary_unit(company):
    form = PostAdminForm(data={"kind": "room", "unit": company.unit.pk, "name": "厂工作室"})
    assert not form.is_valid()
    assert "unit" in form.errors
    assert not Post.objects.exists()
