"""The member admin: masked values only, edits through member_update, no adding or deleting."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lianxin.core import crypto
from lianxin.core.tests.factories import UserFactory
from lianxin.members.models import Member

BACKEND = "lianxin.core.auth.UsernameOrPhoneBackend"


@pytest.fixture
def admin_client(client, db):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user, backend=BACKEND)
    return client


def test_changelist_finds_by_member_number_and_shows_no_clear_or_cipher_values(admin_client, roster):
    response = admin_client.get(reverse("admin:members_member_changelist"), {"q": "M0012345"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "张伟" in content and "李娜" not in content
    assert roster.zhang.id_number_masked in content
    assert crypto.decrypt(roster.zhang.id_number_cipher) not in content
    assert roster.zhang.id_number_cipher[:20] not in content and roster.zhang.id_number_digest not in content


def test_change_page_and_history_show_no_cipher(admin_client, roster):
    for url in (
        reverse("admin:members_member_change", args=[roster.zhang.pk]),
        reverse("admin:members_member_history", args=[roster.zhang.pk]),
    ):
        content = admin_client.get(url).content.decode()
        assert roster.zhang.id_number_cipher[:20] not in content
        assert roster.zhang.phone_cipher[:20] not in content
        assert "13812345678" not in content


def test_an_admin_edit_goes_through_member_update(admin_client, roster):
    url = reverse("admin:members_member_change", args=[roster.zhang.pk])
    zhang = roster.zhang
    data = {
        "member_no": zhang.member_no,
        "name": "張衛",
        "gender": zhang.gender,
        "birth_date": zhang.birth_date.isoformat(),
        "job": "",
        "employment_type": zhang.employment_type,
        "joined_on": "",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    zhang = Member.objects.get(pk=zhang.pk)
    assert (zhang.name, zhang.name_pinyin) == ("张卫", "zhangwei")
    assert zhang.history.count() == 2


def test_members_are_neither_added_nor_deleted_in_the_admin(admin_client, roster):
    assert admin_client.get(reverse("admin:members_member_add")).status_code == 403
    assert admin_client.get(reverse("admin:members_member_delete", args=[roster.zhang.pk])).status_code == 403


def test_transfers_are_listed_read_only(admin_client, roster, personas, company):
    from lianxin.members.services import member_transfer

    member_transfer(member=roster.zhang, to_unit=company.team2, transferred_by=personas.cadre)

    response = admin_client.get(reverse("admin:members_membertransfer_changelist"), {"q": "M0012345"})
    assert response.status_code == 200 and "乙班" in response.content.decode()
    assert admin_client.get(reverse("admin:members_membertransfer_add")).status_code == 403
