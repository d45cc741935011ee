"""Every error leaves the API as ``{"detail", "code", "extra"}`` with the right status."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.urls("tests.platform.api.urls_for_tests")


def test_application_error_subclass_renders_its_status_code_detail_and_extra(client):
    response = client.get("/t/application-error")

    assert response.status_code == 423
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The article is locked.",
        "code": "article_locked",
        "extra": {"article_id": 5},
    }


def test_rate_limited_application_error_sets_retry_after(client):
    response = client.get("/t/rate-limited")

    assert response.status_code == 429
    assert response["Retry-After"] == "42"
    assert response.json() == {
        "detail": "Too many requests. Try again later.",
        "code": "rate_limited",
        "extra": {"retry_after": 42},
    }


def test_validation_error_lists_each_field_messages(client):
    response = client.post(
        "/t/validation", {"title": "too long", "count": "many"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request is not valid.",
        "code": "invalid",
        "extra": {
            "fields": {
                "title": ["Ensure this field has no more than 5 characters."],
                "count": ["A valid integer is required."],
            }
        },
    }


def test_missing_fields_are_listed_as_required(client):
    response = client.post("/t/validation", {}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["extra"] == {
        "fields": {"title": ["This field is required."], "count": ["This field is required."]}
    }


def test_valid_input_passes(client):
    response = client.post(
        "/t/validation", {"title": "ok", "count": 3}, content_type="application/json"
    )

    assert response.status_code == 201
    assert response.json() == {"title": "ok", "count": 3}


def test_not_authenticated_is_401_with_the_authentication_scheme(client):
    response = client.get("/t/auth-required")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "extra": {},
    }


def test_throttled_exception_is_429_with_retry_after_rounded_up(client):
    response = client.get("/t/throttled")

    assert response.status_code == 429
    assert response["Retry-After"] == "3"
    assert response.json() == {
        "detail": "Request was throttled. Expected available in 3 seconds.",
        "code": "rate_limited",
        "extra": {"retry_after": 3},
    }


def test_drf_throttle_class_is_429_with_retry_after(client):
    response = client.get("/t/throttle-class")

    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert response.json()["code"] == "rate_limited"
    assert response.json()["extra"] == {"retry_after": 7}


def test_unexpected_exception_in_api_view_is_a_bare_500_and_is_logged(client, caplog):
    with caplog.at_level(logging.ERROR, logger="scholarnet.api.exception_handler"):
        response = client.get("/t/boom")

    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal server error.",
        "code": "server_error",
        "extra": {},
    }
    assert b"hunter2" not in response.content
    assert b"Traceback" not in response.content
    [record] = [r for r in caplog.records if r.name == "scholarnet.api.exception_handler"]
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "secret internals: password=hunter2"
    assert record.view == "BoomView"


def test_unexpected_exception_in_plain_django_view_is_a_json_500(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get("/t/plain-boom")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Internal server error.",
        "code": "server_error",
        "extra": {},
    }
    assert b"hunter2" not in response.content
    assert b"Traceback" not in response.content


def test_method_not_allowed_is_405_with_allow_header(client):
    response = client.post("/t/get-only", {}, content_type="application/json")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json() == {
        "detail": 'Method "POST" not allowed.',
        "code": "method_not_allowed",
        "extra": {},
    }


def test_malformed_json_body_is_400_parse_error(client):
    response = client.post("/t/validation", "{not json", content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error"
    assert body["detail"].startswith("JSON parse error - ")
    assert body["extra"] == {}


def test_unsupported_content_type_is_415(client):
    response = client.post("/t/validation", "title=x", content_type="text/plain")

    assert response.status_code == 415
    assert response.json() == {
        "detail": 'Unsupported media type "text/plain" in request.',
        "code": "unsupported_media_type",
        "extra": {},
    }


def test_http404_in_api_view_hides_its_message(client):
    response = client.get("/t/missing")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found", "extra": {}}


def test_django_validation_error_from_a_service_is_400_invalid(client):
    response = client.get("/t/django-errors")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request is not valid.",
        "code": "invalid",
        "extra": {"fields": {"doi": ["Enter a valid DOI."]}},
    }


def test_django_permission_denied_is_403_without_its_message(client):
    response = client.get("/t/django-errors", {"kind": "permission"})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "You do not have permission to perform this action.",
        "code": "permission_denied",
        "extra": {},
    }


@pytest.mark.urls("config.urls")
def test_unknown_url_is_a_json_404(client, settings):
    settings.DEBUG = False

    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found", "extra": {}}


@pytest.mark.urls("config.urls")
def test_unknown_api_url_is_a_json_404(client, settings):
    settings.DEBUG = False

    response = client.get("/api/v1/no-such-resource")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found", "extra": {}}


def test_csrf_failure_uses_the_error_envelope(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)

    response = client.post("/admin/login/", {"username": "x", "password": "y"})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "CSRF verification failed.",
        "code": "csrf_failed",
        "extra": {},
    }
