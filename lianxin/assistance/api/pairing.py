"""The pairing API (结对帮扶): pairings (names masked), one pairing with its visits (logged),
recording a visit, and who is behind on visits (走访不足).

A leader sees their own pairings whatever their role grants; a cadre sees those of households in
their assistance.view scope. Recording a visit follows the page's rules (views/pairing.py) through
the same service: the paired leader, or a cadre with assistance.record on the pairing's unit.

Answers beyond the shared ones (core/api.py): 422 `not_possible` for a step the pairing's state
does not allow (it has ended); 422 with the field's path for bad input (`body.visited_on` before
the pairing began). 404 for a pairing outside the caller's scope; 403 for a visit on a visible
pairing that is not the caller's to record.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from lianxin.core.api import ERRORS, Pagination
from lianxin.core.audit import access_log, target_of

from ..models import Pairing
from ..selectors import pairing as selectors
from ..services import pairing as services
from .common import answers_domain_errors
from .schemas_pairing import PairingFiltersIn, PairingListOut, PairingOut, PairingVisitIn, PairingVisitOut

router = Router()

ACTIVE = {"active": True, "ended": False, "all": None}


class ListPagination(Pagination):
    """The same pages, over a list already read (who is behind is worked out row by row)."""

    def _items_count(self, queryset) -> int:
        if isinstance(queryset, list):
            return len(queryset)
        return super()._items_count(queryset)


@router.get(
    "/pairings",
    response={200: list[PairingListOut], **ERRORS},
    summary="Pairings: the caller's own and those in scope (names masked)",
)
@paginate(Pagination)
def pairing_list(request: HttpRequest, filters: Query[PairingFiltersIn]):
    return selectors.pairing_list_visible(
        fetched_by=request.user, active=ACTIVE[filters.status], mine=filters.mine
    )


@router.get(
    "/pairings/behind",
    response={200: list[PairingListOut], **ERRORS},
    summary="Who is behind on visits (走访不足): active pairings in scope, the most behind first",
)
@paginate(ListPagination)
def pairing_behind_list(request: HttpRequest):
    return selectors.pairings_behind(fetched_by=request.user)


def _detail(request: HttpRequest, pairing: Pairing) -> Pairing:
    """The pairing with its visits; visit notes describe the household, so reading them is logged."""
    pairing.visit_rows = selectors.pairing_visits(pairing=pairing)
    access_log(
        user=request.user,
        action="view",
        subject=target_of(pairing.file),
        fields=["member", "visits"],
        request=request,
        pairing=pairing.pk,
        channel="api",
    )
    return pairing


@router.get(
    "/pairings/{int:pairing_id}",
    response={200: PairingOut, **ERRORS},
    summary="One pairing with its visits (logged as a view of personal data)",
)
def pairing_detail(request: HttpRequest, pairing_id: int):
    return _detail(request, selectors.pairing_get(fetched_by=request.user, pairing_id=pairing_id))


@router.post(
    "/pairings/{int:pairing_id}/visits",
    response={201: PairingVisitOut, **ERRORS},
    summary="Record a visit: the paired leader, or a cadre on the leader's behalf",
)
@answers_domain_errors
def pairing_visit_create(request: HttpRequest, pairing_id: int, payload: PairingVisitIn):
    user = request.user
    pairing = selectors.pairing_get(fetched_by=user, pairing_id=pairing_id)
    if not services.may_record_visit(user, pairing):
        raise PermissionDenied(_("只有结对领导或工会干部可以登记走访。"))
    visit = services.pairing_visit_record(
        actor=user,
        pairing=pairing,
        visited_on=payload.visited_on or timezone.localdate(),
        notes=payload.notes,
        brought=payload.brought,
        needs=payload.needs,
    )
    return Status(201, visit)
