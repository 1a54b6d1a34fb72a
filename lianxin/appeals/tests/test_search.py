"""Full-text search: jieba tokens, traditional and simplified alike, FTS5 on SQLite, tsvector on PostgreSQL."""

import datetime as dt

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.utils import timezone

from lianxin.appeals import selectors, services
from lianxin.appeals.models import Appeal, State
from lianxin.appeals.search import apply_search, fts5_query, query_terms, query_words
from lianxin.appeals.selectors import AppealFilters, appeal_list, public_answer_list
from lianxin.appeals.tests.factories import drive, make_appeal
from lianxin.core.permissions import forget_scope
from lianxin.org import services as org_services

pytestmark = pytest.mark.django_db

WAGES = "我们车间的工资已经拖欠三个月了,家里房贷都还不上,希望工会帮忙讨个说法。"
CANTEEN = "食堂晚上十点以后就没有热饭了,上夜班的工友只能吃泡面。"
SIBLING_WAGES = "轧钢厂热轧车间的工资也拖欠两个月了,大家很着急。"


@pytest.fixture
def appeals(company, personas):
    return {
        "wages": make_appeal(unit=company.team, by=personas.worker, text=WAGES),
        "canteen": make_appeal(unit=company.team, by=personas.worker, text=CANTEEN),
        "sibling": make_appeal(unit=company.sibling_team, by=personas.outsider, text=SIBLING_WAGES),
    }


def search(user, q, **filters):
    return list(appeal_list(fetched_by=user, filters=AppealFilters(q=q, **filters)))


def test_query_words_are_simplified_and_cut_by_jieba():
    assert query_words("工資拖欠") == ["工资", "拖欠"]
    assert query_words("  ,。!  ") == []


def test_a_traditional_query_finds_simplified_text(appeals, personas):
    assert search(personas.cadre, "工資") == [appeals["wages"]]
    assert search(personas.cadre, "食堂熱飯") == [appeals["canteen"]]


def test_simplified_query_finds_text_written_in_traditional(company, personas):
    appeal = make_appeal(unit=company.team, by=personas.worker, text="宿舍熱水器壞了一個禮拜,冬天洗不了澡。")
    assert search(personas.cadre, "热水器") == [appeal]


def test_words_match_in_any_order(appeals, personas):
    assert search(personas.cadre, "三个月 拖欠 工资") == [appeals["wages"]]
    assert search(personas.cadre, "工资拖欠") == [appeals["wages"]]


def test_every_word_must_occur(appeals, personas):
    assert search(personas.cadre, "工资 食堂") == []


def test_no_match_finds_nothing(appeals, personas):
    assert search(personas.cadre, "劳保手套") == []


def test_an_outsider_does_not_find_appeals_outside_their_scope(appeals, personas):
    assert search(personas.outsider, "工资 拖欠") == [appeals["sibling"]]
    assert search(personas.parent_cadre, "工资 拖欠") == [appeals["sibling"], appeals["wages"]]
    assert search(personas.worker, "工资") == []


def test_search_composes_with_other_filters_and_pagination(appeals, company, personas):
    more = [
        make_appeal(unit=company.team, by=personas.worker, text=f"第{n}车间工资拖欠,请尽快解决。")
        for n in range(3)
    ]
    drive(more[0], State.ACCEPTED, handler=personas.cadre)
    found = appeal_list(fetched_by=personas.parent_cadre, filters=AppealFilters(q="拖欠", unit=company.unit))
    page = Paginator(found, 2).page(2)
    assert page.paginator.count == 4
    assert len(page.object_list) == 2
    accepted = search(personas.cadre, "拖欠", state=State.ACCEPTED)
    assert accepted == [Appeal.objects.get(pk=more[0].pk)]
    # As a subquery too (aliases are relabelled, not pasted as text).
    ids = Appeal.objects.filter(pk__in=apply_search(Appeal.objects.all(), "工资").values("pk"))
    assert set(ids) == {appeals["wages"], appeals["sibling"], *more}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('工资" OR "食堂', []),
        ("NEAR(工资 食堂)", []),
        ("search_tokens:工资", []),
        ("AND OR NOT", []),
        ("工资 & 食堂 | !", []),
        ("工资*", ["wages"]),
        ("-食堂", ["canteen"]),
        ("^工资", ["wages"]),
        ("'工资'", ["wages"]),
    ],
)
def test_search_syntax_in_a_query_is_taken_as_plain_words(appeals, personas, q, expected):
    assert search(personas.cadre, q) == [appeals[key] for key in expected]


def test_a_query_without_words_does_not_filter(appeals, personas):
    assert len(search(personas.cadre, '" * ( )')) == 2


def test_query_terms_are_quoted_for_fts5():
    assert fts5_query(query_terms('工资" OR x')) == '"工资" AND "or" AND "x"'


def test_changed_tokens_are_found_and_old_ones_forgotten(appeals, personas):
    appeal = appeals["canteen"]
    Appeal.objects.filter(pk=appeal.pk).update(search_tokens="澡堂 热水")
    assert search(personas.cadre, "澡堂") == [appeal]
    assert search(personas.cadre, "食堂") == []
    appeal.refresh_from_db()
    appeal.search_tokens = "食堂 夜班"
    appeal.save()
    assert search(personas.cadre, "食堂") == [appeal]


