"""Loads the demo data that ``make run`` shows: a moderator account to sign in with.

Idempotent: an existing moderator keeps its password; a new one gets a random password, shown
once (the same account ``make run`` creates on its first start).
"""

from django.core.management.base import BaseCommand

from scholarnet.runtime.demo import demo_admin_ensure, demo_login_lines


class Command(BaseCommand):
    help = "Create the demo moderator account with a generated password."

    def handle(self, *args: object, **options: object) -> None:
        for line in demo_login_lines(demo_admin_ensure()):
            self.stdout.write(line)
