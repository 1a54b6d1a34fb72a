import pytest
from django.core import mail
from django.urls import reverse

from lianxin.core.models import Notification
from lianxin.core.notifications import MemorySmsSender, Message, notify
from lianxin.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_notification_shows_in_the_inbox_and_is_marked_read_once_seen(client):
    user = UserFactory(username="zhang")
    notify([user], Message(title="新诉求 SS-2026-000001:食堂夜班没有热饭", url="/appeals/1/"))
    client.force_login(user)
    home = client.get(reverse("core:home"))
    assert 'id="nav-notifications"' in home.content.decode() and ">1</span>" in home.content.decode()
    page = client.get(reverse("core:notifications"))
    assert "食堂夜班没有热饭" in page.content.decode()
    assert Notification.objects.get(user=user).read_at is not None
    assert ">1</span>" not in client.get(reverse("core:home")).content.decode()


def test_an_inbox_shows_only_the_users_own_notifications(client):
    mine, other = UserFactory(username="mine"), UserFactory(username="other")
    notify([other], Message(title="别人的通知"))
    client.force_login(mine)
    assert "别人的通知" not in client.get(reverse("core:notifications")).content.decode()


def test_email_and_sms_go_out_only_after_commit(settings, django_capture_on_commit_callbacks):
    settings.LIANXIN_SMS_SENDER = "lianxin.core.notifications.MemorySmsSender"
    MemorySmsSender.outbox.clear()
    user = UserFactory(username="li", email="li@example.cn", phone="13800000001")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify([user], Message(title="【紧急】三号转炉煤气泄漏", sms=True))
    assert mail.outbox == [] and MemorySmsSender.outbox == []
    for callback in callbacks:
        callback()
    assert mail.outbox[0].subject == "【紧急】三号转炉煤气泄漏"
    assert MemorySmsSender.outbox == [("13800000001", "【连心桥】【紧急】三号转炉煤气泄漏")]


def test_nothing_is_sent_when_the_change_rolls_back(settings, django_capture_on_commit_callbacks):
    from django.db import transaction

    settings.LIANXIN_SMS_SENDER = "lianxin.core.notifications.MemorySmsSender"
    MemorySmsSender.outbox.clear()
    user = UserFactory(username="wang", email="wang@example.cn", phone="13800000002")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify([user], Message(title="不会发出", sms=True))
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert mail.outbox == [] and MemorySmsSender.outbox == []
    assert not Notification.objects.filter(user=user).exists()
