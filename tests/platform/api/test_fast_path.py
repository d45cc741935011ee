"""The anonymous fast path helper: which requests it answers, and what it hands on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from scholarnet.api.errors import ServiceUnavailable
from scholarnet.api.fast_path import anonymous_fast_path, anonymous_json_get

factory = RequestFactory()


def _api_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return HttpResponse(b"drf", content_type="text/plain")


_api_view.cls = object  # type: ignore[attr-defined]
_api_view.initkwargs = {}  # type: ignore[attr-defined]
_api_view.actions = {"get": "retrieve"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("request_kwargs", "expected"),
    [
        ({}, True),
        ({"HTTP_ACCEPT": "application/json"}, True),
        ({"HTTP_ACCEPT": " */* "}, True),
        ({"HTTP_ACCEPT": "text/html"}, False),
        ({"HTTP_AUTHORIZATION": "Bearer x"}, False),
        ({"QUERY_STRING": "a=1"}, False),
    ],
)
def test_anonymous_json_get_accepts_only_plain_anonymous_json(
    request_kwargs: dict[str, str], expected: bool
) -> None:
    assert anonymous_json_get(factory.get("/x", **request_kwargs)) is expected


def test_session_cookie_and_other_methods_are_not_anonymous_json_gets(settings: Any) -> None:
    request = factory.get("/x")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "s"
    assert anonymous_json_get(request) is False
    assert anonymous_json_get(factory.head("/x")) is False
    assert anonymous_json_get(factory.post("/x")) is False


def test_the_answer_is_served_with_the_given_headers() -> None:
    view = anonymous_fast_path(
        _api_view, lambda request, pk: b'{"id":%s}' % pk.encode(), headers={"Vary": "Accept"}
    )
    response = view(factory.get("/x/7"), pk="7")
    assert (response.status_code, response.content) == (200, b'{"id":7}')
    assert response["Content-Type"] == "application/json"
    assert response["Vary"] == "Accept"


def test_none_and_non_matching_requests_go_to_the_api_view() -> None:
    calls: list[str] = []

    def answer(request: HttpRequest, pk: str) -> bytes | None:
        calls.append(pk)
        return None

    view = anonymous_fast_path(_api_view, answer, headers={})
    assert view(factory.get("/x/1"), pk="1").content == b"drf"
    assert view(factory.get("/x/2", HTTP_AUTHORIZATION="Bearer t"), pk="2").content == b"drf"
    assert calls == ["1"]  # the signed-in request never reached the answer


def test_disabled_fast_path_hands_everything_on() -> None:
    view = anonymous_fast_path(_api_view, lambda request: b"{}", headers={}, enabled=lambda: False)
    assert view(factory.get("/x")).content == b"drf"


def test_an_application_error_is_answered_in_the_envelope_without_a_second_read() -> None:
    calls = []

    def answer(request: HttpRequest) -> bytes:
        calls.append(1)
        raise ServiceUnavailable("The service is busy. Try again shortly.")

    response = anonymous_fast_path(_api_view, answer, headers={})(factory.get("/x"))
    assert response.status_code == 503
    assert json.loads(response.content)["code"] == ServiceUnavailable.code
    assert calls == [1]


def test_the_wrapper_keeps_the_schema_attributes() -> None:
    view = anonymous_fast_path(_api_view, lambda request: None, headers={})
    assert (view.cls, view.actions) == (object, {"get": "retrieve"})  # type: ignore[attr-defined]
