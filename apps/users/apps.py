from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "apps.users"
    label = "users"
    verbose_name = "Users"

    def ready(self) -> None:
        # Registers the OpenAPI description of the authentication class.
        from apps.users import schema  # noqa: F401

        # Every change to a user gives it a new version token: processes reload their copy.
        from apps.users.user_cache import signals_connect

        signals_connect()
