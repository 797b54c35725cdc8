"""Reading KB files (Markdown, text, HTML) into `Document`s with their metadata.

A file may start with YAML front matter between `---` lines. The keys read are `title`,
`module`, `roles`, `versions: {introduced_in, removed_in}` (also accepted at the top level),
`tags` and `language`. Other keys are ignored, so pages exported from documentation sites
load unchanged.

An HTML file may also give these keys, except `versions`, as `<meta name="KEY" content="VALUE">`
tags, with lists comma-separated. `<meta name="keywords">` stands in for `tags`, and
`<html lang>` for `language` when it names a product language. A front matter key wins over the
same meta tag. What the metadata leaves out is inferred from the path and the body.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assistant.domain import MODULES, Language, Role
from assistant.errors import InputError
from assistant.i18n import translate
from assistant.injection import split_instructions
from assistant.text import detect_language
from retrieval.html_text import html_to_markdown, read_html_head
from retrieval.markdown_text import clean_markdown, iter_code_flags, parse_heading, prose_text
from retrieval.versions import VERSION_FORM, parse_version

logger = logging.getLogger(__name__)

KB_FILE_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".html", ".htm"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
TEXT_SUFFIXES = frozenset({".txt"})
DEFAULT_ROLES: tuple[str, ...] = tuple(role.value for role in Role)
DEFAULT_MODULE = "general"
BINARY_SNIFF_BYTES = 8192
OUTSIDE_KB_CODE = "outside_kb"
"""Skip code of a symbolic link whose target lies outside the KB folder."""
MAX_FILE_BYTES_ENV = "ASSISTANT_INGEST_MAX_FILE_BYTES"
"""The setting that raises the size limit of one KB file, named in the skip reason."""
"""A NUL byte in this many leading bytes marks a file as binary."""

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_FRONT_MATTER_OPEN = "---"
_FRONT_MATTER_CLOSE = ("---", "...")
_INDEX_STEMS = frozenset({"readme", "index", "_index"})

META_KEYS = ("title", "module", "roles", "introduced_in", "removed_in", "tags", "language")
"""Names of the `<meta>` tags read as metadata, each the front matter key of the same name."""
KEYWORDS_META = "keywords"
"""The `<meta>` tag read as `tags` when the page has no `<meta name="tags">`."""
_META_CODE_PREFIX = "meta_"

FOLDER_MODULES: dict[str, str] = {
    "work-packages": "tasks",
    "issues": "tasks",
    "gantt-chart": "gantt",
    "book-cloud": "billing",
    "budgets": "time_tracking",
    "agile-boards": "boards",
    "time-and-costs": "time_tracking",
    "time-tracking": "time_tracking",
    "users-permissions": "permissions",
    "roles-permissions": "permissions",
    "account-settings": "account",
    "system-admin-guide": "admin",
    "organizations": "admin",
}
"""Folder names that map to a module as a whole, checked before `MODULE_KEYWORDS`."""

MODULE_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("billing", ("billing", "invoices", "invoice", "subscription", "pricing", "quote", "paid")),
    ("notifications", ("notification", "notifications", "subscriptions", "email", "emails")),
    ("permissions", ("permission", "permissions", "role", "roles", "access", "members")),
    ("gantt", ("gantt", "timeline", "timelines")),
    ("boards", ("board", "boards", "taskboard", "kanban", "backlogs", "sprints")),
    ("time_tracking", ("time-tracking", "time-tracker", "costs", "cost-tracking", "timesheet")),
    ("integrations", ("integration", "integrations", "gitlab", "nextcloud", "webhooks", "api")),
    ("account", ("account", "profile", "sign-in", "signing-up", "two-factor", "2fa", "avatars")),
    ("tasks", ("work-package", "work-packages", "issue", "issues", "task", "tasks")),
    ("admin", ("admin", "administration", "authentication", "ldap", "saml", "organization")),
)
"""Module per word of a folder name ("managing-billing-for-your-account" -> billing).

