"""The hardship-file API: list (names masked), open, one file (logged), review and exit.

Answers beyond the shared ones (core/api.py): 409 `conflict` when the file changed under the
caller (`version` is stale); 422 `not_possible` for a step the file's state does not allow (an
exited file); 422 with the field's path for bad input (`body.persons.1.monthly_income`). 404 for
anything outside the caller's scope; 403 for a step on a visible file that is not the caller's
to take.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from lianxin.core.api import ERRORS, Pagination
from lianxin.core.audit import access_log, target_of
from lianxin.core.capabilities import ASSISTANCE_VIEW
from lianxin.core.permissions import get_object_in_scope, scope_q
from lianxin.org.models import Unit

from ..models import HardshipFile
from ..selectors import files as selectors
from ..services import files as services
from .common import WITH_CONFLICTS, answers_domain_errors
from .schemas_files import ExitIn, FileFiltersIn, FileIn, FileListOut, FileOut, ReviewIn

router = Router(tags=["assistance"])

DETAIL_FIELDS = ["member", "persons", "incomes", "address", "situation", "documents"]


def _detail(request: HttpRequest, file: HardshipFile) -> HardshipFile:
    """The file with its household, documents and history, read and logged as a view."""
    file = selectors.file_get(fetched_by=request.user, file_id=file.pk)
    file.person_rows = selectors.file_persons(file=file)
    file.document_rows = selectors.file_documents(file=file)
    file.event_rows = selectors.file_events(file=file)
    detail = {"number": file.number, "channel": "api"}
    if selectors.file_seen_through_pairing(fetched_by=request.user, file=file):
        detail["via"] = "pairing"
    access_log(
        user=request.user,
        action="view",
        subject=target_of(file),
        fields=DETAIL_FIELDS,
        request=request,
        **detail,
    )
    return file


def _persons(rows) -> list[dict]:
    return [row.model_dump() for row in rows]


@router.get("/files", response={200: list[FileListOut], **ERRORS}, summary="List hardship files in scope")
@paginate(Pagination)
def file_list(request: HttpRequest, filters: Query[FileFiltersIn]):
    unit = None
    if filters.unit:
        unit = get_object_in_scope(
            Unit.objects.filter(scope_q(request.user, ASSISTANCE_VIEW)), pk=filters.unit
        )
    chosen = selectors.FileFilters(
        level=filters.level or "",
        status=filters.status or "",
        unit=unit,
        review_due=filters.review_due or "",
        q=filters.q,
    )
    return selectors.file_list(fetched_by=request.user, filters=chosen)


@router.post("/files", response={201: FileOut, **WITH_CONFLICTS}, summary="Open a hardship file")
@answers_domain_errors
def file_open(request: HttpRequest, payload: FileIn):
    user = request.user
    errors = {}
    try:
        member = selectors.member_for_file(fetched_by=user, member_id=payload.member)
    except Http404:
        errors["member"] = _("没有这名职工,或不在您可以建档的范围内。")
    appeal = None
    if payload.appeal is not None:
        from lianxin.appeals.selectors import appeal_get

        try:
            appeal = appeal_get(fetched_by=user, appeal_id=payload.appeal)
        except Http404:
            errors["appeal"] = _("没有这件诉求,或不在您的范围内。")
    if errors:
        raise ValidationError(errors)
    file = services.file_open(
        actor=user,
        member=member,
        causes=[str(cause) for cause in payload.causes],
        situation=payload.situation,
        persons=_persons(payload.persons),
        address=payload.address,
        level=payload.level,
        appeal=appeal,
    )
    return Status(201, _detail(request, file))


@router.get("/files/{int:file_id}", response={200: FileOut, **ERRORS}, summary="One hardship file (logged)")
def file_detail(request: HttpRequest, file_id: int):
    return _detail(request, selectors.file_get(fetched_by=request.user, file_id=file_id))


@router.post(
    "/files/{int:file_id}/actions/review",
    response={200: FileOut, **WITH_CONFLICTS},
    summary="The yearly review: the household as found, the level, the next review a year on",
)
@answers_domain_errors
def file_review(request: HttpRequest, file_id: int, payload: ReviewIn):
    file = selectors.file_get(fetched_by=request.user, file_id=file_id)
    file = services.file_review(
        actor=request.user,
        file=file,
        version=payload.version,
        note=payload.note,
        reviewed_on=payload.reviewed_on,
        causes=[str(cause) for cause in payload.causes] if payload.causes is not None else None,
        situation=payload.situation,
        persons=_persons(payload.persons) if payload.persons is not None else None,
        address=payload.address,
        level=payload.level,
    )
    return _detail(request, file)


@router.post(
    "/files/{int:file_id}/actions/exit",
    response={200: FileOut, **WITH_CONFLICTS},
    summary="The family leaves hardship (脱困), with the reason",
)
@answers_domain_errors
def file_exit(request: HttpRequest, file_id: int, payload: ExitIn):
    file = selectors.file_get(fetched_by=request.user, file_id=file_id)
    file = services.file_exit(
        actor=request.user, file=file, version=payload.version, reason=payload.reason, on=payload.exited_on
    )
    return _detail(request, file)
