"""Bad input from outside is a 4xx in the error envelope, never a 500 or a debug page.

Each test here reproduces an attack on the real URLs (or on the kernel's test views) that used
to answer 500, an HTML page, or a traceback with DEBUG on.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

ENVELOPE_KEYS = {"detail", "code", "extra"}


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def quiet_client() -> Client:
    # Lets a 500 reach the response, as a real client would see it, instead of re-raising.
    return Client(raise_request_exception=False)


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["code"] == code
    assert b"Traceback" not in response.content
    assert b"SECRET_KEY" not in response.content
    return body


# --- 1. deeply nested JSON ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [101, 900, 1000, 1025, 100_000])
def test_any_nesting_depth_is_400_parse_error_and_creates_nothing(client, debug, depth):
    body = "[" * depth + "]" * depth

    response = client.post("/api/v1/auth/register", body, content_type="application/json")

    payload = assert_json_error(response, 400, "parse_error")
    assert payload["detail"].startswith("JSON parse error - ")
    assert payload["extra"] == {}
    assert get_user_model().objects.count() == 0


@pytest.mark.django_db
def test_nesting_up_to_the_limit_is_parsed_and_validated(client):
    body = '{"email": "a@example.org", "password": "Correct-horse-9", "nickname": %s}' % (
        "[" * 99 + "]" * 99
    )

    response = client.post("/api/v1/auth/register", body, content_type="application/json")

    assert assert_json_error(response, 400, "invalid")["extra"] == {
        "fields": {"nickname": ["Not a valid string."]}
    }


@pytest.mark.django_db
def test_nested_objects_past_the_limit_are_400_parse_error(client):
    body = '{"a":' * 2000 + "1" + "}" * 2000

    response = client.post("/api/v1/auth/refresh", body, content_type="application/json")

    assert_json_error(response, 400, "parse_error")


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[NaN]", '{"email": "\\ud800"}', '{"a": 1e400}'])
def test_json_the_database_could_not_store_is_400_parse_error(client, body):
    response = client.post("/api/v1/auth/register", body, content_type="application/json")

    assert_json_error(response, 400, "parse_error")
    assert get_user_model().objects.count() == 0


# --- 2. too many parameters, too big, too many files --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/users/2", "/api/v1/articles", "/api/v1/tags", "/api/v1/search"]
)
def test_more_than_a_thousand_query_parameters_is_400(client, debug, path):
    query = "&".join(f"p{index}=1" for index in range(1001))

    response = client.get(f"{path}?{query}")

    assert assert_json_error(response, 400, "too_many_fields") == {
        "detail": "The request has too many query or form parameters.",
        "code": "too_many_fields",
        "extra": {},
    }


@pytest.mark.django_db
def test_a_thousand_query_parameters_are_still_read(client):
    query = "&".join(f"p{index}=1" for index in range(999))

    response = client.get(f"/api/v1/tags?{query}")

    assert response.status_code == 200


@pytest.mark.urls("tests.platform.api.urls_for_tests")
@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("fields", "too_many_fields"),
        ("files", "too_many_files"),
        ("body", "request_too_large"),
        ("host", "invalid_host"),
        ("other", "bad_request"),
    ],
)
@pytest.mark.parametrize("path", ["/t/suspicious", "/t/plain-suspicious"])
def test_djangos_refusals_to_read_a_request_are_400_with_their_code(quiet_client, kind, code, path):
    response = quiet_client.get(path, {"kind": kind})

    body = assert_json_error(response, 400, code)
    assert "internal reason" not in body["detail"]
    assert body["extra"] == {}


# --- 3. JSON under /api/ whatever DEBUG says ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/articles/null%2Cnull", "/api/v1/users/x/y", "/api/nope"]
)
def test_unknown_api_paths_are_a_json_404(quiet_client, debug, path):
    response = quiet_client.get(path, HTTP_ACCEPT="text/html")

    assert assert_json_error(response, 404, "not_found") == {
        "detail": "Not found.",
        "code": "not_found",
        "extra": {},
    }
    assert b"urlpatterns" not in response.content.lower()


@pytest.mark.django_db
def test_method_not_allowed_is_json_with_allow_header(quiet_client, debug):
    response = quiet_client.delete("/api/v1/tags", HTTP_ACCEPT="text/html")

    body = assert_json_error(response, 405, "method_not_allowed")
    assert body["detail"] == 'Method "DELETE" not allowed.'
    assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["evil.example", "bad host!", "evil.example:8000"])
def test_bad_host_header_is_a_json_400_without_settings(quiet_client, debug, host):
    response = quiet_client.get("/api/v1/tags", HTTP_HOST=host)

    assert assert_json_error(response, 400, "invalid_host") == {
        "detail": "The Host header is not valid for this server.",
        "code": "invalid_host",
        "extra": {},
    }
    assert b"DATABASES" not in response.content


@pytest.mark.urls("tests.platform.api.urls_for_tests")
def test_unexpected_exception_in_a_plain_api_view_is_a_json_500(quiet_client, debug):
    response = quiet_client.get("/api/t/plain-boom", HTTP_ACCEPT="text/html")

    assert assert_json_error(response, 500, "server_error") == {
        "detail": "Internal server error.",
        "code": "server_error",
        "extra": {},
    }
    assert b"hunter2" not in response.content


@pytest.mark.urls("tests.platform.api.urls_for_tests")
def test_method_not_allowed_by_a_plain_api_view_is_json_with_allow_header(quiet_client, debug):
    response = quiet_client.post("/api/t/plain-get-only", HTTP_ACCEPT="text/html")

    assert assert_json_error(response, 405, "method_not_allowed") == {
        "detail": "The method is not allowed on this resource.",
        "code": "method_not_allowed",
        "extra": {},
    }
    assert response["Allow"] == "GET"


@pytest.mark.urls("tests.platform.api.urls_for_tests")
def test_suspicious_request_in_a_plain_api_view_is_json_with_debug_on(quiet_client, settings):
    settings.DEBUG = True

    response = quiet_client.get("/api/t/plain-suspicious", {"kind": "other"})

    assert_json_error(response, 400, "bad_request")


@pytest.mark.urls("tests.platform.api.urls_for_tests")
def test_too_many_parameters_for_a_plain_api_view_keep_their_code_whatever_debug(
    quiet_client, debug
):
    query = "kind=fields&" + "&".join(f"p{index}=1" for index in range(1001))

    response = quiet_client.get(f"/api/t/plain-suspicious?{query}")

    assert assert_json_error(response, 400, "too_many_fields")["extra"] == {}


@pytest.mark.django_db
def test_drf_errors_stay_json_when_the_browsable_renderer_is_asked_for(client, debug):
    response = client.get("/api/v1/users/me", HTTP_ACCEPT="text/html")

    assert_json_error(response, 401, "not_authenticated")


def test_pages_outside_the_api_keep_djangos_debug_404(quiet_client, settings):
    settings.DEBUG = True

    response = quiet_client.get("/no/such/page", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- 4. nested field errors are flattened to dotted names ---------------------------------------


@pytest.mark.urls("tests.platform.api.urls_for_tests")
def test_nested_field_errors_are_flattened_to_dotted_names(client):
    response = client.post(
        "/t/nested",
        {"tags": ["ok", "toolong"], "owner": {"name": "long"}, "items": [{"name": "a"}, {}]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request is not valid.",
        "code": "invalid",
        "extra": {
            "fields": {
                "tags.1": ["Ensure this field has no more than 3 characters."],
                "owner.name": ["Ensure this field has no more than 3 characters."],
                "items.1.name": ["This field is required."],
            }
        },
    }


@pytest.mark.urls("tests.platform.api.urls_for_tests")
def test_a_list_where_an_object_belongs_is_a_non_field_error_of_that_field(client):
    response = client.post(
        "/t/nested", {"tags": [], "owner": [], "items": "x"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["extra"] == {
        "fields": {
            "owner.non_field_errors": ["Invalid data. Expected a dictionary, but got list."],
            "items.non_field_errors": ['Expected a list of items but got type "str".'],
        }
    }


# --- 5. one pagination behaviour: a bad page_size or an empty filter is a 400 ---------------------

PAGE_SIZE_LISTS = [
    "/api/v1/articles",
    "/api/v1/tags",
    "/api/v1/tags/physics/articles",
    "/api/v1/me/articles",
    "/api/v1/auth/sessions",
]


@pytest.fixture
def member_client():
    from tests.articles.conftest import signed_in_client
    from tests.users.factories import UserFactory

    return signed_in_client(UserFactory(email="page@example.org"))


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGE_SIZE_LISTS)
@pytest.mark.parametrize(
    ("page_size", "message"),
    [
        ("abc", "A valid integer is required."),
        ("null", "A valid integer is required."),
        ("", "A valid integer is required."),
        ("1.5", "A valid integer is required."),
        ("-1", "Ensure this value is greater than or equal to 1."),
        ("0", "Ensure this value is greater than or equal to 1."),
        ("101", "Ensure this value is less than or equal to 100."),
    ],
)
def test_a_bad_page_size_is_400_on_every_cursor_list(member_client, path, page_size, message):
    response = member_client.get(path, {"page_size": page_size})

    assert assert_json_error(response, 400, "invalid") == {
        "detail": "The request is not valid.",
        "code": "invalid",
        "extra": {"fields": {"page_size": [message]}},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGE_SIZE_LISTS)
def test_a_page_size_in_range_is_honoured(member_client, path):
    response = member_client.get(path, {"page_size": "100"})

    assert response.status_code == 200
    assert set(response.json()) == {"results", "next"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/articles", "tag"),
        ("/api/v1/articles", "author"),
        ("/api/v1/search", "tag"),
        ("/api/v1/search", "author"),
    ],
)
def test_an_empty_filter_is_400_not_ignored(client, path, name):
    response = client.get(path, {name: "", "q": "x"} if "search" in path else {name: ""})

    body = assert_json_error(response, 400, "invalid")
    assert list(body["extra"]["fields"]) == [name]


# --- 2b. a JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused before it is parsed ------------


@pytest.mark.django_db
def test_a_json_body_over_the_upload_limit_is_400_and_creates_nothing(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"email": "big@example.org", "password": "Correct-horse-9", "nickname": "%s"}' % (
        "x" * 1000
    )

    response = client.post("/api/v1/auth/register", body, content_type="application/json")

    assert assert_json_error(response, 400, "request_too_large") == {
        "detail": "The request body is larger than the server accepts.",
        "code": "request_too_large",
        "extra": {},
    }
    assert get_user_model().objects.count() == 0


@pytest.mark.django_db
def test_a_json_body_at_the_upload_limit_is_parsed(client, settings):
    body = '{"email": "edge@example.org", "password": "Correct-horse-9"}'
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(body)

    response = client.post("/api/v1/auth/register", body, content_type="application/json")

    assert response.status_code == 201
    assert get_user_model().objects.filter(email="edge@example.org").count() == 1


NOTIFICATIONS_READ = "/api/v1/notifications/read"


@pytest.mark.django_db
@pytest.mark.parametrize("number", [2**63, 2**64 - 1])
def test_an_integer_outside_bigint_is_400_parse_error(member_client, number):
    body = f'{{"ids": [1, {number}]}}'

    response = member_client.post(NOTIFICATIONS_READ, body, content_type="application/json")

    payload = assert_json_error(response, 400, "parse_error")
    assert payload["detail"] == "JSON parse error - an integer is outside the 64-bit signed range"


@pytest.mark.django_db
@pytest.mark.parametrize("number", [2**64, -(2**63) - 1])
def test_longer_integers_are_read_as_floats_and_refused_by_the_field(member_client, number):
    body = f'{{"ids": [1, {number}]}}'

    response = member_client.post(NOTIFICATIONS_READ, body, content_type="application/json")

    assert assert_json_error(response, 400, "invalid")["extra"] == {
        "fields": {"ids.1": ["A valid integer is required."]}
    }


@pytest.mark.django_db
def test_the_largest_bigint_is_parsed(member_client):
    body = f'{{"ids": [{2**63 - 1}]}}'

    response = member_client.post(NOTIFICATIONS_READ, body, content_type="application/json")

    assert response.status_code == 200
