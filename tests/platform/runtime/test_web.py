"""The pre-flight port check in front of granian (make run, manage.py serve, the image)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command

from scholarnet.runtime.web import PortInUseError, ensure_port_free, granian_argv
from tests.platform.runtime.support import free_port


@contextmanager
def listening(host: str, *, reuse_port: bool) -> Iterator[int]:
    with socket.socket() as listener:
        if reuse_port:  # as granian listens
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind((host, 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_a_free_port_passes():
    ensure_port_free("127.0.0.1", free_port())


@pytest.mark.parametrize("reuse_port", [False, True])
def test_a_listener_is_refused_with_a_clear_message(reuse_port):
    with (
        listening("127.0.0.1", reuse_port=reuse_port) as port,
        pytest.raises(PortInUseError) as refused,
    ):
        ensure_port_free("127.0.0.1", port)

    assert str(refused.value) == (
        f"Port {port} on 127.0.0.1 is already in use: another server (perhaps ScholarNet "
        f"started earlier) listens there. Stop it, or choose another port (PORT={port + 1})."
    )


def test_a_server_on_every_address_blocks_the_loopback_one():
    with listening("0.0.0.0", reuse_port=True) as port, pytest.raises(PortInUseError):
        ensure_port_free("127.0.0.1", port)


def test_serve_refuses_before_starting_granian(monkeypatch):
    started = []
    monkeypatch.setattr("os.execv", lambda *argv: started.append(argv))

    with listening("127.0.0.1", reuse_port=True) as port, pytest.raises(PortInUseError):
        call_command("serve", "--port", str(port))

    assert started == []


def test_serve_becomes_granian_on_a_free_port(monkeypatch):
    started = []
    monkeypatch.setattr("os.execv", lambda *argv: started.append(argv))
    port = free_port()

    call_command("serve", "--port", str(port), "--workers", "3")

    expected = granian_argv(host="127.0.0.1", port=port, workers=3)
    assert started == [(expected[0], expected)]
    assert expected[expected.index("--workers") + 1] == "3"
