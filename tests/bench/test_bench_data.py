import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from bench.generators import BENCH_USER_PASSWORD, bench_user_email

pytestmark = pytest.mark.django_db


def _generated() -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(email__endswith="@bench.scholarnet.test")
    return list(users.order_by("email").values_list("email", "nickname"))


def test_generates_users_in_batches_with_one_shared_password():
    call_command("bench_data", users=25, batch_size=10, seed=3)

    generated = _generated()
    assert len(generated) == 25
    assert generated[0][0] == bench_user_email(0) == "user000000000@bench.scholarnet.test"
    assert generated[-1][0] == bench_user_email(24)
    user = get_user_model().objects.get(email=bench_user_email(7))
    assert user.check_password(BENCH_USER_PASSWORD)


def test_resuming_creates_only_the_missing_rows_and_the_same_data():
    call_command("bench_data", users=40, batch_size=7, seed=3)
    uninterrupted = _generated()
    get_user_model().objects.all().delete()

    call_command("bench_data", users=15, batch_size=10, seed=3)
    call_command("bench_data", users=40, batch_size=10, seed=3)
    call_command("bench_data", users=40, batch_size=10, seed=3)  # nothing left to do

    assert _generated() == uninterrupted


def test_another_seed_gives_other_nicknames():
    call_command("bench_data", users=10, seed=1)
    first = _generated()
    get_user_model().objects.all().delete()

    call_command("bench_data", users=10, seed=2)

    assert [email for email, _ in _generated()] == [email for email, _ in first]
    assert _generated() != first


def test_other_users_are_left_alone():
    get_user_model().objects.create_user("someone@example.com", "pw-123456789")

    call_command("bench_data", users=5)

    assert get_user_model().objects.count() == 6


def test_nothing_requested_is_an_error():
    with pytest.raises(CommandError, match="Nothing to generate"):
        call_command("bench_data")


@pytest.mark.django_db(transaction=True)  # ANALYZE never runs inside a transaction
@pytest.mark.parametrize("no_analyze", [False, True])
def test_statistics_are_refreshed_after_a_load_on_mysql_unless_told_not_to(no_analyze):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call_command("bench_data", users=3, no_analyze=no_analyze)

    analyzed = [query["sql"] for query in captured if query["sql"].startswith("ANALYZE")]
    expected = connection.vendor == "mysql" and not no_analyze
    assert analyzed == (["ANALYZE TABLE `users_user`"] if expected else [])
