"""The import pages: upload, report, then import the good rows or nothing."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lianxin.core.models import ImportBatch
from lianxin.members.models import Member
from lianxin.members.tests.factories import make_sheet, sheet_row, valid_id_number

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, company, content: bytes, name: str = "会员.xlsx"):
    return client.post(
        reverse("members:import"), {"unit": company.unit.pk, "file": SimpleUploadedFile(name, content, XLSX)}
    )


def mixed_sheet() -> bytes:
    good = valid_id_number(301)
    return make_sheet(
        [
            sheet_row("I0000001", "张伟", "U1-1-1", id_number=good),
            sheet_row("I0000002", "李娜", "U1-1-1", id_number=good[:-1] + ("0" if good[-1] != "0" else "1")),
            sheet_row("I0000003", "王芳", "U1-1-2"),
        ]
    )


def test_upload_checks_the_rows_and_shows_the_report_with_each_bad_row(login, personas, company):
    client = login(personas.cadre)

    response = upload(client, company, mixed_sheet())

    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "members:import_report", args=[batch.pk]
    )
    report = client.get(response["Location"]).content.decode()
    assert "身份证号校验位不正确。" in report and "导入无误的行" in report and "全部不导入" in report
    assert not Member.objects.filter(member_no__startswith="I").exists()


def test_import_the_good_rows_button_writes_only_them(login, personas, company):
    client = login(personas.cadre)
    upload(client, company, mixed_sheet())
    batch = ImportBatch.objects.get()

    response = client.post(reverse("members:import_apply", args=[batch.pk]), follow=True)

    assert sorted(Member.objects.filter(member_no__startswith="I").values_list("member_no", flat=True)) == [
        "I0000001",
        "I0000003",
    ]
    assert "已导入 2 名会员。" in response.content.decode()


def test_import_nothing_button_discards_the_batch(login, personas, company):
    client = login(personas.cadre)
    upload(client, company, mixed_sheet())
    batch = ImportBatch.objects.get()

    client.post(reverse("members:import_discard", args=[batch.pk]))

    assert ImportBatch.objects.get().status == ImportBatch.Status.DISCARDED
    assert not Member.objects.filter(member_no__startswith="I").exists()
    assert client.post(reverse("members:import_apply", args=[batch.pk])).status_code == 302
    assert not Member.objects.filter(member_no__startswith="I").exists()


def test_a_broken_file_is_a_form_error_not_a_500(login, personas, company):
    response = upload(login(personas.cadre), company, b"\x00\x01 this is no workbook", name="名单.xlsx")

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["无法读取该文件,请上传 Excel(.xlsx)文件。"]
    assert not ImportBatch.objects.exists()


def test_an_upload_without_a_file_or_unit_is_a_form_error(login, personas):
    response = login(personas.cadre).post(reverse("members:import"), {})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"file", "unit"}


def test_the_report_is_only_for_the_uploader(login, personas, company):
    upload(login(personas.cadre), company, mixed_sheet())
    batch = ImportBatch.objects.get()

    client = login(personas.parent_cadre)
    assert client.get(reverse("members:import_report", args=[batch.pk])).status_code == 404
    assert client.post(reverse("members:import_apply", args=[batch.pk])).status_code == 404
    assert client.post(reverse("members:import_discard", args=[batch.pk])).status_code == 404


def test_import_page_is_refused_to_those_without_the_right(login, personas):
    assert login(personas.liaison).get(reverse("members:import")).status_code == 403
    assert login(personas.worker).get(reverse("members:import")).status_code == 403


def test_import_page_offers_only_units_in_scope(login, personas, company):
    form = login(personas.cadre).get(reverse("members:import")).context["form"]

    offered = {value for value, _label in form.fields["unit"].choices if value}
    assert str(company.unit.pk) in offered and str(company.sibling.pk) not in offered


def test_the_template_downloads_as_a_workbook(login, personas):
    response = login(personas.cadre).get(reverse("members:import_template"))

    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response.content[:2] == b"PK"
