"""ORCID sign-in and linking through social-core's ``orcid`` backend (``ORCIDOAuth2``).

As with WeChat (``apps.users.wechat``): social-core does the protocol (authorization URL, code
exchange, userinfo and public-record calls), the OAuth state lives in a signed cookie, and the
identity becomes a user here instead of in social-auth's pipeline. The cookie also says whether
the attempt signs in or links the iD to the account that started it.
"""