The first module with a matching word wins, so the order settles names that match several.
A keyword with a hyphen matches that run of words.
"""


@dataclass(frozen=True, slots=True)
class Document:
    """One KB file, its metadata and its text."""

    doc: str
    """Path relative to the ingested root, with `/` separators."""
    title: str
    module: str
    """One of `assistant.domain.MODULES`."""
    roles: tuple[str, ...]
    """Roles the page is written for: all roles unless the metadata narrows them."""
    introduced_in: str | None
    """First product version with the feature, as written in the metadata."""
    removed_in: str | None
    """First product version without the feature."""
    tags: tuple[str, ...]
    language: str
    """"zh" or "en"."""
    body: str
    """Markdown text without front matter, HTML converted, noise lines removed, not normalized."""
    sha256: str
    """Hex SHA-256 of the raw file bytes."""
    left_out: tuple[str, ...] = ()
    """Lines of the file that give the assistant instructions, left out of `body`."""


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A KB file that could not be loaded, with a reason the KB author can act on."""

    doc: str
    reason: str
    """The reason in English."""
    code: str = "other"
    """Names the message `skip_<code>` of `assistant/messages.yaml` that translates `reason`."""
    params: dict[str, str] = field(default_factory=dict)
    """Values of the message's placeholders."""

    def reason_in(self, language: Language | str) -> str:
        """Return the reason in a language; a code without a message keeps the English text."""
        try:
            return translate(f"skip_{self.code}", language, **self.params)
        except KeyError:
            return self.reason


class DocumentError(InputError):
    """Raised when a KB file cannot be loaded; `reason` gives the cause and the fix in English.

    `code` names the message `skip_<code>` of `assistant/messages.yaml`, filled with `params`,
    that gives the reason in other languages.
    """

    def __init__(self, doc: str, code: str, **params: str) -> None:
        reason = translate(f"skip_{code}", Language.EN, **params)
        super().__init__(f"{doc}: {reason}")
        self.doc = doc
        self.reason = reason
        self.skip_code = code
        self.skip_params = params

    def to_skipped(self) -> SkippedFile:
        """Return the skipped-file entry of this error."""
        return SkippedFile(self.doc, self.reason, self.skip_code, dict(self.skip_params))


def iter_kb_files(root: Path) -> Iterator[Path]:
    """Yield the KB files under `root` recursively, sorted by relative path.

    KB files end in .md, .markdown, .txt, .html or .htm (any case). Files and folders whose
    names start with a dot are skipped, and so are the links that `scan_kb_folder` skips.
    """
    yield from scan_kb_folder(root)[0]


def scan_kb_folder(root: Path) -> tuple[list[Path], list[SkippedFile]]:
    """Find the KB files under `root`, and the symbolic links that are not followed.

    A link is followed when its target lies inside `root`. A link to a file or folder outside
    `root` is skipped, and so is a link to a folder that contains the link, which would loop.
    The files are sorted by relative path and keep the link names in their paths.
    """
    walk = _KbWalk(root, _real_path(root))
    walk.visit(root, frozenset({walk.real_root}))
    walk.found.sort()
    walk.skipped.sort(key=lambda skipped: skipped.doc)
    return [path for _, path in walk.found], walk.skipped


@dataclass
class _KbWalk:
    """The state of one walk of a KB folder."""

    root: Path
    real_root: Path
    found: list[tuple[str, Path]] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    def visit(self, folder: Path, real_parents: frozenset[Path]) -> None:
        """Collect the KB files under `folder`; `real_parents` are the real paths walked so far."""
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            logger.warning("Cannot list KB folder %s: %s", folder, error.strerror)
            return

        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue
            if _is_folder(entry):
                self._visit_folder(path, real_parents)
            elif path.suffix.lower() in KB_FILE_SUFFIXES:
                self._add_file(path, entry.is_symlink())

    def _visit_folder(self, path: Path, real_parents: frozenset[Path]) -> None:
        real = _real_path(path)
        if not real.is_relative_to(self.real_root):
            self._skip(path, OUTSIDE_KB_CODE, real)
        elif real in real_parents:
            self._skip(path, "symlink_loop", real)
        else:
            self.visit(path, real_parents | {real})

    def _add_file(self, path: Path, is_link: bool) -> None:
        real = _real_path(path) if is_link else None
        if real is not None and not real.is_relative_to(self.real_root):
            self._skip(path, OUTSIDE_KB_CODE, real)
        else:
            self.found.append((self._doc(path), path))

    def _skip(self, path: Path, code: str, target: Path) -> None:
        error = DocumentError(self._doc(path), code, target=repr(str(target)))
        logger.info("Skipped KB path %s: %s", error.doc, error.reason)
        self.skipped.append(error.to_skipped())

    def _doc(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Tell whether an entry is a folder or links to one; a link loop is neither."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def load_documents(
    root: Path, *, max_file_bytes: int | None = None
) -> tuple[list[Document], list[SkippedFile]]:
    """Load every KB file under `root`, returning the files that cannot be loaded as skipped.

    Args:
        root: The KB folder.
        max_file_bytes: Files larger than this are skipped; None loads files of any size.

    Raises:
        InputError: `root` is not a folder.
    """
    if not root.is_dir():
        raise InputError(f"KB folder {str(root)!r} does not exist or is not a folder")

    documents: list[Document] = []
    paths, skipped = scan_kb_folder(root)
    for path in paths:
        try:
            documents.append(load_document(path, root, max_file_bytes=max_file_bytes))
        except DocumentError as error:
            logger.info("Skipped KB file %s: %s", error.doc, error.reason)
            skipped.append(error.to_skipped())
    skipped.sort(key=lambda file: file.doc)
    return documents, skipped


