"""How the OpenAPI schema describes ScholarNetAuthentication: per the configured auth mode."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ScholarNetAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.users.authentication.ScholarNetAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        if settings.AUTH_MODE == "cookie":
            return {
                "type": "apiKey",
                "in": "cookie",
                "name": settings.SESSION_COOKIE_NAME,
                "description": "Session cookie; unsafe methods also need the X-CSRFToken header.",
            }
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The access token from /auth/login, /auth/refresh or an SMS login.",
        }
