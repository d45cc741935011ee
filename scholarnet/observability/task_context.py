"""The request id follows work into Celery tasks.

Publishing a task inside a request adds a ``request_id`` message header; the worker makes it the
current request id while the task runs, so the task's log lines can be joined to the request that
caused them. A task published outside a request runs under its own task id. An eager task (tests,
``CELERY_TASK_ALWAYS_EAGER``) runs inside the caller and keeps the caller's id.

Connected from :meth:`scholarnet.observability.apps.ObservabilityConfig.ready`.
"""

from __future__ import annotations

from contextvars import Token
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

from scholarnet.observability.logging import NO_REQUEST_ID, request_id_var
from scholarnet.observability.middleware import is_valid_request_id

HEADER = "request_id"
_tokens: dict[str, Token[str]] = {}


def add_request_id_header(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id != NO_REQUEST_ID:
        headers.setdefault(HEADER, request_id)


def enter_task(task_id: str, task: Any = None, **kwargs: Any) -> None:
    incoming = getattr(getattr(task, "request", None), HEADER, None)
    if isinstance(incoming, str) and is_valid_request_id(incoming):
        request_id = incoming
    elif request_id_var.get() != NO_REQUEST_ID:
        return
    else:
        request_id = task_id
    _tokens[task_id] = request_id_var.set(request_id)


def leave_task(task_id: str, **kwargs: Any) -> None:
    token = _tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)


def connect() -> None:
    before_task_publish.connect(add_request_id_header, dispatch_uid="scholarnet.request_id.publish")
    task_prerun.connect(enter_task, dispatch_uid="scholarnet.request_id.prerun")
    task_postrun.connect(leave_task, dispatch_uid="scholarnet.request_id.postrun")
