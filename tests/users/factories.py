from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from apps.users.models import User, UserSession

PASSWORD = "violet-harbour-lantern-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"researcher{n}@example.org")
    nickname = factory.Sequence(lambda n: f"Researcher {n}")
    about = "Works on sparse linear algebra."
    password = factory.django.Password(PASSWORD)


class UserSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserSession

    user = factory.SubFactory(UserFactory)
    user_agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"
    ip = "192.0.2.10"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
