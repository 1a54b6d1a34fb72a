"""Who is told what, in-app at once and by SMS or email only after the change commits."""

import pytest
from django.core import mail
from django.db import transaction

from lianxin.appeals import services
from lianxin.appeals.models import CareContact, State
from lianxin.appeals.tests.factories import drive, make_appeal
from lianxin.core.models import Notification
from lianxin.core.notifications import MemorySmsSender
from lianxin.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DESPAIR = "欠了一身債,孩子又生病,我真的撐不下去了,不想活了。"


@pytest.fixture(autouse=True)
def sms(settings):
    settings.LIANXIN_SMS_SENDER = "lianxin.core.notifications.MemorySmsSender"
    MemorySmsSender.outbox.clear()
    yield MemorySmsSender.outbox
    MemorySmsSender.outbox.clear()


@pytest.fixture
def carer(company):
    user = UserFactory(username="carer", full_name="林关爱", phone="13900000001", email="carer@example.cn")
    CareContact.objects.create(unit=company.unit, user=user, note="工会女工委员")
    return user


def phones(outbox) -> list[str]:
    return [phone for phone, _text in outbox]


def test_distress_tells_the_units_care_person_by_sms_after_commit(
    company, personas, carer, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appeal = make_appeal(unit=company.team, by=personas.worker, text=DESPAIR)
    assert appeal.flag_distress
    assert Notification.objects.filter(user=carer, title__contains="心理危机").count() == 1
    assert sms == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert phones(sms) == ["13900000001"]
    assert appeal.number in sms[0][1]
    assert [m.to for m in mail.outbox if "心理危机" in m.subject] == [["carer@example.cn"]]


def test_the_nearest_care_person_above_the_unit_is_told(
    company, personas, sms, django_capture_on_commit_callbacks
):
    far = UserFactory(username="far", phone="13900000002")
    near = UserFactory(username="near", phone="13900000003")
    CareContact.objects.create(unit=company.group, user=far)
    CareContact.objects.create(unit=company.section, user=near)
    with django_capture_on_commit_callbacks(execute=True):
        make_appeal(unit=company.team, by=personas.worker, text=DESPAIR)
    assert phones(sms) == ["13900000003"]
    assert not Notification.objects.filter(user=far).exists()


def test_without_a_care_person_the_units_cadres_are_told(
    company, personas, sms, django_capture_on_commit_callbacks
):
    personas.cadre.phone = "13900000004"
    personas.cadre.save()
    with django_capture_on_commit_callbacks(execute=True):
        make_appeal(unit=company.team, by=personas.worker, text=DESPAIR)
    assert "13900000004" in phones(sms)
    assert Notification.objects.filter(user=personas.cadre, title__contains="心理危机").exists()


def test_nothing_is_sent_when_the_intake_rolls_back(
    company, personas, carer, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                make_appeal(unit=company.team, by=personas.worker, text=DESPAIR)
                raise RuntimeError("the request failed after the intake")
        except RuntimeError:
            pass
    assert sms == [] and mail.outbox == []
    assert not Notification.objects.filter(user=carer).exists()


def test_distress_found_on_confirmation_tells_the_care_person(
    company, personas, carer, sms, django_capture_on_commit_callbacks
):
    appeal = make_appeal(unit=company.team, by=personas.worker, text="最近家里事情多,压力很大,心里很乱。")
    assert not appeal.flag_distress and sms == []
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_confirm_flags(appeal=appeal, confirmed_by=personas.cadre, flags=["distress"])
    assert phones(sms) == ["13900000001"]
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_confirm_flags(appeal=appeal, confirmed_by=personas.cadre, flags=["distress"])
    assert len(sms) == 1  # confirming again tells no one twice


def test_immediate_danger_reaches_the_handlers_by_sms(
    company, personas, sms, django_capture_on_commit_callbacks
):
    personas.cadre.phone = "13900000005"
    personas.cadre.save()
    with django_capture_on_commit_callbacks(execute=True):
        make_appeal(unit=company.team, by=personas.worker, text="三号转炉旁边煤气泄漏,味道很大!")
    assert phones(sms) == ["13900000005"]
    assert "【紧急】" in sms[0][1]


def test_the_worker_is_told_each_step_and_an_anonymous_worker_is_never_named(company, personas):
    named = make_appeal(unit=company.team, by=personas.worker, text="食堂夜班没有热饭,请延长供应时间。")
    drive(named, State.ANSWERED, handler=personas.cadre)
    titles = list(Notification.objects.filter(user=personas.worker).values_list("title", flat=True))
    assert any("已受理" in t for t in titles) and any("有了答复" in t for t in titles)
    anonymous = make_appeal(
        unit=company.team, by=personas.worker, anonymous=True, text="班长天天骂人,请工会管一管。"
    )
    before = Notification.objects.filter(user=personas.worker).count()
    drive(anonymous, State.ANSWERED, handler=personas.cadre)
    assert Notification.objects.filter(user=personas.worker).count() == before
    assert not anonymous.events.exclude(actor=None).filter(actor=personas.worker).exists()


def test_merged_appeals_workers_are_told_the_targets_answer(company, personas):
    other = UserFactory(username="other_worker", full_name="钱同事")
    from lianxin.members.tests.factories import make_member

    make_member(company.team, "钱同事", user=other)
    target = make_appeal(unit=company.team, by=other, text="三号转炉旁边的休息室空调坏了两个星期。")
    duplicate = make_appeal(
        unit=company.team, by=personas.worker, text="三号转炉旁休息室的空调坏了两个星期了。"
    )
    drive(target, State.ACCEPTED, handler=personas.cadre)
    services.appeal_merge(appeal=duplicate, merged_by=personas.cadre, into=target)
    services.appeal_answer(appeal=target, answered_by=personas.cadre, answer="空调已更换新机。")
    told = Notification.objects.filter(user=personas.worker, body="空调已更换新机。")
    assert told.count() == 1 and target.number in told.get().title
