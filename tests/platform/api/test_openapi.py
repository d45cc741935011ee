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


def test_error_responses_reference_the_envelope_components(test_views_schema):
    responses = test_views_schema["paths"]["/t/validation"]["post"]["responses"]

    def ref(status: str) -> str:
        return responses[status]["content"]["application/json"]["schema"]["$ref"]

    assert ref("201") == "#/components/schemas/NoteOutput"
    assert ref("400") == "#/components/schemas/ValidationErrorResponse"
    assert ref("404") == "#/components/schemas/ErrorResponse"
    assert ref("429") == "#/components/schemas/ErrorResponse"
    assert responses["429"]["description"].startswith("Too many requests")


def test_error_envelope_components_describe_detail_code_and_extra(test_views_schema):
    schemas = test_views_schema["components"]["schemas"]

    assert schemas["ErrorResponse"]["required"] == ["code", "detail", "extra"]
    assert schemas["ErrorResponse"]["properties"]["detail"]["type"] == "string"
    assert schemas["ErrorResponse"]["properties"]["code"]["type"] == "string"
    assert schemas["ErrorResponse"]["properties"]["extra"]["type"] == "object"
    assert schemas["ValidationErrorResponse"]["properties"]["extra"] == {
        "$ref": "#/components/schemas/ValidationErrorFields"
    }
    assert schemas["ValidationErrorFields"]["properties"]["fields"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }


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