def load_document(path: Path, root: Path, *, max_file_bytes: int | None = None) -> Document:
    """Read one KB file into a `Document`.

    Args:
        path: The file, inside `root`.
        root: The KB folder; `Document.doc` is relative to it.
        max_file_bytes: A larger file is rejected; None reads files of any size.

    Raises:
        DocumentError: the file is a link to a path outside `root`, larger than
            `max_file_bytes`, binary, not UTF-8, empty, or has invalid front matter or an
            invalid value in a `<meta>` tag.
    """
    doc = _relative_doc(path, root)
    try:
        real = _real_path(path)
        if not real.is_relative_to(_real_path(root)):
            raise DocumentError(doc, OUTSIDE_KB_CODE, target=repr(str(real)))
        _check_size(doc, path.stat().st_size, max_file_bytes)
        raw = path.read_bytes()
    except OSError as error:
        raise DocumentError(doc, "unreadable", error=str(error.strerror)) from error

    text = _decode(doc, raw)
    front_matter, body = _split_front_matter(doc, text)
    sources = [_MetadataSource(front_matter)]
    page_language = None
    if path.suffix.lower() in HTML_SUFFIXES:
        head = read_html_head(body)
        sources.append(_meta_tag_source(head.meta))
        page_language = _read_page_language(doc, head.language)
        body = html_to_markdown(body)
    body, left_out = _drop_instructions(doc, clean_markdown(body))
    if not body:
        code = "empty_after_front_matter" if front_matter else "empty_document"
        raise DocumentError(doc, code)

    versions = _read_versions(doc, sources)
    language = _read_language(doc, sources) or page_language
    return Document(
        doc=doc,
        title=_read_title(sources) or _infer_title(path, body),
        module=_read_module(doc, sources) or infer_module(doc),
        roles=_read_roles(doc, sources),
        introduced_in=versions[0],
        removed_in=versions[1],
        tags=_read_tags(sources),
        language=language or detect_language(prose_text(body)).value,
        body=body,
        sha256=hashlib.sha256(raw).hexdigest(),
        left_out=left_out,
    )


def _drop_instructions(doc: str, body: str) -> tuple[str, tuple[str, ...]]:
    """Return the body without the lines that speak to the assistant, and those lines."""
    readable, left_out = split_instructions(body)
    if not left_out:
        return body, ()
    logger.info("KB file %s: left out %d lines that instruct the assistant", doc, len(left_out))
    return readable.strip(), left_out


def infer_module(doc: str) -> str:
    """Infer a module from the folder names of a relative path, nearest folder first.

    Returns "general" when no folder name points to a module.
    """
    for folder in reversed(doc.split("/")[:-1]):
        module = _module_of_folder(folder.lower())
        if module is not None:
            return module
    return DEFAULT_MODULE


def _module_of_folder(folder: str) -> str | None:
    as_module = folder.replace("-", "_")
    if as_module in MODULES:
        return as_module
    if folder in FOLDER_MODULES:
        return FOLDER_MODULES[folder]

    padded = "-" + folder.replace("_", "-") + "-"
    for module, keywords in MODULE_KEYWORDS:
        if any(f"-{keyword}-" in padded for keyword in keywords):
            return module
    return None


def _real_path(path: Path) -> Path:
    """Resolve the links in `path`, stopping at a symbolic link loop.

    `Path.resolve` raises RuntimeError on a loop before Python 3.13, and `os.path.realpath`
    returns the path up to the loop instead, so reading the file then fails with ELOOP.
    """
    return Path(os.path.realpath(path))


