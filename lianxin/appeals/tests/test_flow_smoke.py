from lianxin.appeals import services
from lianxin.appeals.models import Appeal, State
from lianxin.appeals.tests.factories import make_appeal, make_department


def test_six_steps_with_reopening_at_the_parent_unit(personas, company, django_capture_on_commit_callbacks):
    appeal = make_appeal(unit=company.team, by=personas.worker, anonymous=True)
    assert appeal.number.startswith("SS-")
    assert appeal.track_code and appeal.is_anonymous and appeal.member is None and appeal.submitted_by is None
    assert appeal.handling_unit == company.unit  # the nearest unit whose cadres handle appeals
    services.appeal_accept(appeal=appeal, accepted_by=personas.cadre)
    services.appeal_send_to_deliberation(appeal=appeal, sent_by=personas.cadre)
    hr = make_department(company.unit, handlers=[personas.outsider])
    referral = services.appeal_refer(appeal=appeal, referred_by=personas.cadre, department=hr, note="请核实")
    services.referral_answer(referral=referral, answered_by=personas.outsider, answer="已补发")
    services.appeal_answer(appeal=appeal, answered_by=personas.cadre, answer="人力资源部已补发夜班费")
    services.appeal_rate(appeal=appeal, score="dissatisfied", comment="只补了一个月")
    appeal.refresh_from_db()
    assert (
        appeal.state == State.ACCEPTED
        and appeal.handling_unit == company.secondary
        and appeal.reopen_count == 1
    )
    services.appeal_start(appeal=appeal, started_by=personas.parent_cadre)
    services.appeal_answer(appeal=appeal, answered_by=personas.parent_cadre, answer="三个月全部补发到位")
    services.appeal_rate(appeal=appeal, score="satisfied")
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.state == State.CLOSED
    assert list(appeal.events.values_list("action", flat=True)) == [
        "submitted",
        "accepted",
        "deliberation",
        "referred",
        "referral_answered",
        "answered",
        "rated",
        "reopened",
        "started",
        "answered",
        "rated",
        "closed",
    ]