def test_published_answers_are_searched_in_traditional_too(company, personas):
    appeal = make_appeal(unit=company.team, by=personas.worker, text=CANTEEN, publish_consent=True)
    drive(appeal, State.ANSWERED, handler=personas.cadre)
    services.public_answer_publish(
        appeal=appeal,
        published_by=personas.cadre,
        question="夜班工友在食堂吃不上热饭怎么办?",
        answer="食堂已延长夜间供餐到凌晨两点。",
    )
    assert [p.appeal_id for p in public_answer_list(q="夜班 熱飯")] == [appeal.pk]
    assert list(public_answer_list(q="工资")) == []


def test_appeal_search_and_public_answer_search_use_their_own_index(company, personas):
    appeal = make_appeal(unit=company.team, by=personas.worker, text=WAGES, publish_consent=True)
    drive(appeal, State.ANSWERED, handler=personas.cadre)
    services.public_answer_publish(
        appeal=appeal,
        published_by=personas.cadre,
        question="班组长换人后谁来排班?",
        answer="由车间统一排班。",
    )
    assert list(selectors.public_answer_list(q="工资")) == []
    assert search(personas.cadre, "排班") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 triggers exist on SQLite only")
def test_fts5_tables_and_triggers_exist_after_all_migrations():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'appeals_%_fts_%'"
        )
        triggers = {row[0] for row in cursor.fetchall()}
    expected = {
        f"appeals_{model}_fts_{op}" for model in ("appeal", "publicanswer") for op in ("ai", "ad", "au")
    }
    assert triggers == expected


def test_pages_of_a_search_run_newest_first_across_months_and_years(company, personas):
    now = timezone.now()
    made = []
    for days in (0, 10, 59, 61, 200, 364, 366, 800, 800, 3):
        appeal = make_appeal(unit=company.team, by=personas.worker, text=CANTEEN)
        Appeal.objects.filter(pk=appeal.pk).update(received_at=now - dt.timedelta(days=days))
        made.append((days, appeal.pk))
    make_appeal(unit=company.team, by=personas.worker, text=WAGES)
    newest_first = [pk for _days, pk in sorted(made, key=lambda item: (item[0], -item[1]))]

    found = appeal_list(fetched_by=personas.cadre, filters=AppealFilters(q="食堂"))
    for size in (1, 3, 4, 10):
        paginator = Paginator(found, size)
        pages = [[a.pk for a in paginator.page(n).object_list] for n in paginator.page_range]
        assert [pk for page in pages for pk in page] == newest_first
    assert [a.pk for a in found] == newest_first
    assert found[2].pk == newest_first[2]


def test_a_unit_filter_narrows_a_search(appeals, company, personas):
    assert search(personas.parent_cadre, "工资 拖欠", unit=company.unit) == [appeals["wages"]]
    assert search(personas.parent_cadre, "工资 拖欠", unit=company.sibling) == [appeals["sibling"]]
    assert search(personas.parent_cadre, "食堂", unit=company.sibling) == []


def test_a_unit_path_typed_as_a_query_finds_nothing(appeals, company, personas):
    assert search(personas.parent_cadre, company.team.path) == []
    assert search(personas.parent_cadre, "#" + company.team.path) == []


def test_searches_follow_a_unit_moved_to_another_parent(appeals, company, personas):
    org_services.unit_move(unit=company.section, new_parent=company.sibling, moved_by=personas.parent_cadre)
    for user in (personas.cadre, personas.outsider, personas.parent_cadre):
        forget_scope(user)

    assert search(personas.cadre, "工资") == []
    assert search(personas.outsider, "工资 拖欠") == [appeals["sibling"], appeals["wages"]]
    assert search(personas.parent_cadre, "食堂", unit=company.sibling) == [appeals["canteen"]]


def test_tokens_written_after_the_appeal_are_found_in_scope(company, personas):
    # Intake may leave the tokens to a task that writes them after the commit.
    appeal = make_appeal(unit=company.team, by=personas.worker, text=CANTEEN)
    Appeal.objects.filter(pk=appeal.pk).update(search_tokens="")
    assert search(personas.cadre, "食堂") == []
    Appeal.objects.filter(pk=appeal.pk).update(search_tokens="食堂 夜班 热饭")
    assert search(personas.cadre, "食堂") == [appeal]
    assert search(personas.outsider, "食堂") == []


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL only")
def test_postgresql_search_can_use_the_gin_index(appeals, personas):
    assert "appeals_appeal_fts" in _plan(apply_search(Appeal.objects.all(), "工资 拖欠"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="unit lexemes exist on PostgreSQL only")
def test_postgresql_text_index_alone_keeps_a_search_inside_the_units(appeals, company):
    def within(*paths):
        return list(apply_search(Appeal.objects.order_by("pk"), "工资 拖欠", within=[list(paths)]))

    assert within(company.unit.path) == [appeals["wages"]]
    assert within(company.sibling_team.path) == [appeals["sibling"]]
    assert within(company.team2.path) == []
    assert within(company.team2.path, company.secondary.path) == [appeals["wages"], appeals["sibling"]]
