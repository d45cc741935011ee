"""Sign in and register, sign out, the session list."""

from django.urls import path

from apps.web.views import account

urlpatterns = [
    path("login/", account.login_view, name="login"),
    path("login/sms/send", account.sms_send_view, name="login-sms-send"),
    path("login/sms/verify", account.sms_verify_view, name="login-sms-verify"),
    path("login/2fa", account.second_factor_view, name="login-2fa"),
    path("login/wechat/", account.wechat_start_view, name="login-wechat"),
    path("login/wechat/callback", account.wechat_callback_view, name="login-wechat-callback"),
    path("register/", account.register_view, name="register"),
    path("logout/", account.logout_view, name="logout"),
    path("me/sessions/", account.sessions_view, name="sessions"),
    path(
        "me/sessions/sign-out-elsewhere",
        account.sessions_revoke_others_view,
        name="sessions-revoke-others",
    ),
    path(
        "me/sessions/<uuid:session_id>/revoke",
        account.session_revoke_view,
        name="session-revoke",
    ),
]
