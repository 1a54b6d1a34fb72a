"""Pairing and follow-up pages: who may, who may not, who gets 404; a leader on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.assistance.models import Application, Pairing, Visit
from lianxin.assistance.tests.factories import make_file
from lianxin.assistance.tests.test_pairing_services import paid_application, pairing_since, visits
from lianxin.core.models import AccessLog
from lianxin.core.tests.factories import UserFactory, grant
from lianxin.members.tests.factories import make_member

pytestmark = pytest.mark.django_db

PAIRINGS = reverse("assistance:pairings")
MINE = reverse("assistance:my_pairings")
FOLLOW_UPS = reverse("assistance:follow_ups")


@pytest.fixture
def supervisor(company):
    user = UserFactory(username="supervisor", full_name="吴督查")
    grant(user, company.secondary, "supervisor")
    return user


# --- the pairings in scope, and who is behind ----------------------------------------------------


def test_the_pairings_list_masks_names_and_the_behind_tab_lists_who_is_behind(login, aid):
    behind = pairing_since(aid, 400)
    visits(aid, behind, 30)
    on_track = Pairing.objects.create(
        file=make_file(aid.other_member, aid.cadre),
        leader=aid.chairman,
        unit=aid.file.unit,
        created_by=aid.cadre,
    )
    response = login(aid.cadre).get(PAIRINGS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "王*工" in html and "王小工" not in html
    assert {p.pk for p in response.context["page"].object_list} == {behind.pk, on_track.pk}
    response = login(aid.cadre).get(PAIRINGS, {"tab": "behind"})
    assert [(p.pk, p.visits_done, p.visits_required) for p in response.context["page"].object_list] == [
        (behind.pk, 1, 4)
    ]


def test_the_pairings_list_reads_a_page_in_a_fixed_number_of_queries(
    login, aid, company, django_assert_max_num_queries
):
    pairing_since(aid, 10)
    client = login(aid.cadre)
    client.get(PAIRINGS)
    with CaptureQueriesContext(connection) as one:
        client.get(PAIRINGS)
    for index in range(10):
        file = make_file(make_member(company.team2, f"职工{index}"), aid.cadre)
        Pairing.objects.create(file=file, leader=aid.leader, unit=file.unit, created_by=aid.cadre)
    with django_assert_max_num_queries(len(one)):
        response = client.get(PAIRINGS)
    assert len(response.context["page"].object_list) == 11


def test_the_pairings_list_is_for_those_who_view_and_sends_a_paired_leader_to_their_own(login, aid):
    assert login(aid.worker).get(PAIRINGS).status_code == 403
    pairing_since(aid, 10)
    response = login(aid.leader).get(PAIRINGS)
    assert response.status_code == 302 and response.url == MINE


# --- a leader's own pairings ---------------------------------------------------------------------


def test_my_pairings_lists_the_leaders_households_with_what_is_owed(login, aid):
    pairing = pairing_since(aid, 200)
    response = login(aid.leader).get(MINE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "王*工家庭" in html and "该去走访了" in html
    assert [(p.pk, p.visits_required) for p in response.context["pairings"]] == [(pairing.pk, 2)]
    assert response.context["pairings"] and "王小工" not in html


def test_my_pairings_is_empty_for_someone_paired_with_nobody(login, aid):
    pairing_since(aid, 10)
    response = login(aid.chairman).get(MINE)
    assert response.context["pairings"] == []
    assert "您目前没有结对" in response.content.decode()


def test_my_pairings_reads_in_a_fixed_number_of_queries(login, aid, company, django_assert_max_num_queries):
    pairing_since(aid, 10)
    client = login(aid.leader)
    client.get(MINE)
    with CaptureQueriesContext(connection) as one:
        client.get(MINE)
    for index in range(5):
        file = make_file(make_member(company.team2, f"职工{index}"), aid.cadre)
        Pairing.objects.create(file=file, leader=aid.leader, unit=file.unit, created_by=aid.cadre)
    with django_assert_max_num_queries(len(one)):
        response = client.get(MINE)
    assert len(response.context["pairings"]) == 6


# --- pairing a leader with a household -------------------------------------------------------------


def test_a_cadre_pairs_a_leader_from_the_files_page(login, aid):
    url = reverse("assistance:pairing_new") + f"?file={aid.file.pk}"
    response = login(aid.cadre).get(url)
    assert response.status_code == 200
    assert aid.leader in response.context["form"].leaders.values()
    data = {"leader": aid.leader.pk, "visits_per_year": 4, "started_on": timezone.localdate().isoformat()}
    response = login(aid.cadre).post(url, data)
    assert response.status_code == 302
    assert Pairing.objects.get(file=aid.file).leader == aid.leader


def test_pairing_is_404_outside_scope_and_403_without_the_record_capability(login, aid):
    url = reverse("assistance:pairing_new") + f"?file={aid.file.pk}"
    assert login(aid.outsider).get(url).status_code == 404
    assert login(aid.treasurer).get(url).status_code == 403
    assert login(aid.leader).post(url, {"leader": aid.leader.pk, "visits_per_year": 4}).status_code == 404


# --- one pairing, a visit on a phone --------------------------------------------------------------


def test_the_leader_opens_the_pairing_and_it_is_logged(login, aid):
    pairing = pairing_since(aid, 10)
    response = login(aid.leader).get(reverse("assistance:pairing_detail", args=[pairing.pk]))
    assert response.status_code == 200
    assert response.context["visit_form"] is not None and response.context["end_form"] is None
    assert AccessLog.objects.get(user=aid.leader).fields == ["visits"]


def test_the_leader_records_a_visit_and_bad_input_comes_back_on_the_field(login, aid):
    pairing = pairing_since(aid, 10)
    url = reverse("assistance:pairing_visit", args=[pairing.pk])
    response = login(aid.leader).post(url, {"visited_on": timezone.localdate().isoformat(), "notes": ""})
    assert response.status_code == 422
    assert response.context["visit_form"].errors["notes"]
    data = {"visited_on": timezone.localdate().isoformat(), "notes": "孩子期末考了第三名,家里暖气已修好。"}
    response = login(aid.leader).post(url, data)
    assert response.status_code == 302
    visit = Visit.objects.get(pairing=pairing)
    assert (visit.visitor, visit.notes) == (aid.leader, "孩子期末考了第三名,家里暖气已修好。")


def test_visits_and_ending_answer_each_person_as_their_role_allows(login, aid, company, supervisor):
    pairing = pairing_since(aid, 10)
    visit = reverse("assistance:pairing_visit", args=[pairing.pk])
    end = reverse("assistance:pairing_end", args=[pairing.pk])
    data = {"visited_on": timezone.localdate().isoformat(), "notes": "走访"}
    other_leader = UserFactory(username="other_leader", full_name="李厂长")
    grant(other_leader, company.unit, "leader")
    assert login(aid.outsider).post(visit, data).status_code == 404
    assert login(other_leader).post(visit, data).status_code == 404
    assert login(supervisor).post(visit, data).status_code == 403
    assert login(aid.leader).post(end, {"reason": "调动"}).status_code == 403
    assert not pairing.visits.exists()
    assert login(aid.cadre).post(end, {"reason": "领导调动"}).status_code == 302
    pairing.refresh_from_db()
    assert pairing.ended_on == timezone.localdate()


# --- follow-ups ----------------------------------------------------------------------------------


def test_the_follow_ups_page_lists_missing_follow_ups_with_names_masked(login, aid):
    late = paid_application(aid, paid_days_ago=40)
    soon = paid_application(aid, member=aid.other_member, paid_days_ago=5)
    response = login(aid.cadre).get(FOLLOW_UPS)
    assert response.status_code == 200
    assert [a.pk for a in response.context["page"].object_list] == [late.pk, soon.pk]
    html = response.content.decode()
    assert "王*工" in html and "王小工" not in html
    response = login(aid.cadre).get(FOLLOW_UPS, {"tab": "overdue"})
    assert [a.pk for a in response.context["page"].object_list] == [late.pk]
    assert login(aid.worker).get(FOLLOW_UPS).status_code == 403
    assert login(aid.outsider).get(FOLLOW_UPS).context["page"].object_list == []


def test_the_follow_ups_page_reads_in_a_fixed_number_of_queries(login, aid, django_assert_max_num_queries):
    paid_application(aid)
    client = login(aid.cadre)
    client.get(FOLLOW_UPS)
    with CaptureQueriesContext(connection) as one:
        client.get(FOLLOW_UPS)
    for _ in range(8):
        paid_application(aid, member=aid.other_member)
    with django_assert_max_num_queries(len(one)):
        response = client.get(FOLLOW_UPS)
    assert len(response.context["page"].object_list) == 9


def test_recording_a_follow_up_on_the_page_marks_the_aid_followed_up(login, aid):
    application = paid_application(aid, file=aid.file)
    url = reverse("assistance:follow_up_new", args=[application.pk])
    assert login(aid.cadre).get(url).status_code == 200
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "aid_arrived": "yes",
        "effect": "somewhat",
        "notes": "慰问金已到账,交了取暖费。",
        "needs": "",
    }
    response = login(aid.cadre).post(url, data)
    assert response.status_code == 302 and response.url == FOLLOW_UPS
    application.refresh_from_db()
    assert application.followed_up_on == timezone.localdate()
    assert Visit.objects.get(application=application).aid_arrived is True


def test_a_follow_up_without_the_arrival_answer_comes_back_with_the_error(login, aid):
    application = paid_application(aid)
    url = reverse("assistance:follow_up_new", args=[application.pk])
    response = login(aid.cadre).post(url, {"visited_on": timezone.localdate().isoformat(), "notes": "x"})
    assert response.status_code == 422
    assert response.context["form"].errors["aid_arrived"]
    assert Application.objects.get(pk=application.pk).followed_up_on is None


def test_follow_ups_are_404_outside_scope_and_403_without_the_record_capability(login, aid):
    application = paid_application(aid)
    url = reverse("assistance:follow_up_new", args=[application.pk])
    assert login(aid.outsider).get(url).status_code == 404
    assert login(aid.treasurer).get(url).status_code == 403
    day = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert (
        login(aid.leader).post(url, {"visited_on": day, "aid_arrived": "yes", "notes": "x"}).status_code
        == 404
    )