def _check_size(doc: str, size: int, max_file_bytes: int | None) -> None:
    if max_file_bytes is not None and size > max_file_bytes:
        raise DocumentError(
            doc,
            "too_large",
            size=format_megabytes(size),
            limit=format_megabytes(max_file_bytes),
            setting=MAX_FILE_BYTES_ENV,
        )


def format_megabytes(size: int) -> str:
    """Format a byte count as megabytes with the exact count ("48.2 MB (48,211,010 bytes)")."""
    return f"{size / 1_000_000:.1f} MB ({size:,} bytes)"


def _relative_doc(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        raise InputError(
            f"KB file {str(path)!r} is not inside the KB folder {str(root)!r}"
        ) from None


def _decode(doc: str, raw: bytes) -> str:
    if raw.startswith(_UTF16_BOMS):
        raise DocumentError(doc, "utf16")
    if b"\x00" in raw[:BINARY_SNIFF_BYTES]:
        raise DocumentError(doc, "binary")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        offset = error.start + (len(_UTF8_BOM) if raw.startswith(_UTF8_BOM) else 0)
        byte = raw[offset]
        raise DocumentError(doc, "not_utf8", byte=f"0x{byte:02x}", offset=str(offset)) from None


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML loader that keeps unquoted numbers with a dot as strings.

    Without it, `introduced_in: 3.10` would load as the float 3.1.
    """


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [entry for entry in resolvers if entry[0] != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _split_front_matter(doc: str, text: str) -> tuple[Mapping[str, object], str]:
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != _FRONT_MATTER_OPEN:
        return {}, text

    closing = next(
        (i for i, line in enumerate(lines[1:], 1) if line.rstrip() in _FRONT_MATTER_CLOSE), None
    )
    if closing is None:
        raise DocumentError(doc, "front_matter_unclosed")

    data = _parse_yaml(doc, lines[1:closing])
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DocumentError(doc, "front_matter_not_mapping", type=_yaml_type(data))
    return {str(key): value for key, value in data.items()}, "\n".join(lines[closing + 1 :])


def _parse_yaml(doc: str, lines: list[str]) -> object:
    """Parse front matter, retrying once without trailing whitespace.

    PyYAML rejects a tab after a value ("priority: 890\\t"), which editors leave behind and
    which never changes the meaning of block-style front matter.
    """
    try:
        return yaml.load("\n".join(lines), Loader=_FrontMatterLoader)
    except yaml.YAMLError as error:
        first_error = error
    try:
        return yaml.load("\n".join(line.rstrip() for line in lines), Loader=_FrontMatterLoader)
    except yaml.YAMLError:
        detail = _describe_yaml_error(first_error)
        raise DocumentError(doc, "front_matter_invalid_yaml", detail=detail) from None


def _describe_yaml_error(error: yaml.YAMLError) -> str:
    """Describe a YAML error with its line number in the file (front matter starts on line 2)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        return f"{error.problem} at line {error.problem_mark.line + 2}"
    return str(error)


def _yaml_type(value: object) -> str:
    return "list" if isinstance(value, list) else type(value).__name__


@dataclass(frozen=True, slots=True)
class _MetadataSource:
    """Metadata keys and values from one place in a KB file."""

    values: Mapping[str, object]
    code_prefix: str = ""
    """Prefix of the skip codes of invalid values, so that the reason names the place."""


def _meta_tag_source(meta: Mapping[str, str]) -> _MetadataSource:
    values: dict[str, object] = {key: meta[key] for key in META_KEYS if key in meta}
    if "tags" not in values and KEYWORDS_META in meta:
        values["tags"] = meta[KEYWORDS_META]
    return _MetadataSource(values, _META_CODE_PREFIX)


def _first_value(
    sources: Sequence[_MetadataSource], *keys: str
) -> tuple[object, _MetadataSource] | None:
    """Return the first value given for one of `keys`, and its source.

    A missing key, null, a blank string and an empty list count as not given.
    """
    for source in sources:
        for key in keys:
            value = source.values.get(key)
            blank = value is None or value == [] or (isinstance(value, str) and not value.strip())
            if not blank:
                return value, source
    return None


def _read_title(sources: Sequence[_MetadataSource]) -> str | None:
    found = _first_value(sources, "title")
    if found is None:
        return None
    return " ".join(str(found[0]).split()) or None


def _infer_title(path: Path, body: str) -> str:
    """Take the first heading, else the first line of a .txt file, else the file name."""
    for line, in_code in iter_code_flags(body.splitlines()):
        heading = None if in_code else parse_heading(line)
        if heading is not None:
            return heading[1]

    if path.suffix.lower() in TEXT_SUFFIXES:
        first_line = next((line.strip() for line in body.splitlines() if line.strip()), "")
        if first_line:
            return first_line

    stem = path.stem
    if stem.lower() in _INDEX_STEMS and path.parent.name:
        stem = path.parent.name
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:]


