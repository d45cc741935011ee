import pytest

from apps.sms.services import forget_senders


@pytest.fixture(autouse=True)
def _fresh_senders():
    """Each test builds the chain from its own settings."""
    forget_senders(setting="SMS_CHAIN")
    yield
    forget_senders(setting="SMS_CHAIN")
