from __future__ import annotations

from rest_framework.routers import SimpleRouter

from apps.users.wechat.apis import WeChatLoginViewSet

router = SimpleRouter(trailing_slash=False)
router.register("auth/wechat", WeChatLoginViewSet, basename="wechat")

urlpatterns = router.urls