def _read_module(doc: str, sources: Sequence[_MetadataSource]) -> str | None:
    found = _first_value(sources, "module")
    if found is None:
        return None

    value, source = found
    module = _module_of_folder(str(value).strip().lower())
    if module is None:
        raise DocumentError(
            doc,
            source.code_prefix + "unknown_module",
            value=repr(value),
            valid=", ".join(MODULES),
        )
    return module


def _read_roles(doc: str, sources: Sequence[_MetadataSource]) -> tuple[str, ...]:
    found = _first_value(sources, "roles")
    if found is None:
        return DEFAULT_ROLES
    value, source = found
    roles = tuple(role.lower() for role in _read_string_list(value))
    if not roles:
        return DEFAULT_ROLES

    unknown = [role for role in roles if role not in DEFAULT_ROLES]
    if unknown:
        raise DocumentError(
            doc,
            source.code_prefix + "unknown_roles",
            roles=", ".join(map(repr, unknown)),
            valid=", ".join(DEFAULT_ROLES),
        )
    return tuple(dict.fromkeys(roles))


def _read_tags(sources: Sequence[_MetadataSource]) -> tuple[str, ...]:
    found = _first_value(sources, "tags")
    return _read_string_list(found[0]) if found else ()


def _read_versions(doc: str, sources: Sequence[_MetadataSource]) -> tuple[str | None, str | None]:
    """Read introduced_in/removed_in from `versions:` or the top level, validated.

    A `versions` value of another shape (GitHub Docs' `{fpt: '*', ghes: '*'}`) is ignored.
    """
    places: list[_MetadataSource] = []
    for source in sources:
        nested = source.values.get("versions")
        if isinstance(nested, dict):
            places.append(_MetadataSource(nested, source.code_prefix))
        places.append(source)

    introduced = _first_version(doc, places, "introduced_in")
    removed = _first_version(doc, places, "removed_in")
    if introduced and removed and parse_version(removed) <= parse_version(introduced):
        raise DocumentError(
            doc, "version_order", removed=repr(removed), introduced=repr(introduced)
        )
    return introduced, removed


def _first_version(doc: str, sources: Sequence[_MetadataSource], key: str) -> str | None:
    found = _first_value(sources, key)
    if found is None:
        return None

    value = str(found[0]).strip()
    try:
        parse_version(value)
    except InputError:
        raise DocumentError(
            doc,
            found[1].code_prefix + "invalid_version",
            name=key,
            value=repr(value),
            form=VERSION_FORM,
        ) from None
    return value


def _read_language(doc: str, sources: Sequence[_MetadataSource]) -> str | None:
    found = _first_value(sources, "language", "lang")
    if found is None:
        return None

    value, source = found
    language = _product_language(str(value))
    if language is None:
        raise DocumentError(doc, source.code_prefix + "unsupported_language", value=repr(value))
    return language


def _read_page_language(doc: str, value: str | None) -> str | None:
    """Map the `<html lang>` of a page to a product language, ignoring other languages.

    The KB author writes a `language` key for the assistant, so an unsupported one skips the
    file. `<html lang>` comes from the site's template instead, so a page whose tag names
    another language is still loaded, with its language detected from the text.
    """
    if value is None:
        return None
    language = _product_language(value)
    if language is None:
        logger.info("KB file %s: <html lang=%r> is not zh or en, so it is ignored", doc, value)
    return language


def _product_language(tag: str) -> str | None:
    """Map a language tag ("zh-Hans", "en_US") to a product language by its primary subtag."""
    primary = re.split(r"[-_]", tag.strip().lower())[0]
    return primary if primary in {language.value for language in Language} else None


def _read_string_list(value: object) -> tuple[str, ...]:
    """Read a YAML list or a comma-separated string ("a, b" or "a，b") as stripped strings."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else re.split(r"[,，]", str(value))
    stripped = (str(item).strip() for item in items if item is not None)
    return tuple(item for item in stripped if item)
