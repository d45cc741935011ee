"""Schema fuzzing: every operation of the OpenAPI document, driven by schemathesis.

Each operation is called in-process through the WSGI application with generated requests,
valid ones (positive) and invalid ones (negative), anonymously and signed in, and every
response goes through all of schemathesis's checks: no 5xx, the status and the content type are
documented, the body matches the documented schema (the error codes too: they are enums),
invalid input is refused with a 4xx and valid input is not, and so on. One failure anywhere
fails the test; the failures are listed together.

``FUZZ_MAX_EXAMPLES`` bounds the examples per operation, mode and identity (CI keeps the
default). Generation is derandomized, so a CI failure reproduces locally with the same seed.
Throttles are raised for the run so the logic behind them is exercised instead of 429s.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.test import RequestFactory
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "12"))
USER_AGENT = "ScholarNet schema fuzz"

# Operations not fuzzed, each with why. Everything else in the schema is.
EXCLUDED: dict[str, str] = {}

# Operations that ignore the user's token: their caller proves itself otherwise, so a signed-in
# request being refused with 401 says nothing about the session.
NOT_USER_AUTHENTICATED = {
    "POST /api/v1/payments/wechat/notify",  # WeChat's signature, which a fuzzer cannot forge
}

# Schema-valid requests that are still refused with a 400, because the rule depends on state
# or on meaning that an OpenAPI schema cannot express. Per operation: the code, and for code
# ``invalid`` the only fields it may name. Any other 400 for valid data fails the test.
NUL_REFUSED = "Null characters are not allowed."
CURSOR = {"invalid_cursor": None}  # a cursor is an opaque server-issued token
SEMANTIC_REFUSALS: dict[str, dict[str, set[str] | None]] = {
    # The words of q are what the index tokenizes; punctuation alone has none.
    "GET /api/v1/search": {
        **CURSOR,
        "query_empty": None,
        "invalid": {"tag", "author"},  # only type=article takes them
    },
    # Whether a code was sent, and which, is server state.
    "POST /api/v1/auth/sms/login": {
        "code_invalid": None,
        "code_expired": None,
        "code_attempts_exhausted": None,
    },
    # Django's password validators: similarity to the email, common passwords, all digits.
    "POST /api/v1/auth/register": {"invalid": {"password"}},
    # Tag names without control characters or "/", normalized length.
    # A DOI's form (10.NNNN/suffix, after an optional resolver prefix), in the field's text.
    "POST /api/v1/articles": {"invalid": {"tags"}, "doi_invalid": None},
    "PATCH /api/v1/articles/{id}/draft": {"invalid": {"tags"}, "doi_invalid": None},
    "POST /api/v1/articles/doi-import": {"doi_invalid": None},
    # The state is this browser's ORCID sign-in, started by /auth/orcid/authorize.
    "GET /api/v1/auth/orcid/callback": {
        "orcid_state_invalid": None,
        "orcid_auth_cancelled": None,
        "orcid_auth_failed": None,
    },
    "PUT /api/v1/tags/{name}/follow": {"invalid": {"name"}},
    "DELETE /api/v1/tags/{name}/follow": {"invalid": {"name"}},
    # drf-spectacular documents every PATCH body as partial, but a rename needs its name.
    "PATCH /api/v1/me/collections/{id}": {"invalid": {"name"}},
    # One of the two, which a JSON Schema of independent properties does not say.
    "POST /api/v1/notifications/read": {"invalid": {"non_field_errors"}},
    # The token is signed by the server and sent by email.
    "GET /api/v1/notifications/unsubscribe": {"invalid_token": None},
    # A birthday between 1900-01-01 and today; an avatar URL that Django's URLValidator takes.
    "PATCH /api/v1/users/me": {"invalid": {"birthday", "avatar_url"}},
    # Whose the target is (the reporter's own) and the author's trust level are server state.
    "POST /api/v1/reports": {"cannot_report_own": None},
    "POST /api/v1/articles/{id}/comments": {"comment_links_not_allowed": None},
}


@functools.cache
def _document() -> dict[str, Any]:
    # The code's own schema, so a new endpoint is fuzzed even before openapi.yaml is regenerated
    # (test_openapi fails on that); JSON-ready, as a client downloads it.
    import orjson
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    return orjson.loads(orjson.dumps(document, default=str))


def _operation_ids() -> list[str]:
    document = _document()
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    ]


@pytest.fixture(scope="module")
def api_schema() -> Any:
    from django.core.wsgi import get_wsgi_application

    # Unknown query parameters are ignored, as HTTP APIs conventionally do (cache busters,
    # tracking parameters); the schema does not forbid them, so sending one is not invalid.
    config = schemathesis.config.SchemathesisConfig.from_dict(
        {"generation": {"allow-extra-parameters": False}}
    )
    schema = schemathesis.openapi.from_dict(_document(), config=config)
    schema.app = get_wsgi_application()
    schema.location = "/api/schema/"
    return schema


@pytest.fixture
def test_connection_kept() -> Iterator[None]:
    """Django's WSGI handler closes the database connection after each request; inside a test
    that is the test's transaction (MariaDB then answers "server has gone away"). Django's test
    client disconnects the same handlers."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def raised_limits(settings) -> None:
    from scholarnet.ratelimit.scopes import rate_scope_list

    settings.RATELIMIT_GLOBAL = "1000000/60s"
    for scope in rate_scope_list():
        setattr(settings, scope.setting_name, "1000000/60s")


