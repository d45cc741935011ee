"""Mounted at ``/orcid-sim/`` by config/urls.py only when ORCID_SIMULATOR_ENABLED."""

from django.urls import path

from apps.orcid_sim import oauth

app_name = "orcid_sim"

urlpatterns = [
    path("oauth/authorize", oauth.authorize, name="authorize"),
    path("oauth/token", oauth.token, name="token"),
    path("oauth/userinfo", oauth.userinfo, name="userinfo"),
    path("v2.0/<str:orcid>", oauth.record, name="record"),
]
