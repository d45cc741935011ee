"""The articles app's per-action limits (see scholarnet.ratelimit.scopes)."""

from scholarnet.ratelimit.scopes import RateScope

# Each import is a call to Crossref on the user's behalf: a few a minute is plenty for a person.
DOI_IMPORT = RateScope(
    "article_doi_import", default="10/60s", help="DOI imports per signed-in user"
)
