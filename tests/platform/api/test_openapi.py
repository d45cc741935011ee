"""The OpenAPI schema, the Swagger UI, the committed ``openapi.yaml`` and the error components."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

COMMITTED_SCHEMA = Path(settings.BASE_DIR) / "openapi.yaml"


def test_schema_endpoint_serves_a_valid_openapi_document(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    schema = yaml.safe_load(response.content)
    validate_schema(schema)
    assert schema["openapi"] == "3.0.3"
    assert schema["info"]["title"] == "ScholarNet API"
    assert schema["info"]["version"] == "1.0.0"


def test_schema_endpoint_serves_json_on_request(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "ScholarNet API"


def test_swagger_ui_is_served_from_the_sidecar_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    sidecar = "/static/drf_spectacular_sidecar/swagger-ui-dist/"
    assert f'<script src="{sidecar}swagger-ui-bundle.js"></script>' in html
    assert f'<script src="{sidecar}swagger-ui-standalone-preset.js"></script>' in html
    assert f'<link rel="stylesheet" href="{sidecar}swagger-ui.css">' in html
    assert "/api/schema/" in html
    # No CDN: every script and stylesheet comes from this server.
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []


def test_committed_openapi_yaml_matches_the_code(tmp_path):
    """The CI check: ``manage.py spectacular --file openapi.yaml --validate --fail-on-warn``."""
    generated = tmp_path / "openapi.yaml"

    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")

    assert generated.read_text() == COMMITTED_SCHEMA.read_text(), (
        "openapi.yaml is out of date: regenerate it with "
        "`python manage.py spectacular --file openapi.yaml --validate --fail-on-warn`"
    )


@pytest.fixture(scope="module")
def test_views_schema() -> dict:
    generator = SchemaGenerator(urlconf="tests.platform.api.urls_for_tests")
    schema = generator.get_schema(request=None, public=True)
    validate_schema(schema)
    return schema


def _error_schema(operation: dict, status: str) -> dict:
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_each_error_status_lists_the_codes_the_endpoint_raises(test_views_schema):
    post = test_views_schema["paths"]["/t/validation"]["post"]

    def codes(status: str) -> list[str]:
        return _error_schema(post, status)["properties"]["code"]["enum"]

    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NoteOutput"
    }
    # The view names ValidationFailed and ArticleLocked; the kernel adds what it answers itself.
    assert codes("400") == [
        "invalid",
        "invalid_host",
        "parse_error",
        "request_too_large",
        "too_many_fields",
    ]
    assert codes("423") == ["article_locked"]
    assert codes("415") == ["unsupported_media_type"]
    assert codes("429") == ["rate_limited"]
    assert codes("503") == ["rate_limiter_unavailable"]
    assert sorted(post["responses"]) == ["201", "400", "415", "423", "429", "503"]
    assert post["responses"]["429"]["description"].startswith("Too many requests")


def test_the_error_envelope_requires_detail_code_and_extra(test_views_schema):
    post = test_views_schema["paths"]["/t/validation"]["post"]
    invalid, throttled = _error_schema(post, "400"), _error_schema(post, "429")

    assert invalid["required"] == ["detail", "code", "extra"]
    assert invalid["properties"]["detail"]["type"] == "string"
    assert invalid["properties"]["extra"]["properties"]["fields"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }
    assert throttled["properties"]["extra"]["required"] == ["retry_after"]


def test_a_list_documents_the_paginators_errors(test_views_schema):
    get = test_views_schema["paths"]["/t/groups"]["get"]

    assert _error_schema(get, "400")["properties"]["code"]["enum"] == [
        "invalid",
        "invalid_cursor",
        "invalid_host",
        "too_many_fields",
    ]
    assert "requestBody" not in get


def test_an_endpoint_that_authenticates_lists_the_token_errors(test_views_schema):
    get = test_views_schema["paths"]["/t/auth-required"]["get"]

    assert _error_schema(get, "401")["properties"]["code"]["enum"] == ["not_authenticated"]


def test_the_projects_schema_lists_token_errors_where_requests_authenticate(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    me = schema["paths"]["/api/v1/users/me"]["get"]
    register = schema["paths"]["/api/v1/auth/register"]["post"]

    unauthorized = set(_error_schema(me, "401")["properties"]["code"]["enum"])
    assert {"not_authenticated", "token_invalid", "token_expired", "session_revoked"} <= (
        unauthorized
    )
    # Sign-in endpoints ignore credentials: no token errors, their own codes instead.
    assert _error_schema(register, "409")["properties"]["code"]["enum"] == ["email_taken"]
    assert "401" not in register["responses"]


def test_error_status_and_code_of_classes_and_instances():
    from rest_framework import exceptions

    from scholarnet.api.errors import RateLimited, ValidationFailed
    from scholarnet.api.schema import error_status_and_code
    from tests.platform.api.urls_for_tests import ArticleLocked

    assert error_status_and_code(ArticleLocked) == (423, "article_locked")
    assert error_status_and_code(ValidationFailed(code="code_expired")) == (400, "code_expired")
    assert error_status_and_code(RateLimited(retry_after=5)) == (429, "rate_limited")
    assert error_status_and_code(exceptions.Throttled) == (429, "rate_limited")
    assert error_status_and_code(exceptions.ParseError) == (400, "parse_error")
    assert error_status_and_code(exceptions.ValidationError({"x": ["bad"]})) == (400, "invalid")
    assert error_status_and_code(exceptions.PermissionDenied(code="csrf_failed")) == (
        403,
        "csrf_failed",
    )
    with pytest.raises(TypeError):
        error_status_and_code(400)


def test_a_bare_status_is_a_schema_warning(monkeypatch):
    warnings: list[str] = []
    monkeypatch.setattr("scholarnet.api.schema.warn", warnings.append)

    SchemaGenerator(urlconf="tests.platform.api.urls_for_bare_status").get_schema(
        request=None, public=True
    )

    assert warnings == [
        "GET /t/bare: error_responses() was given the status 404; pass the errors the endpoint "
        "raises, so their codes are listed"
    ]


def test_cursor_paginated_list_is_documented_as_results_and_next(test_views_schema):
    get = test_views_schema["paths"]["/t/groups"]["get"]
    page_schema = test_views_schema["components"]["schemas"]["PaginatedGroupOutputList"]

    assert [parameter["name"] for parameter in get["parameters"]] == ["cursor", "page_size"]
    assert get["parameters"][1]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert page_schema["required"] == ["results", "next"]
    assert page_schema["properties"]["next"]["nullable"] is True
    assert page_schema["properties"]["results"]["items"] == {
        "$ref": "#/components/schemas/GroupOutput"
    }


def test_a_list_answering_a_page_serializer_is_documented_as_one_page(test_views_schema):
    get = test_views_schema["paths"]["/t/group-pages"]["get"]

    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/GroupPageOutput"
    }


def test_request_integers_are_bounded_to_bigint(test_views_schema):
    schemas = test_views_schema["components"]["schemas"]

    assert schemas["NoteInputRequest"]["properties"]["count"] == {
        "type": "integer",
        "minimum": -(2**63),
        "maximum": 2**63 - 1,
    }
    assert schemas["NoteOutput"]["properties"]["count"] == {"type": "integer"}
