"""Near-identical open appeals on intake (MinHash over jieba tokens), and merging that answers all."""

import pytest
from django.core.exceptions import ValidationError

from lianxin.appeals import duplicates, services
from lianxin.appeals.models import DuplicateBand, State
from lianxin.appeals.tests.factories import drive, make_appeal
from lianxin.org.models import UnitLevel
from lianxin.org.tests.factories import make_unit

pytestmark = pytest.mark.django_db

AIRCON = "炼钢车间三号转炉旁的休息室空调坏了两个星期,夏天高温作业下来没地方降温,希望尽快维修。"
AIRCON_RETOLD = "炼钢车间三号转炉旁边的休息室空调坏了快两个星期了,夏天高温作业下来没地方降温,希望尽快修好。"
AIRCON_TRADITIONAL = "煉鋼車間三號轉爐旁的休息室空調壞了兩個星期,夏天高溫作業下來沒地方降溫,希望儘快維修。"
NIGHT_PAY = "我们班组这个月的夜班费没有按新标准发放,工资条上看不到明细,请工会帮忙问问人力资源部。"
NIGHT_PAY_RETOLD = "我们班组这个月夜班费没按新标准发,工资条上也看不到明细,请工会帮忙问一下人力资源部。"
CANTEEN = "食堂晚上十点以后就没有热饭了,上夜班的工友只能吃泡面,能不能延长供应时间?"


def submit(unit, by, text):
    return services.appeal_submit(submitted_by=by, origin_unit=unit, text=text, channel="hotline")


@pytest.fixture
def first(company, personas):
    return make_appeal(unit=company.team, by=personas.cadre, text=AIRCON)


def similar_to(intake):
    return [appeal for appeal, _score in intake.similar]


@pytest.mark.parametrize(
    "text", [AIRCON, AIRCON_RETOLD, AIRCON_TRADITIONAL], ids=["same", "retold", "traditional"]
)
def test_a_near_identical_appeal_is_found_on_intake(first, company, personas, text):
    intake = submit(company.team2, personas.cadre, text)
    assert similar_to(intake) == [first]
    assert intake.similar[0][1] >= duplicates.THRESHOLD


def test_a_few_words_changed_is_still_near_identical(company, personas):
    earlier = make_appeal(unit=company.team, by=personas.cadre, text=NIGHT_PAY)
    assert similar_to(submit(company.team, personas.cadre, NIGHT_PAY_RETOLD)) == [earlier]


def test_a_different_appeal_is_not_a_duplicate(first, company, personas):
    assert similar_to(submit(company.team, personas.cadre, CANTEEN)) == []
    assert similar_to(submit(company.team, personas.cadre, NIGHT_PAY)) == []


def test_a_sibling_unit_of_the_same_company_is_searched(first, company, personas):
    assert similar_to(submit(company.sibling_team, personas.outsider, AIRCON_RETOLD)) == [first]


def test_another_second_level_company_is_not_searched(first, company, personas):
    other = make_unit("燕钢矿业公司", UnitLevel.SECONDARY, company.group, code="S2")
    mine = make_unit("选矿厂", UnitLevel.UNIT, other, code="S2-1")
    assert similar_to(submit(mine, personas.administrator, AIRCON)) == []


def test_the_similar_list_shows_only_open_appeals_ranked_by_similarity(first, company, personas):
    retold = make_appeal(unit=company.team, by=personas.cadre, text=AIRCON_RETOLD)
    found = duplicates.similar_open(AIRCON, unit=company.team)
    assert [appeal for appeal, _score in found] == [first, retold]
    assert found[0][1] >= found[1][1]


@pytest.mark.parametrize("how", ["answered", "merged", "withdrawn", "rejected"])
def test_an_appeal_leaving_the_open_states_is_no_longer_a_candidate(first, company, personas, how):
    if how == "answered":
        drive(first, State.ANSWERED, handler=personas.cadre)
    elif how == "merged":
        target = make_appeal(unit=company.team, by=personas.cadre, text=CANTEEN)
        services.appeal_merge(appeal=first, merged_by=personas.cadre, into=target)
    elif how == "withdrawn":
        services.appeal_withdraw(appeal=first, withdrawn_by=personas.worker)
    else:
        services.appeal_reject(appeal=first, rejected_by=personas.cadre, reason="已在其他渠道处理")
    assert not DuplicateBand.objects.filter(appeal=first).exists()
    assert similar_to(submit(company.team, personas.cadre, AIRCON)) == []


