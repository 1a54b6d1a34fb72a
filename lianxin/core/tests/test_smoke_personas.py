from lianxin.core.capabilities import MEMBERS_VIEW
from lianxin.core.permissions import has_unit_permission


def test_cadre_of_a_unit_covers_its_subtree_but_not_a_sibling(personas, company):
    assert has_unit_permission(personas.cadre, company.team, MEMBERS_VIEW)
    assert not has_unit_permission(personas.cadre, company.sibling_team, MEMBERS_VIEW)
    assert has_unit_permission(personas.parent_cadre, company.sibling_team, MEMBERS_VIEW)
    assert not has_unit_permission(personas.worker, company.team, MEMBERS_VIEW)
