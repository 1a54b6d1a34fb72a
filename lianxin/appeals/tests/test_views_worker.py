"""The worker's pages, walked on a phone's terms: raise, follow by login or code, supplement, withdraw, rate."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianxin.appeals import services
from lianxin.appeals.models import Appeal, AppealEvent, Attachment, Channel, PublicAnswer, State
from lianxin.appeals.rules import normalize, search_tokens
from lianxin.appeals.tests.factories import category, drive, make_appeal
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.members.tests.factories import make_member

NEW = reverse("appeals:submit")
SIMILAR = reverse("appeals:similar")
SUBMITTED = reverse("appeals:submitted")
MINE = reverse("appeals:mine")
TRACK = reverse("appeals:track")
QA = reverse("appeals:qa")

NIGHT_PAY = "我们班组这个月的夜班费没有按新标准发放,工资条上看不到明细,请工会帮忙问问。"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def mine_detail(appeal) -> str:
    return reverse("appeals:mine_detail", args=[appeal.pk])


def form_data(company, **extra) -> dict:
    data = {
        "text": NIGHT_PAY,
        "kind": "complaint",
        "category": "",
        "addressee": Channel.WEB.value,
        "origin_unit": str(company.team.pk),
    }
    data.update(extra)
    return data


def other_worker(company):
    user = UserFactory(username="worker2", full_name="刘二工")
    make_member(company.team2, "刘二工", user=user)
    grant(user, company.team2, "worker")
    return user


# --- raising an appeal ---------------------------------------------------------------------------


def test_raising_an_appeal_needs_a_login(client, company):
    response = client.get(NEW)

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_submit_page_offers_seven_kinds_the_mailboxes_and_own_units_only(login, personas, company):
    content = login(personas.worker).get(NEW).content.decode()

    assert content.count('class="btn-check" name="kind"') == 7
    assert "工会主席信箱" in content and "总经理信箱" in content
    assert company.team.name in content and company.group.name in content
    assert company.team2.name not in content and company.sibling.name not in content
    assert f'hx-post="{SIMILAR}"' in content and 'hx-params="text,origin_unit"' in content


def test_worker_submits_a_named_appeal_and_lands_on_its_page(login, personas, company):
    response = login(personas.worker).post(NEW, form_data(company))

    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == mine_detail(appeal)
    assert appeal.member == personas.worker.member and appeal.submitted_by == personas.worker
    assert appeal.channel == Channel.WEB and appeal.kind == "complaint"
    assert appeal.category.code == "wages"  # suggested, since the worker left it open
    page = login(personas.worker).get(response["Location"]).content.decode()
    assert appeal.number in page and "已提交" in page


def test_anonymous_submission_shows_the_follow_up_code_once_and_keeps_no_identity(login, personas, company):
    client = login(personas.worker)

    response = client.post(NEW, form_data(company, anonymous="on", contact_phone="13800001111"))

    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == SUBMITTED
    assert appeal.is_anonymous and appeal.member is None and appeal.submitted_by is None
    assert appeal.contact_name == "" and appeal.contact_phone == ""
    assert not AppealEvent.objects.filter(appeal=appeal, actor=personas.worker).exists()
    first = client.get(SUBMITTED)
    code = first.context["code"]
    assert code in first.content.decode() and "只显示这一次" in first.content.decode()
    assert "no-store" in first["Cache-Control"]
    assert code not in client.session.get("appeals_new_code", {}).values()
    second = client.get(SUBMITTED)
    assert second.status_code == 302 and second["Location"] == TRACK
    assert services.track_digest(code) == appeal.track_digest


def test_a_unit_outside_the_workers_own_line_is_a_form_error(login, personas, company):
    client = login(personas.worker)

    for unit in (company.team2, company.sibling_team):
        response = client.post(NEW, form_data(company, origin_unit=str(unit.pk)))
        assert response.status_code == 422
        assert response.context["form"].errors["origin_unit"]
    assert not Appeal.objects.exists()


def test_an_anonymous_worker_may_name_a_coarser_unit(login, personas, company):
    login(personas.worker).post(NEW, form_data(company, anonymous="on", origin_unit=str(company.unit.pk)))

    appeal = Appeal.objects.get()
    assert appeal.origin_unit == company.unit and appeal.handling_unit == company.unit


def test_too_short_a_text_is_a_form_error(login, personas, company):
    response = login(personas.worker).post(NEW, form_data(company, text="太热"))

    assert response.status_code == 422 and response.context["form"].errors["text"]
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(
    ("addressee", "expected_unit"),
    [
        (Channel.WEB, "unit"),  # the nearest unit whose cadres handle appeals
        (Channel.CHAIRMAN_MAILBOX, "secondary"),  # the nearest union with a chairman
        (Channel.MANAGER_MAILBOX, "group"),  # the top of the tree
    ],
)
def test_the_addressee_chooses_channel_and_handling_unit(login, personas, company, addressee, expected_unit):
    chairman = UserFactory(username="chairman", full_name="吴主席")
    grant(chairman, company.secondary, "chairman")

    login(personas.worker).post(NEW, form_data(company, addressee=addressee.value))

    appeal = Appeal.objects.get()
    assert appeal.channel == addressee
    assert appeal.handling_unit == getattr(company, expected_unit)


def test_photos_go_with_the_appeal(login, personas, company):
    photos = [SimpleUploadedFile(f"现场{n}.png", PNG, content_type="image/png") for n in range(2)]

    login(personas.worker).post(NEW, {**form_data(company), "photos": photos})

    appeal = Appeal.objects.get()
    files = list(Attachment.objects.filter(appeal=appeal))
    assert [file.original_name for file in files] == ["现场0.png", "现场1.png"]
    assert all(file.uploaded_by == personas.worker and file.content_type == "image/png" for file in files)


def test_photos_of_an_anonymous_appeal_name_no_uploader(login, personas, company):
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")

    login(personas.worker).post(NEW, {**form_data(company, anonymous="on"), "photos": [photo]})

    assert Attachment.objects.get().uploaded_by is None


def test_a_web_page_named_jpg_is_refused_and_nothing_is_raised(login, personas, company):
    fake = SimpleUploadedFile(
        "工资条.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"
    )

    response = login(personas.worker).post(NEW, {**form_data(company), "photos": [fake]})

    assert response.status_code == 422
    assert "不是照片或 PDF" in " ".join(response.context["form"].errors["photos"])
    assert not Appeal.objects.exists() and not Attachment.objects.exists()


def test_more_than_nine_photos_are_refused(login, personas, company):
    photos = [SimpleUploadedFile(f"p{n}.png", PNG, content_type="image/png") for n in range(10)]

    response = login(personas.worker).post(NEW, {**form_data(company), "photos": photos})

    assert response.status_code == 422 and response.context["form"].errors["photos"]
    assert not Appeal.objects.exists()


# --- while typing: category, duplicates, published answers ----------------------------------------


@pytest.fixture
def published(personas, company):
    appeal = make_appeal(unit=company.team, by=personas.cadre, text="夜班费标准是多少?工资条上怎么看?")
    drive(appeal, State.ANSWERED, handler=personas.cadre)
    text = "夜班费按新标准每班30元,工资条上列在津贴一栏。"
    return PublicAnswer.objects.create(
        appeal=appeal,
        category=category("wages"),
        question="夜班费的新标准是多少,工资条上在哪里看?",
        answer=text,
        published_by=personas.cadre,
        search_tokens=search_tokens(normalize("夜班费的新标准是多少,工资条上在哪里看? " + text)),
    )


def test_similar_fragment_suggests_a_category_and_shows_open_duplicates_without_who(
    login, personas, company, htmx
):
    other = other_worker(company)
    earlier = make_appeal(unit=company.team2, by=other, text=NIGHT_PAY)

    response = login(personas.worker).post(
        SIMILAR, {"text": NIGHT_PAY, "origin_unit": str(company.team.pk)}, **htmx
    )

    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert "工资薪酬" in content and 'data-lx-category="wages"' in content
    assert earlier.number in content and earlier.title in content and "待受理" in content
    assert "刘二工" not in content and other.username not in content
    assert "HX-Request" in response["Vary"]


def test_similar_fragment_shows_published_answers(login, personas, company, htmx, published):
    content = login(personas.worker).post(SIMILAR, {"text": NIGHT_PAY}, **htmx).content.decode()

    assert published.question in content and "每班30元" in content


def test_similar_fragment_leaves_out_confidential_and_distress_appeals(login, personas, company, htmx):
    other = other_worker(company)
    secret = make_appeal(unit=company.team2, by=other, text=NIGHT_PAY, confidential=True)
    despair = "夜班费拖了三个月没发,工资条也看不到,我真的撑不下去了,家里等着用钱。"
    hurting = make_appeal(unit=company.team2, by=other, text=despair)
    assert hurting.flag_distress

    client = login(personas.worker)
    first = client.post(SIMILAR, {"text": NIGHT_PAY}, **htmx).content.decode()
    second = client.post(SIMILAR, {"text": despair}, **htmx).content.decode()

    assert secret.number not in first and hurting.number not in second
    assert "工资薪酬" in first  # the rest of the hints still come


def test_similar_fragment_shows_no_answer_on_another_subject(login, personas, company, htmx, published):
    text = "食堂晚上十点以后就没有热饭了,上夜班的工友只能吃泡面,能不能延长供应时间?"

    content = login(personas.worker).post(SIMILAR, {"text": text}, **htmx).content.decode()

    assert published.question not in content


def test_similar_says_nothing_for_a_few_characters(login, personas, company, htmx):
    content = login(personas.worker).post(SIMILAR, {"text": "工资"}, **htmx).content.decode()

    assert content.strip() == ""


def test_similar_without_htmx_gives_the_filled_in_page_with_the_hints(login, personas, company):
    response = login(personas.worker).post(
        SIMILAR, form_data(company, kind="help_request", anonymous="on", origin_unit=str(company.section.pk))
    )

    content = response.content.decode()
    assert response.status_code == 200 and "<html" in content and 'id="appeal-form"' in content
    assert NIGHT_PAY in content and "工资薪酬" in content
    assert 'value="help_request" autocomplete="off" checked' in content
    assert response.context["form"].initial["origin_unit"] == str(company.section.pk)
    assert not response.context["form"].errors
    assert not Appeal.objects.exists()


def test_similar_needs_a_login_and_a_post(client, login, personas, company):
    assert client.post(SIMILAR, {"text": NIGHT_PAY}).status_code == 302
    assert login(personas.worker).get(SIMILAR).status_code == 405


# --- my appeals ------------------------------------------------------------------------------------


def test_my_appeals_lists_only_my_named_ones(login, personas, company):
    mine = make_appeal(unit=company.team, by=personas.worker)
    hidden = make_appeal(unit=company.team, by=personas.worker, anonymous=True)
    theirs = make_appeal(unit=company.team2, by=other_worker(company))

    response = login(personas.worker).get(MINE)

    content = response.content.decode()
    assert mine.number in content and "待受理" in content
    assert hidden.number not in content and theirs.number not in content


def test_another_workers_appeal_is_404(login, personas, company):
    theirs = make_appeal(unit=company.team2, by=other_worker(company))

    client = login(personas.worker)

    assert client.get(mine_detail(theirs)).status_code == 404
    assert client.post(mine_detail(theirs), {"action": "withdraw"}).status_code == 404


def test_a_cadre_does_not_see_a_workers_appeal_as_their_own(login, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker)

    assert login(personas.cadre).get(mine_detail(appeal)).status_code == 404


def test_my_appeal_shows_the_deadline_in_plain_words_and_the_worker_visible_steps(login, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker)
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    appeal.refresh_from_db()
    services.appeal_assign(appeal=appeal, assigned_by=personas.cadre, assignee=personas.cadre)
    appeal.refresh_from_db()

    content = login(personas.worker).get(mine_detail(appeal)).content.decode()

    due = appeal.answer_due.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert f"预计 {due.month}月{due.day}日 前答复" in content
    assert "提交" in content and "受理" in content
    assert "指定经办人" not in content  # not a step shown to the worker
    assert 'id="withdraw"' in content and 'id="rate"' not in content and 'id="supplement"' not in content


def test_worker_withdraws_an_open_appeal(login, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker)

    response = login(personas.worker).post(
        mine_detail(appeal), {"action": "withdraw", "withdraw-reason": "已经解决了"}
    )

    appeal.refresh_from_db()
    assert response.status_code == 302 and appeal.state == State.WITHDRAWN
    assert appeal.events.get(action="withdrawn").actor == personas.worker


def test_supplement_answers_the_question_and_restarts_the_clock(login, personas, company):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))):
        appeal = make_appeal(unit=company.team, by=personas.worker)
        services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
        services.appeal_request_info(appeal=appeal, requested_by=personas.cadre, question="请提供工资条照片")
        appeal.refresh_from_db()
        due_before = appeal.answer_due
        page = login(personas.worker).get(mine_detail(appeal)).content.decode()
        assert "请提供工资条照片" in page and 'id="supplement"' in page and "暂停" in page
    with time_machine.travel(dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))):
        photo = SimpleUploadedFile("工资条.png", PNG, content_type="image/png")
        response = login(personas.worker).post(
            mine_detail(appeal),
            {
                "action": "supplement",
                "supplement-text": "工资条照片附上,三月份的。",
                "supplement-photos": [photo],
            },
        )

    appeal.refresh_from_db()
    assert response.status_code == 302
    assert appeal.paused_at is None and appeal.answer_due > due_before
    assert appeal.events.filter(action="info_provided").exists()
    assert appeal.attachments.count() == 1


def test_an_empty_supplement_shows_its_error(login, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker)
    services.appeal_request_info(appeal=appeal, requested_by=personas.cadre, question="请说明是哪个月")

    response = login(personas.worker).post(
        mine_detail(appeal), {"action": "supplement", "supplement-text": ""}
    )

    appeal.refresh_from_db()
    assert response.status_code == 422 and response.context["forms"]["supplement"].errors["text"]
    assert appeal.paused_at is not None


def test_rating_dissatisfied_on_the_page_reopens_at_the_parent_unit(login, personas, company):
    appeal = drive(make_appeal(unit=company.team, by=personas.worker), State.ANSWERED, handler=personas.cadre)
    client = login(personas.worker)
    page = client.get(mine_detail(appeal)).content.decode()
    assert 'id="rate"' in page and "评价截止" in page and "已协调相关部门解决" in page

    response = client.post(
        mine_detail(appeal), {"action": "rate", "rate-score": "dissatisfied", "rate-comment": "只补了一个月"}
    )

    appeal.refresh_from_db()
    assert response.status_code == 302
    assert appeal.state == State.ACCEPTED and appeal.handling_unit == company.secondary
    assert appeal.ratings.get().score == "dissatisfied"


def test_dissatisfied_without_a_reason_is_a_form_error(login, personas, company):
    appeal = drive(make_appeal(unit=company.team, by=personas.worker), State.ANSWERED, handler=personas.cadre)

    response = login(personas.worker).post(
        mine_detail(appeal), {"action": "rate", "rate-score": "dissatisfied"}
    )

    appeal.refresh_from_db()
    assert response.status_code == 422 and response.context["forms"]["rate"].errors["comment"]
    assert appeal.state == State.ANSWERED


def test_after_the_window_the_rating_form_is_gone(login, personas, company):
    appeal = drive(make_appeal(unit=company.team, by=personas.worker), State.ANSWERED, handler=personas.cadre)

    with time_machine.travel(appeal.answered_at + dt.timedelta(days=8)):
        content = login(personas.worker).get(mine_detail(appeal)).content.decode()
        response = login(personas.worker).post(
            mine_detail(appeal), {"action": "rate", "rate-score": "satisfied"}, follow=True
        )

    assert 'id="rate"' not in content and "评价期已过" in content
    assert "评价期已过" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == State.ANSWERED


# --- following an appeal by its code --------------------------------------------------------------


def test_track_asks_for_the_code_without_a_login(client, company):
    response = client.get(TRACK)

    assert response.status_code == 200 and 'id="track-form"' in response.content.decode()


def test_a_good_code_shows_the_appeal_and_a_bad_one_a_friendly_message(client, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker, anonymous=True)

    good = client.post(TRACK, {"code": appeal.track_code.lower()})
    bad = client.post(TRACK, {"code": "AAAA-BBBB-CCCC"})

    assert good.status_code == 200 and appeal.number in good.content.decode()
    assert bad.status_code == 200 and "查询码不正确" in bad.content.decode()
    assert appeal.number not in bad.content.decode()


def test_the_code_rides_in_the_form_never_in_a_link(client, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker, anonymous=True)

    content = client.post(TRACK, {"code": appeal.track_code}).content.decode()

    assert f'name="code" value="{appeal.track_code}"' in content
    assert f"={appeal.track_code}" not in content.replace(f'value="{appeal.track_code}"', "")


def test_many_wrong_codes_are_slowed_down(client, company):
    for _attempt in range(20):
        client.post(TRACK, {"code": "AAAA-BBBB-CCCC"})

    response = client.post(TRACK, {"code": "AAAA-BBBB-CCCC"})

    assert response.status_code == 429 and "尝试次数过多" in response.content.decode()


def test_rating_dissatisfied_by_code_reopens_at_the_parent_unit_and_names_nobody(client, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker, anonymous=True)
    code = appeal.track_code
    drive(appeal, State.ANSWERED, handler=personas.cadre)

    response = client.post(
        TRACK, {"code": code, "action": "rate", "rate-score": "dissatisfied", "rate-comment": "只补了一个月"}
    )

    appeal.refresh_from_db()
    assert response.status_code == 200 and "重新办理" in response.content.decode()
    assert appeal.state == State.ACCEPTED and appeal.handling_unit == company.secondary
    assert appeal.events.get(action="rated").actor is None


def test_an_action_with_a_wrong_code_does_nothing(client, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker, anonymous=True)

    response = client.post(TRACK, {"code": "AAAA-BBBB-CCCC", "action": "withdraw"})

    appeal.refresh_from_db()
    assert "查询码不正确" in response.content.decode() and appeal.state == State.SUBMITTED


def test_supplement_by_code(client, personas, company):
    appeal = make_appeal(unit=company.team, by=personas.worker, anonymous=True)
    services.appeal_request_info(appeal=appeal, requested_by=personas.cadre, question="请说明是哪个车间")

    response = client.post(
        TRACK, {"code": appeal.track_code, "action": "supplement", "supplement-text": "一炼钢车间甲班。"}
    )

    appeal.refresh_from_db()
    assert response.status_code == 200 and appeal.paused_at is None
    assert appeal.events.get(action="info_provided").actor is None


# --- 员工有问有答 -----------------------------------------------------------------------------------


def test_qa_needs_a_login(client, company):
    assert client.get(QA).status_code == 302


def test_qa_lists_and_searches_published_answers(login, personas, company, published, htmx):
    client = login(personas.worker)

    page = client.get(QA)
    found = client.get(QA, {"q": "夜班費"}, **htmx)  # traditional characters find simplified text
    missed = client.get(QA, {"q": "食堂"}, **htmx)
    other_category = client.get(QA, {"category": "safety"}, **htmx)

    assert published.question in page.content.decode() and 'id="qa-form"' in page.content.decode()
    assert published.question in found.content.decode() and "<html" not in found.content.decode()
    assert published.question not in missed.content.decode()
    assert published.question not in other_category.content.decode()


def test_withdrawn_answers_are_not_listed(login, personas, company, published):
    published.withdrawn_at = published.published_at
    published.save()

    assert published.question not in login(personas.worker).get(QA).content.decode()


def test_my_list_and_my_appeal_read_the_same_number_of_queries_however_much_they_hold(
    login, personas, company
):
    client = login(personas.worker)
    first = make_appeal(unit=company.team, by=personas.worker)
    with CaptureQueriesContext(connection) as few_rows:
        client.get(MINE)
    with CaptureQueriesContext(connection) as few_steps:
        client.get(mine_detail(first))
    for _n in range(4):
        make_appeal(unit=company.team, by=personas.worker)
    drive(first, State.ANSWERED, handler=personas.cadre)
    with CaptureQueriesContext(connection) as many_rows:
        client.get(MINE)
    with CaptureQueriesContext(connection) as many_steps:
        client.get(mine_detail(first))

    assert len(many_rows) == len(few_rows)
    assert len(many_steps) == len(few_steps)
