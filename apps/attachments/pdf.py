"""What makes a file a PDF here, and its text: both with pypdf, both from the bytes alone.

A PDF must start with ``%PDF-`` and pypdf must parse it (its cross-reference table and at least
one page): a renamed text or image file, or a truncated PDF, is refused whatever it is called.
Extraction stops at ``max_chars``, so a huge document cannot flood the search index.
"""

from __future__ import annotations

import logging
from typing import IO

from pypdf import PdfReader
from pypdf.errors import PyPdfError

logger = logging.getLogger(__name__)

MAGIC = b"%PDF-"


def is_pdf(stream: IO[bytes]) -> bool:
    """Whether ``stream`` holds a PDF that pypdf can open (the stream is rewound after)."""
    try:
        stream.seek(0)
        if stream.read(len(MAGIC)) != MAGIC:
            return False
        stream.seek(0)
        return len(PdfReader(stream, strict=False).pages) > 0
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        return False
    finally:
        stream.seek(0)


def pdf_text(stream: IO[bytes], *, max_chars: int) -> str:
    """The text of every page, in order, cut at ``max_chars`` characters."""
    parts: list[str] = []
    length = 0
    for page in PdfReader(stream, strict=False).pages:
        text = (page.extract_text() or "").strip()
        if not text:
            continue
        parts.append(text)
        length += len(text) + 1
        if length >= max_chars:
            break
    return "\n".join(parts)[:max_chars]
