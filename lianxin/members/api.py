import datetime as dt

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field

from lianxin.core.api import ERRORS, Pagination
from lianxin.org.selectors import unit_get

from . import imports, selectors
from .models import EmploymentType, MemberStatus

router = Router(tags=["members"])


class MemberOut(Schema):
    id: int
    member_no: str
    name: str
    gender: str
    birth_date: dt.date | None
    id_number: str = Field(alias="id_number_masked", description="脱敏后的身份证号")
    phone: str = Field(alias="phone_masked", description="脱敏后的手机号")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    job: str
    employment_type: EmploymentType
    status: MemberStatus
    joined_on: dt.date | None
    left_on: dt.date | None


class MemberFilters(Schema):
    unit: int | None = Field(None, ge=1, description="单位及其下级")
    q: str = Field("", max_length=50, description="姓名、拼音、拼音首字母、会员号或手机尾号")
    employment_type: EmploymentType | None = None
    status: MemberStatus | None = None


class ImportErrorOut(Schema):
    row: int
    column: str
    value: str
    message: str


class ImportReportOut(Schema):
    batch_id: int
    status: str
    total_rows: int
    good_rows: int
    bad_rows: int
    imported_rows: int
    errors: list[ImportErrorOut]


@router.get("", response={200: list[MemberOut], **ERRORS}, summary="List members in scope")
@paginate(Pagination)
def member_list(request: HttpRequest, filters: Query[MemberFilters]):
    unit = unit_get(fetched_by=request.user, unit_id=filters.unit) if filters.unit else None
    return selectors.member_list(
        fetched_by=request.user,
        q=filters.q,
        unit=unit,
        employment_type=filters.employment_type or "",
        status=filters.status or "",
    )


@router.get("/{int:member_id}", response={200: MemberOut, **ERRORS}, summary="One member (masked)")
def member_detail(request: HttpRequest, member_id: int):
    return selectors.member_get(fetched_by=request.user, member_id=member_id)


@router.post(
    "/import",
    response={200: ImportReportOut, **ERRORS},
    summary="Import members from an Excel sheet",
)
def member_import(
    request: HttpRequest,
    file: UploadedFile = File(..., description="Excel(.xlsx)文件,第一行为列名"),
    unit: int = Form(..., ge=1, description="导入到该单位及其下级"),
    on_error: imports.OnError = Form(
        imports.OnError.REJECT_FILE,
        description="reject_file: 有错行则全部不导入;skip_bad_rows: 只导入无误的行",
    ),
):
    scope_unit = unit_get(fetched_by=request.user, unit_id=unit)
    batch = imports.member_import_check(
        content=imports.read_upload(file),
        filename=file.name or "members.xlsx",
        scope_unit=scope_unit,
        checked_by=request.user,
    )
    batch = imports.member_import_apply(batch=batch, on_error=on_error, applied_by=request.user)
    return imports.report_of(batch)
