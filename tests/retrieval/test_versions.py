import pytest

from assistant.errors import InputError
from retrieval.versions import is_available, parse_version, version_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.2", (3, 2)),
        ("v3.2.1", (3, 2, 1)),
        ("V10.0", (10, 0)),
        (" 3.10 ", (3, 10)),
        ("３．２", (3, 2)),
    ],
    ids=["major-minor", "v-prefix-patch", "capital-v", "whitespace", "full-width"],
)
def test_parse_version_valid(text: str, expected: tuple[int, ...]) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize("text", ["3", "latest", "3.2.1.4", "", "v", "3.x", "-1.0"])
def test_parse_version_invalid_message(text: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_version(text)

    assert repr(text) in str(raised.value)
    assert "MAJOR.MINOR[.PATCH]" in str(raised.value)


def test_version_key_orders_like_versions() -> None:
    versions = ["3.10", "3.2", "3.9.1", "10.0", "3.9", "2.99.999"]

    ordered = sorted(versions, key=version_key)

    assert ordered == ["2.99.999", "3.2", "3.9", "3.9.1", "3.10", "10.0"]


def test_version_key_values() -> None:
    assert version_key("3.2") == 3_002_000
    assert version_key("v3.2.1") == 3_002_001
    assert version_key(None) == 0


def test_version_key_component_over_999() -> None:
    with pytest.raises(InputError, match="1000"):
        version_key("1.1000")


@pytest.mark.parametrize(
    ("introduced_in", "removed_in", "version", "expected"),
    [
        (None, None, "1.0", True),
        ("3.2", None, "3.2", True),
        ("3.2", None, "3.2.0", True),
        ("3.2", None, "3.1.9", False),
        ("3.2", "3.4", "3.3.5", True),
        ("3.2", "3.4", "3.4", False),
        (None, "3.4", "3.4.1", False),
        (None, "3.4", "3.10", False),
        ("3.10", None, "3.9", False),
    ],
)
def test_is_available(
    introduced_in: str | None, removed_in: str | None, version: str, expected: bool
) -> None:
    assert is_available(introduced_in, removed_in, version) is expected


def test_is_available_rejects_invalid_version() -> None:
    with pytest.raises(InputError, match="'next'"):
        is_available("3.0", None, "next")
