import pytest

pytestmark = pytest.mark.django_db


def token_for(client, username: str, password: str = "pass-word-123") -> str:
    response = client.post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_token_from_username_and_password_opens_the_api(client, personas, company):
    token = token_for(client, "cadre")
    response = client.get("/api/v1/org/units", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    names = [unit["name"] for unit in response.json()["items"]]
    assert "炼钢厂" in names
    assert "轧钢厂" not in names


def test_no_token_answers_401_in_the_one_error_shape(client, company):
    response = client.get("/api/v1/org/units")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response.json()["errors"] == []


def test_a_wrong_token_answers_401(client, company):
    response = client.get("/api/v1/org/units", headers={"Authorization": "Bearer lx_not-a-token"})
    assert response.status_code == 401


def test_wrong_password_gets_no_token(client, personas):
    response = client.post(
        "/api/v1/auth/token", {"username": "cadre", "password": "wrong"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "bad_credentials"
    assert "token" not in response.json()


def test_bad_input_answers_422_with_the_field_path(client, personas):
    token = token_for(client, "cadre")
    response = client.get("/api/v1/org/units?parent=abc", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert any(error["path"].endswith("parent") for error in body["errors"])


def test_token_body_missing_a_field_answers_422(client, db):
    response = client.post("/api/v1/auth/token", {"username": "x"}, content_type="application/json")
    assert response.status_code == 422
    assert any(error["path"].endswith("password") for error in response.json()["errors"])


def test_logged_in_browser_session_can_read_the_api(client, personas):
    client.force_login(personas.cadre)
    assert client.get("/api/v1/org/units").status_code == 200


def test_openapi_spec_and_docs_are_served(client, db):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/org/units",
        "/api/v1/org/units/{unit_id}",
        "/api/v1/org/units/{unit_id}/coverage",
        "/api/v1/members",
        "/api/v1/members/{member_id}",
        "/api/v1/members/import",
    ]:
        assert path in paths, path
    assert client.get("/api/v1/docs").status_code == 200


def test_field_errors_speak_chinese_and_english(client, personas):
    token = token_for(client, "cadre")
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/org/units?parent=abc", headers=headers).json()
    assert body["errors"][0]["message"] == "应为整数。"
    body = client.get("/api/v1/members?page=0", headers={**headers, "Accept-Language": "en"}).json()
    assert body["errors"][0]["message"] == "Must not be less than 1."
