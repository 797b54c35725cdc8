"""Product version strings ("3.2", "v3.2.1") as comparable values for KB filters."""

from __future__ import annotations

import re
import unicodedata

from assistant.errors import InputError

VERSION_FORM = "MAJOR.MINOR[.PATCH]"
_VERSION_RE = re.compile(r"[vV]?(\d+)\.(\d+)(?:\.(\d+))?")
_COMPONENT_LIMIT = 1_000
"""Each component must stay below this so `version_key` keeps the order of versions."""


def parse_version(text: str) -> tuple[int, ...]:
    """Parse a version such as "3.2" or "v3.2.1" into its numbers, e.g. (3, 2) or (3, 2, 1).

    Full-width digits ("３．２") are folded to ASCII first.

    Raises:
        InputError: the text is not of the form MAJOR.MINOR[.PATCH].
    """
    match = _VERSION_RE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        raise InputError(
            f"invalid version {text!r}: expected the form {VERSION_FORM}, e.g. '3.2' or '3.2.1'",
            code="invalid_version",
            version=text,
        )

    return tuple(int(part) for part in match.groups() if part is not None)


def version_key(text: str | None) -> int:
    """Return an integer that sorts like the version, for range filters in a vector store.

    The key is major * 1_000_000 + minor * 1_000 + patch, and None gives 0.

    Raises:
        InputError: the version is invalid, or one of its numbers is 1000 or more.
    """
    if text is None:
        return 0

    major, minor, patch = _padded(text)
    for part in (minor, patch):
        if part >= _COMPONENT_LIMIT:
            raise InputError(
                f"invalid version {text!r}: minor and patch numbers must be below "
                f"{_COMPONENT_LIMIT}, got {part}"
            )
    return major * _COMPONENT_LIMIT**2 + minor * _COMPONENT_LIMIT + patch


def is_available(introduced_in: str | None, removed_in: str | None, version: str) -> bool:
    """Tell whether a feature exists in `version`.

    A feature is available from `introduced_in` (inclusive) up to `removed_in` (exclusive);
    None on either side means no bound. "3.2" compares equal to "3.2.0".

    Raises:
        InputError: one of the versions is invalid.
    """
    current = _padded(version)
    if introduced_in is not None and current < _padded(introduced_in):
        return False
    if removed_in is not None and current >= _padded(removed_in):
        return False
    return True


def _padded(text: str) -> tuple[int, int, int]:
    major, minor, *rest = parse_version(text)
    patch = rest[0] if rest else 0
    return major, minor, patch
