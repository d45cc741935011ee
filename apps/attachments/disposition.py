"""A ``Content-Disposition`` that is safe for any uploaded file name (RFC 6266, RFC 5987).

The name is cleaned (no control characters, so no CR/LF header injection; no path), then sent
twice: ``filename=`` as plain ASCII with anything else replaced (old clients) and
``filename*=UTF-8''`` percent-encoded (everyone else, who prefer it).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

FALLBACK_NAME = "attachment.pdf"
MAX_NAME_LENGTH = 200
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\/]")


def filename_clean(name: str) -> str:
    """The uploader's file name, made harmless: the last path part, no control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("", name).strip()
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    stem = stem.strip().strip(".")
    if not stem:
        return FALLBACK_NAME
    return f"{stem[: MAX_NAME_LENGTH - 4]}{name[-4:] if stem != name else '.pdf'}"


def content_disposition(name: str) -> str:
    name = filename_clean(name)
    ascii_name = "".join(ch if " " <= ch <= "~" and ch not in '"\\;%' else "_" for ch in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
