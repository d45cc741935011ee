"""Account security (two-factor sign-in, ORCID), citations, revisions, attachments, typed
reviews and the DOI import. Literal paths without a trailing slash under ``/a/<id>/``: the
reading pages own ``/a/<id>/<slug>/``."""

from django.urls import path

from apps.web.urls import library  # noqa: F401 - registers the library_id converter used here
from apps.web.views import academic, academic_security

urlpatterns = [
    path("me/security/", academic_security.security_view, name="security"),
    path("me/security/2fa/enrol", academic_security.mfa_enrol_view, name="security-2fa-enrol"),
    path(
        "me/security/2fa/confirm", academic_security.mfa_confirm_view, name="security-2fa-confirm"
    ),
    path(
        "me/security/2fa/disable", academic_security.mfa_disable_view, name="security-2fa-disable"
    ),
    path(
        "me/security/2fa/recovery-codes",
        academic_security.mfa_recovery_codes_view,
        name="security-2fa-recovery-codes",
    ),
    path("me/security/orcid/link", academic_security.orcid_link_view, name="security-orcid-link"),
    path(
        "me/security/orcid/unlink",
        academic_security.orcid_unlink_view,
        name="security-orcid-unlink",
    ),
    path("login/orcid/", academic_security.orcid_login_view, name="login-orcid"),
    path(
        "login/orcid/callback",
        academic_security.orcid_callback_view,
        name="login-orcid-callback",
    ),
    path("a/<library_id:article_id>/cite", academic.cite_view, name="article-cite"),
    path("a/<library_id:article_id>/revisions", academic.revision_list_view, name="revisions"),
    path(
        "a/<library_id:article_id>/revisions/diff",
        academic.revision_diff_view,
        name="revision-diff",
    ),
    path(
        "a/<library_id:article_id>/revisions/<library_id:number>",
        academic.revision_view,
        name="revision",
    ),
    path("a/<library_id:article_id>/reviews", academic.reviews_view, name="reviews"),
    path("a/<library_id:article_id>/attachments", academic.attachments_view, name="attachments"),
    path(
        "attachments/<library_id:attachment_id>",
        academic.attachment_download_view,
        name="attachment",
    ),
    path(
        "attachments/<library_id:attachment_id>/delete",
        academic.attachment_delete_view,
        name="attachment-delete",
    ),
    path("write/doi-import", academic.doi_import_view, name="write-doi-import"),
]
