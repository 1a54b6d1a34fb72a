"""Attachments: checked by their first bytes, stored out of the web's reach, served only to those in scope."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lianxin.appeals import attachments
from lianxin.appeals.models import Attachment
from lianxin.appeals.tests.factories import make_appeal
from lianxin.core.models import AccessLog, AuditEvent

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
HEIF = b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 64
TRACK = reverse("appeals:track")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIANXIN_ATTACHMENT_MAX_MB = 1


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def url(attachment: Attachment) -> str:
    return reverse("appeals:attachment", args=[attachment.token])


@pytest.fixture
def named(personas, company):
    return make_appeal(unit=company.team, by=personas.worker)


@pytest.fixture
def anonymous(personas, company):
    return make_appeal(unit=company.team, by=personas.worker, anonymous=True)


# --- checking and storing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type", "extension"),
    [
        (JPEG, "image/jpeg", ".jpg"),
        (PNG, "image/png", ".png"),
        (WEBP, "image/webp", ".webp"),
        (HEIC, "image/heic", ".heic"),
        (HEIF, "image/heif", ".heif"),
        (PDF, "application/pdf", ".pdf"),
    ],
)
def test_each_accepted_kind_is_known_by_its_first_bytes_whatever_its_name(
    named, personas, content, content_type, extension
):
    stored = attachments.attachment_add(
        appeal=named, upload=upload("随便叫什么.txt", content, "text/plain"), uploaded_by=personas.worker
    )

    assert stored.content_type == content_type and stored.extension == extension
    assert stored.file.name.endswith(stored.token + extension)


def test_a_web_page_named_jpg_is_refused(named, personas):
    fake = upload("photo.jpg", b"<!doctype html><html><script>alert(1)</script></html>", "image/jpeg")

    with pytest.raises(ValidationError) as caught:
        attachments.attachment_add(appeal=named, upload=fake, uploaded_by=personas.worker)

    assert caught.value.code == "bad_type"
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a" + b"\x00" * 64,
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"PK\x03\x04" + b"\x00" * 64,  # a zip, or a .docx
        b"\x00\x00\x00\x18ftypavif" + b"\x00" * 64,
        b"MZ" + b"\x00" * 64,
    ],
)
def test_other_kinds_are_refused(named, personas, content):
    with pytest.raises(ValidationError):
        attachments.attachment_add(appeal=named, upload=upload("x.jpg", content), uploaded_by=personas.worker)


def test_an_oversize_file_is_refused(named, personas):
    big = upload("big.jpg", JPEG + b"\x00" * (1024 * 1024))

    with pytest.raises(ValidationError) as caught:
        attachments.attachment_add(appeal=named, upload=big, uploaded_by=personas.worker)

    assert caught.value.code == "too_large" and "1 MB" in caught.value.messages[0]


def test_a_file_just_at_the_limit_is_taken(named, personas):
    exact = upload("exact.jpg", JPEG + b"\x00" * (1024 * 1024 - len(JPEG)))

    assert (
        attachments.attachment_add(appeal=named, upload=exact, uploaded_by=personas.worker).size
        == 1024 * 1024
    )


def test_an_appeal_takes_at_most_nine_files(named, personas):
    for n in range(9):
        attachments.attachment_add(appeal=named, upload=upload(f"{n}.png", PNG), uploaded_by=personas.worker)

    with pytest.raises(ValidationError) as caught:
        attachments.attachment_add(appeal=named, upload=upload("10.png", PNG), uploaded_by=personas.worker)

    assert caught.value.code == "too_many" and named.attachments.count() == 9


def test_files_are_stored_under_media_root_by_our_name_and_on_the_record(named, personas, settings):
    stored = attachments.attachment_add(
        appeal=named, upload=upload("../../etc/工资条.jpg", JPEG), uploaded_by=personas.worker
    )

    path = Path(stored.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT)) and path.read_bytes() == JPEG
    assert "工资条" not in stored.file.name and stored.original_name == "工资条.jpg"
    event = AuditEvent.objects.get(code="appeals.attachment.added")
    assert event.actor == personas.worker and event.detail["appeal"] == named.number


def test_an_anonymous_appeals_file_names_nobody(anonymous, personas):
    stored = attachments.attachment_add(
        appeal=anonymous, upload=upload("a.png", PNG), uploaded_by=personas.worker
    )

    assert stored.uploaded_by is None
    assert AuditEvent.objects.get(code="appeals.attachment.added").actor is None


def test_no_url_serves_the_media_directory(client, named, personas):
    stored = attachments.attachment_add(
        appeal=named, upload=upload("a.png", PNG), uploaded_by=personas.worker
    )

    assert client.get(f"/media/{stored.file.name}").status_code == 404
    assert client.get(f"/{stored.file.name}").status_code == 404


# --- serving -----------------------------------------------------------------------------------------


@pytest.fixture
def photo(named, personas):
    return attachments.attachment_add(
        appeal=named, upload=upload("现场.jpg", JPEG), uploaded_by=personas.worker
    )


def test_the_worker_who_raised_it_gets_the_photo_inline(login, personas, photo):
    response = login(personas.worker).get(url(photo))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not AccessLog.objects.exists()  # their own file


def test_a_pdf_is_downloaded_not_shown(login, personas, named):
    stored = attachments.attachment_add(
        appeal=named, upload=upload("证明.pdf", PDF), uploaded_by=personas.worker
    )

    response = login(personas.worker).get(url(stored))

    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("who", ["cadre", "parent_cadre", "administrator"])
def test_cadres_in_scope_get_it_and_the_look_is_logged(login, personas, photo, who):
    user = getattr(personas, who)

    response = login(user).get(url(photo))

    assert response.status_code == 200
    log = AccessLog.objects.get(user=user)
    assert log.action == "view" and log.subject == f"appeals.appeal:{photo.appeal_id}"
    assert log.detail["attachment"] == photo.token


@pytest.mark.parametrize("who", ["outsider", "liaison"])
def test_others_get_404(login, personas, photo, who):
    assert login(getattr(personas, who)).get(url(photo)).status_code == 404


def test_a_stranger_without_a_login_gets_404(client, photo):
    assert client.get(url(photo)).status_code == 404


def test_an_unknown_token_is_404(login, personas, photo):
    assert login(personas.worker).get(reverse("appeals:attachment", args=["0" * 32])).status_code == 404


def test_an_anonymous_appeals_file_needs_the_code_opened_in_this_session(client, login, personas, anonymous):
    stored = attachments.attachment_add(appeal=anonymous, upload=upload("a.png", PNG), uploaded_by=None)

    assert client.get(url(stored)).status_code == 404
    assert login(personas.worker).get(url(stored)).status_code == 404  # not "theirs": it names nobody

    client.post(TRACK, {"code": anonymous.track_code})

    assert client.get(url(stored)).status_code == 200


def test_opening_one_appeal_by_code_does_not_open_anothers_files(client, personas, company, anonymous):
    other = make_appeal(unit=company.team, by=personas.worker, anonymous=True)
    stored = attachments.attachment_add(appeal=other, upload=upload("a.png", PNG), uploaded_by=None)

    client.post(TRACK, {"code": anonymous.track_code})

    assert client.get(url(stored)).status_code == 404


def test_the_tracked_page_links_its_files(client, anonymous):
    stored = attachments.attachment_add(appeal=anonymous, upload=upload("现场.png", PNG), uploaded_by=None)

    content = client.post(TRACK, {"code": anonymous.track_code}).content.decode()

    assert url(stored) in content and "现场.png" in content


def test_a_missing_file_is_404_not_an_error(login, personas, photo):
    Path(photo.file.path).unlink()

    assert login(personas.worker).get(url(photo)).status_code == 404
