"""WeChat QR-connect login (OAuth 2.0) for the JSON API.

1. ``GET /api/v1/auth/wechat/url`` answers the ``open.weixin.qq.com/connect/qrconnect`` URL and
   sets a short-lived, signed ``wechat_state`` cookie holding the URL's ``state``.
2. The user scans the QR code; WeChat sends the browser to ``WECHAT_REDIRECT_URI`` with
   ``?code=&state=``.
3. ``GET /api/v1/auth/wechat/callback?code=&state=`` checks ``state`` against the cookie (so a
   login started in one browser cannot be finished in another), exchanges the code, reads the
   WeChat profile, finds or creates the user by union id / open id and answers the token pair.

social-core's ``WeixinOAuth2`` speaks the protocol; ScholarNet keeps the state, the users and
the sessions (see :mod:`apps.users.wechat.backend`).
"""
