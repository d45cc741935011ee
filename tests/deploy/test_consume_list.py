"""``manage.py consume --list``: the consumer groups a deployment must run a process for."""

import pytest
from django.core.management import CommandError, call_command

from scholarnet.events.batches import batch_registry
from scholarnet.events.registry import registry


def test_list_prints_every_group_once(capsys):
    call_command("consume", "--list")

    printed = capsys.readouterr().out.splitlines()
    assert printed == sorted(set(registry.groups() + batch_registry.groups()))
    assert "search" in printed


def test_a_group_or_list_is_required():
    with pytest.raises(CommandError, match="name a consumer group, or --list them"):
        call_command("consume")
