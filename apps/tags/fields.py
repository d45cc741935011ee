"""A character column that compares code point by code point on every database.

The test and production MariaDB databases default to ``utf8mb4_unicode_ci``, which is case- and
accent-insensitive: there "café" equals "cafe" and "ß" equals "ss", so a unique index would join
names that SQLite and PostgreSQL keep apart, and a lookup would match rows the key never meant.
A binary collation makes the database compare exactly the key we computed (``names.name_key``)
and order it by code point everywhere. Django's ``db_collation`` is one name for every backend,
hence this field.
"""

from __future__ import annotations

from typing import Any

from django.db import models

BINARY_COLLATIONS = {
    "mysql": "utf8mb4_bin",
    "postgresql": "C",
    # SQLite compares with BINARY unless told otherwise.
}


class BinaryCharField(models.CharField):
    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params = super().db_parameters(connection)
        params["collation"] = BINARY_COLLATIONS.get(connection.vendor)
        return params
