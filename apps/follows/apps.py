from django.apps import AppConfig


class FollowsConfig(AppConfig):
    name = "apps.follows"
    label = "follows"
    verbose_name = "Follows"

    def ready(self) -> None:
        # Answer the users app's bulk reads: follower/followee counts and the viewer's flag.
        from apps.follows import selectors
        from apps.users.providers import user_follow_counts_providers, user_follow_flags_providers

        user_follow_counts_providers.register(
            name=self.label,
            fields=selectors.PROVIDED_COUNTS,
            provide=selectors.follow_counts_provide,
        )
        user_follow_flags_providers.register(
            name=self.label, fields=selectors.PROVIDED_FLAGS, provide=selectors.follow_flags_provide
        )
