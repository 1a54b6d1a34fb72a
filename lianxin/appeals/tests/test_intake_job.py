"""Intake in two parts: the request answers with the appeal; a job after the commit indexes it for
duplicates and tells the handlers and the care person. The sweep finishes an intake whose job was
lost. What every intake reads (categories, deadline rules, who handles appeals where) is kept per
process and follows an office's changes."""

import datetime as dt

import jieba
import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianxin.appeals import reference, rules, services
from lianxin.appeals.models import AppealSignature, CareContact, Category, DeadlineRule, DuplicateBand
from lianxin.appeals.selectors import AppealFilters, appeal_list
from lianxin.appeals.tests.factories import TEXTS, make_appeal
from lianxin.core.models import Notification
from lianxin.core.notifications import MemorySmsSender
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.core.tokens import api_token_create

pytestmark = pytest.mark.django_db

AIRCON = "炼钢车间三号转炉旁的休息室空调坏了两个星期,夏天高温作业下来没地方降温,希望尽快维修。"
AIRCON_RETOLD = "炼钢车间三号转炉旁边的休息室空调坏了快两个星期了,夏天高温作业下来没地方降温,希望尽快修好。"
DESPAIR = "欠了一身債,孩子又生病,我真的撐不下去了,不想活了。"


@pytest.fixture(autouse=True)
def sms(settings):
    settings.LIANXIN_SMS_SENDER = "lianxin.core.notifications.MemorySmsSender"
    MemorySmsSender.outbox.clear()
    yield MemorySmsSender.outbox
    MemorySmsSender.outbox.clear()


@pytest.fixture
def carer(company):
    user = UserFactory(username="carer", full_name="林关爱", phone="13900000001")
    CareContact.objects.create(unit=company.unit, user=user)
    return user


def submit(company, personas, text=AIRCON):
    """The request's part only, as the API and the pages call it."""
    return services.appeal_submit(submitted_by=personas.worker, origin_unit=company.team, text=text)


def told(user, about) -> int:
    return Notification.objects.filter(user=user, target=f"appeal:{about.pk}").count()


# --- the job after the commit ---------------------------------------------------------------------