def test_a_reopened_appeal_is_a_candidate_again(first, company, personas):
    drive(first, State.ANSWERED, handler=personas.cadre)
    services.appeal_rate(appeal=first, score="dissatisfied", comment="还是没修好")
    assert similar_to(submit(company.team, personas.cadre, AIRCON)) == [first]


def test_merging_into_an_answered_appeal_passes_its_answer_at_once(first, company, personas):
    drive(first, State.ANSWERED, handler=personas.cadre)
    late = make_appeal(unit=company.team, by=personas.worker, text=AIRCON_RETOLD)
    services.appeal_merge(appeal=late, merged_by=personas.cadre, into=first)
    late.refresh_from_db()
    assert late.state == State.MERGED and late.answer == "已协调相关部门解决,请您查看。"
    assert late.events.filter(action="answered", on_time=None).count() == 1


def test_an_answer_reaches_appeals_merged_in_a_chain(first, company, personas):
    middle = make_appeal(unit=company.team, by=personas.cadre, text=AIRCON_RETOLD)
    last = make_appeal(unit=company.team, by=personas.cadre, text=AIRCON_TRADITIONAL)
    services.appeal_merge(appeal=first, merged_by=personas.cadre, into=middle)
    services.appeal_merge(appeal=middle, merged_by=personas.cadre, into=last)
    drive(last, State.ANSWERED, handler=personas.cadre)
    for appeal in (first, middle):
        appeal.refresh_from_db()
        assert appeal.merged_into == last and appeal.answer == "已协调相关部门解决,请您查看。"


def test_a_reanswer_after_reopening_reaches_merged_appeals_too(first, company, personas):
    duplicate = make_appeal(unit=company.team, by=personas.cadre, text=AIRCON_RETOLD)
    services.appeal_merge(appeal=duplicate, merged_by=personas.cadre, into=first)
    drive(first, State.ANSWERED, handler=personas.cadre)
    services.appeal_rate(appeal=first, score="dissatisfied", comment="还是没修好")
    services.appeal_answer(appeal=first, answered_by=personas.parent_cadre, answer="股份公司已更换整台空调。")
    duplicate.refresh_from_db()
    assert duplicate.answer == "股份公司已更换整台空调。"


def test_an_appeal_cannot_be_merged_into_a_closed_one_or_itself(first, company, personas):
    closed = make_appeal(unit=company.team, by=personas.cadre, text=CANTEEN)
    drive(closed, State.CLOSED, handler=personas.cadre)
    with pytest.raises(ValidationError):
        services.appeal_merge(appeal=first, merged_by=personas.cadre, into=closed)
    with pytest.raises(ValidationError):
        services.appeal_merge(appeal=first, merged_by=personas.cadre, into=first)


def test_rejecting_an_appeal_gives_its_merged_copies_the_same_reason(first, company, personas):
    copy = make_appeal(unit=company.team, by=personas.worker, text=AIRCON_RETOLD)
    services.appeal_merge(appeal=copy, merged_by=personas.cadre, into=first)
    services.appeal_reject(appeal=first, rejected_by=personas.cadre, reason="休息室属承包方管理,请向物业反映")
    copy.refresh_from_db()
    assert copy.state == State.MERGED and copy.reject_reason == "休息室属承包方管理,请向物业反映"
    assert copy.events.filter(action="rejected", on_time=None, visible_to_worker=True).exists()


def test_withdrawing_an_appeal_hands_its_merged_copies_back_to_be_handled_on_their_own(
    first, company, personas
):
    services.appeal_accept(appeal=first, accepted_by=personas.cadre)
    copy = make_appeal(unit=company.team, by=personas.worker, text=AIRCON_RETOLD)
    services.appeal_accept(appeal=copy, accepted_by=personas.cadre)
    services.appeal_merge(appeal=copy, merged_by=personas.cadre, into=first)
    first.refresh_from_db()

    services.appeal_withdraw(appeal=first, track_code=first.track_code)

    copy.refresh_from_db()
    assert copy.state == State.ACCEPTED and copy.merged_into is None and copy.closed_at is None
    assert copy.events.last().action == "reopened" and first.number in copy.events.last().note
    assert DuplicateBand.objects.filter(appeal=copy).exists()
