"""Tag name rules: how a typed name becomes the stored display name and its comparison key.

- The display name is NFKC-normalised (full-width letters and compatibility forms become their
  plain forms), runs of whitespace become one space, and the ends are stripped. It keeps the
  case it was first typed with: "Machine Learning" stays "Machine Learning".
- The key is the display name case-folded (then NFKC again, as Unicode recommends), so
  "Machine Learning", "machine learning" and "MACHINE   LEARNING" are one tag. Uniqueness,
  lookups and the prefix filter all use the key.
- A name is 1 to 32 characters (after normalisation) and has no "/" (it is a URL path segment
  in /tags/{name}/articles) and no control characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

NAME_MAX_LENGTH = 32
# Case folding may expand a character ("ß" -> "ss", "ﬃ" -> "ffi"): room for the worst case.
NAME_KEY_MAX_LENGTH = NAME_MAX_LENGTH * 4
MAX_TAGS_PER_RESOURCE = 10

_WHITESPACE = re.compile(r"\s+")


class TagNameInvalid(ValueError):
    """Names that break the rules above; ``messages`` are fit to show to the user."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = list(messages)


@dataclass(frozen=True, slots=True)
class TagName:
    display: str
    key: str


def display_form(raw: str) -> str:
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", raw)).strip()


def name_key(name: str) -> str:
    """The comparison key of a name (display form or raw input; the result is the same)."""
    return unicodedata.normalize("NFKC", display_form(name).casefold())


def tag_name_parse(raw: str) -> TagName:
    """The display name and key of one typed name, else ``TagNameInvalid``."""
    display = display_form(raw)
    if not display:
        raise TagNameInvalid("A tag name cannot be blank.")
    if len(display) > NAME_MAX_LENGTH:
        raise TagNameInvalid(f'"{display}" is longer than {NAME_MAX_LENGTH} characters.')
    if "/" in display or any(unicodedata.category(char) == "Cc" for char in display):
        raise TagNameInvalid(f'"{display}" contains "/" or a control character.')
    key = name_key(display)
    if len(key) > NAME_KEY_MAX_LENGTH:  # only reachable through extreme case-folding growth
        raise TagNameInvalid(f'"{display}" is too long.')
    return TagName(display=display, key=key)


def tag_names_parse(raws: list[str]) -> list[TagName]:
    """The distinct names of a resource's tag list, in the order given.

    A later name with the key of an earlier one is dropped (the first spelling wins). Every
    problem is collected, so one answer lists them all.
    """
    problems: list[str] = []
    names: dict[str, TagName] = {}
    for raw in raws:
        if not isinstance(raw, str):
            problems.append("Each tag name must be a string.")
            continue
        try:
            name = tag_name_parse(raw)
        except TagNameInvalid as error:
            problems.extend(error.messages)
            continue
        names.setdefault(name.key, name)
    if len(names) > MAX_TAGS_PER_RESOURCE:
        problems.append(f"At most {MAX_TAGS_PER_RESOURCE} tags are allowed; got {len(names)}.")
    if problems:
        raise TagNameInvalid(*problems)
    return list(names.values())


def prefix_key(query: str) -> str:
    """The key prefix a search box's text matches; empty matches everything."""
    return name_key(query)[:NAME_KEY_MAX_LENGTH]
