"""Loads the demo data that ``make run`` shows: a moderator account to sign in with.

Idempotent: running it again keeps existing rows and only resets the demo password.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_ADMIN_EMAIL = "admin@scholarnet.local"
DEMO_ADMIN_PASSWORD = "scholarnet-demo"  # noqa: S105 - a published demo login for local runs only


class Command(BaseCommand):
    help = "Create the demo moderator account (and later the demo content)."

    def handle(self, *args: object, **options: object) -> None:
        user_model = get_user_model()
        admin, created = user_model.objects.get_or_create(
            email=DEMO_ADMIN_EMAIL,
            defaults={"nickname": "Demo Moderator", "is_staff": True, "is_superuser": True},
        )
        admin.set_password(DEMO_ADMIN_PASSWORD)
        admin.save(update_fields=["password"])
        verb = "created" if created else "kept"
        self.stdout.write(f"Demo login ({verb}): {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
