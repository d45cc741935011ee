from django.apps import AppConfig


class WechatSimConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.wechat_sim"
    label = "wechat_sim"
    verbose_name = "WeChat simulator (local only)"