def test_the_handlers_hear_of_a_new_appeal_from_the_job_after_the_intake_commits(
    company, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appeal = submit(company, personas).appeal
    assert told(personas.cadre, appeal) == 0 and not AppealSignature.objects.filter(appeal=appeal).exists()

    for callback in callbacks:
        callback()  # the commit: the job is enqueued, and runs (immediately, in the tests)

    assert told(personas.cadre, appeal) == 1
    assert DuplicateBand.objects.filter(appeal=appeal).exists()


def test_distress_reaches_the_care_person_by_sms_through_the_job(
    company, personas, carer, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = submit(company, personas, DESPAIR).appeal

    assert appeal.flag_distress
    assert [phone for phone, _text in sms] == ["13900000001"] and appeal.number in sms[0][1]
    assert told(carer, appeal) == 1


def test_an_intake_that_rolls_back_runs_no_job(
    company, personas, carer, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                submit(company, personas, DESPAIR)
                raise RuntimeError("the request failed after the intake")
        except RuntimeError:
            pass

    assert sms == [] and not Notification.objects.exists() and not AppealSignature.objects.exists()


def test_running_the_job_again_tells_no_one_twice(company, personas, carer, sms):
    appeal = submit(company, personas, DESPAIR).appeal

    assert services.appeal_intake_finish(appeal_id=appeal.pk) is True
    bands = DuplicateBand.objects.filter(appeal=appeal).count()
    assert services.appeal_intake_finish(appeal_id=appeal.pk) is False

    assert told(carer, appeal) == 1 and told(personas.cadre, appeal) == 1
    assert DuplicateBand.objects.filter(appeal=appeal).count() == bands > 0


def test_an_appeal_already_accepted_when_its_job_runs_is_not_announced_as_new_but_distress_is(
    company, personas, carer
):
    appeal = submit(company, personas, DESPAIR).appeal
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)

    services.appeal_intake_finish(appeal_id=appeal.pk)

    assert not Notification.objects.filter(user=personas.cadre, title__contains="新诉求").exists()
    assert told(carer, appeal) == 1


def test_a_new_appeal_is_found_as_a_duplicate_once_its_job_has_run(company, personas):
    first = submit(company, personas, AIRCON).appeal
    assert submit(company, personas, AIRCON_RETOLD).similar == []

    services.appeal_intake_finish(appeal_id=first.pk)

    assert [appeal for appeal, _score in submit(company, personas, AIRCON_RETOLD).similar] == [first]


def test_the_search_finds_an_appeal_as_soon_as_the_request_answers(company, personas):
    appeal = submit(company, personas, "夜班费没有按新标准发放,工资条上看不到明细。").appeal  # no job run

    assert list(appeal_list(fetched_by=personas.cadre, filters=AppealFilters(q="夜班费"))) == [appeal]


# --- the sweep: intakes whose job was lost --------------------------------------------------------


def test_the_sweep_finishes_an_intake_whose_job_was_lost(company, personas, carer, sms):
    appeal = submit(company, personas, DESPAIR).appeal  # no commit callbacks run: the job is lost
    now = timezone.now()

    with time_machine.travel(now + dt.timedelta(minutes=1), tick=False):
        assert services.appeals_sweep()["intakes"] == 0  # its job may still be on its way
    with time_machine.travel(now + dt.timedelta(minutes=10), tick=False):
        assert services.appeals_sweep()["intakes"] == 1
        assert services.appeals_sweep()["intakes"] == 0

    assert told(personas.cadre, appeal) == 1 and told(carer, appeal) == 1
    assert DuplicateBand.objects.filter(appeal=appeal).exists()


# --- what every intake reads, kept per process ----------------------------------------------------


def test_a_deadline_rule_added_by_the_office_applies_to_the_next_intake(company, personas):
    wages = Category.objects.get(code="wages")
    before = make_appeal(unit=company.team, by=personas.worker, code="wages")

    DeadlineRule.objects.create(
        category=wages, accept_working_days=3, answer_working_days=12, extended_working_days=20
    )
    after = make_appeal(unit=company.team, by=personas.worker, code="wages")

    assert after.answer_due > before.answer_due


def test_keywords_added_to_a_category_suggest_it_at_the_next_intake(company, personas):
    text = "厂区南门的自行车棚顶漏雨了,雨天车子全淋湿。"
    assert make_appeal(unit=company.team, by=personas.worker, text=text).category.code != "living_conditions"

    category = Category.objects.get(code="living_conditions")
    category.keywords += " 自行车棚"
    category.save()

    assert make_appeal(unit=company.team, by=personas.worker, text=text).category.code == "living_conditions"


def test_a_cadre_newly_appointed_to_the_section_handles_its_next_appeals(company, personas):
    assert make_appeal(unit=company.team, by=personas.worker).handling_unit == company.unit

    grant(UserFactory(username="section_cadre"), company.section, "cadre")

    assert make_appeal(unit=company.team, by=personas.worker).handling_unit == company.section


def test_a_change_made_by_another_process_is_seen_within_seconds(company, personas, monkeypatch):
    wages = Category.objects.get(code="wages")
    make_appeal(unit=company.team, by=personas.worker, code="wages")  # this process reads the rules
    # Another process's change: this process's cache is not told (the local-memory cache is per process).
    DeadlineRule.objects.bulk_create(
        [
            DeadlineRule(
                category=wages, accept_working_days=3, answer_working_days=12, extended_working_days=20
            )
        ]
    )
    assert not any(rule.category_id == wages.pk for rule in reference.current().rules)  # the copy read before

    later = reference.time.monotonic() + reference.MAX_AGE + 1
    monkeypatch.setattr(reference.time, "monotonic", lambda: later)

    assert any(rule.category_id == wages.pk for rule in reference.current().rules)


# --- one cut of the text, few queries -------------------------------------------------------------


@pytest.mark.parametrize("text", [*TEXTS, AIRCON_RETOLD, "中华人民共和国劳动合同法规定的经济补偿金计算标准"])
def test_search_tokens_from_the_one_cut_are_jiebas_search_engine_cut(text):
    normalized = rules.normalize(text)
    expected = [
        w.lower() for w in jieba.cut_for_search(normalized) if w.strip() and any(c.isalnum() for c in w)
    ]

    assert rules.tokens(normalized, cut=rules.words(normalized)) == expected


def test_an_intake_through_the_api_takes_a_few_queries(client, company, personas):
    headers = {"Authorization": f"Bearer {api_token_create(user=personas.worker)}"}

    def post(text):
        body = {"origin_unit": company.team.pk, "text": text}
        return client.post("/api/v1/appeals", body, content_type="application/json", headers=headers)

    assert post(TEXTS[0]).status_code == 201  # the token's first use writes its last-used time
    with CaptureQueriesContext(connection) as captured:
        assert post(TEXTS[2]).status_code == 201

    # token, unit, the worker's member record, duplicate look-up, number, appeal, event, and the
    # worker's roles for the answer; one more for what other parts write with the event (the test's
    # transaction turns the intake's own into a savepoint: those are not counted)
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 9, [sql[:80] for sql in statements]
