import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings
from django.urls import reverse

from lianxin.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


@pytest.fixture
def wang(db):
    return UserFactory(username="wangfang", full_name="王芳", phone="13912345678")


def test_login_with_username(client, wang):
    response = client.post(reverse("core:login"), {"username": "wangfang", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_login_with_phone_number(client, wang):
    response = client.post(reverse("core:login"), {"username": "13912345678", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_shows_a_chinese_message(client, wang):
    response = client.post(reverse("core:login"), {"username": "wangfang", "password": "nope"})
    assert response.status_code == 200
    assert "用户名(或手机号)或密码不正确" in response.content.decode()


def test_passwords_are_hashed_with_argon2(db):
    from lianxin import settings as project_settings

    with override_settings(PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS):
        user = UserFactory(username="argon")
        assert identify_hasher(user.password).algorithm == "argon2"


def test_repeated_failures_lock_the_account_out(client, wang, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("core:login"), {"username": "wangfang", "password": "wrong"})
    response = client.post(reverse("core:login"), {"username": "wangfang", "password": PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]


def test_language_can_be_switched_to_english(client, wang):
    client.force_login(wang)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("core:home")).content.decode()
    assert 'lang="en"' in page