@pytest.fixture
def fresh_bearer() -> Callable[[], dict[str, str]]:
    """Headers of a new session for one user: an example that signs out spoils no other."""
    from apps.users.sessions import session_start
    from tests.users.factories import UserFactory

    user = UserFactory(email="fuzz@example.org", nickname="Fuzz")
    request = RequestFactory().get("/", HTTP_USER_AGENT=USER_AGENT)

    def headers() -> dict[str, str]:
        issued = session_start(user=user, request=request)
        return {"Authorization": f"Bearer {issued.access}", "User-Agent": USER_AGENT}

    return headers


def _cases(operation: Any) -> Iterator[tuple[GenerationMode, Any]]:
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        yield mode, operation.as_strategy(generation_mode=mode)


# DRF's CharField takes a JSON number for a string (123 becomes "123"), on purpose; the
# negative check counts that as invalid input accepted. Only that coercion is tolerated.
NUMBER_FOR_STRING = re.compile(r"violates `type` at \S+ \(was string, became (integer|number)\)")


def _tolerated(operation_id: str, response: Any, failure: Failure) -> bool:
    if failure.code == "ST202":
        return _semantic_refusal(operation_id, response)
    if failure.code == "ST201":
        violations = re.findall(r"violates `[^`]+`[^\n]*", failure.message)
        return bool(violations) and all(NUMBER_FOR_STRING.search(line) for line in violations)
    return False


def _semantic_refusal(operation_id: str, response: Any) -> bool:
    allowed = SEMANTIC_REFUSALS.get(operation_id, {})
    if "cursor" in _query_parameters(operation_id):
        allowed = {**CURSOR, **allowed}
    try:
        body = response.json()
    except ValueError:
        return False
    messages = body.get("extra", {}).get("fields", {}) if isinstance(body, dict) else {}
    # DRF refuses NUL in every text field, which a JSON Schema string does not say.
    named = {name.split(".")[0] for name, text in messages.items() if text != [NUL_REFUSED]}
    if response.status_code != 400:
        return False
    if body.get("code") == "invalid" and messages and not named:
        return True
    if body.get("code") not in allowed:
        return False
    fields = allowed[body["code"]]
    return fields is None or named <= fields


def _query_parameters(operation_id: str) -> set[str]:
    method, path = operation_id.split(" ", 1)
    item = _document()["paths"][path][method.lower()]
    return {param["name"] for param in item.get("parameters", []) if param["in"] == "query"}


def _fuzz(
    operation_id: str, operation: Any, headers: Callable[[], dict[str, str]]
) -> tuple[list[str], list[int]]:
    failures: list[str] = []
    statuses: list[int] = []
    for mode, strategy in _cases(operation):
        try:
            sent = _run(operation_id, mode, strategy, headers, failures)
        except Unsatisfiable:
            # No parameter and no body: there is no invalid request to make. Positive
            # generation of the same operation always has its one request.
            assert mode is GenerationMode.NEGATIVE, f"{operation_id}: nothing was generated"
            continue
        assert sent, f"{operation_id} [{mode.value}]: no request was sent"
        statuses += sent
    return failures, statuses


def _run(
    operation_id: str,
    mode: GenerationMode,
    strategy: Any,
    headers: Callable[[], dict[str, str]],
    failures: list[str],
) -> list[int]:
    sent: list[int] = []

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        request_headers = headers()
        response = case.call(headers=request_headers)
        sent.append(response.status_code)
        try:
            # The transport arguments let the checks that send more requests (ignored_auth,
            # unsupported_method, …) send them as this one was.
            case.validate_response(
                response,
                headers=request_headers,
                transport_kwargs={"headers": request_headers},
            )
        except FailureGroup as group:
            found = list(group.exceptions)
        except Failure as failure:
            found = [failure]
        else:
            return
        failures.extend(
            _describe(mode, case, response, failure)
            for failure in found
            if not _tolerated(operation_id, response, failure)
        )

    run()
    return sent


def _describe(mode: GenerationMode, case: Any, response: Any, failure: Failure) -> str:
    body = response.content[:300].decode("utf-8", "replace")
    return (
        f"[{mode.value}] {failure.code} {failure.title}: {failure.message}\n"
        f"  {case.as_curl_command()}\n  -> {response.status_code} {body}"
    )[:2500]


@pytest.mark.parametrize("identity", ["anonymous", "signed_in"])
@pytest.mark.parametrize("operation_id", _operation_ids())
def test_operation_conforms_to_the_schema(
    api_schema, test_connection_kept, raised_limits, fresh_bearer, operation_id, identity
):
    if operation_id in EXCLUDED:
        pytest.skip(EXCLUDED[operation_id])
    method, path = operation_id.split(" ", 1)
    operation = api_schema[path][method]
    headers = fresh_bearer if identity == "signed_in" else (lambda: {"User-Agent": USER_AGENT})

    failures, statuses = _fuzz(operation_id, operation, headers)

    assert failures == [], f"{len(failures)} failing requests:\n\n" + "\n\n".join(failures[:5])
    if identity == "signed_in" and operation_id not in NOT_USER_AUTHENTICATED:
        # The fresh session really signs in.
        assert set(statuses) != {401}, f"{operation_id}: every signed-in request was refused"
