"""Documents of the caller's tenant's KBs (admin keys only).

Uploaded files are stored under `DATA_DIR/uploads/{tenant}/{kb}/` and indexed with the same
ingest as `assistant ingest`.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from api.deps import KbAdminDep, LanguageDep, ResourcesDep
from api.errors import PayloadTooLargeError
from api.resources import Resources, open_tenant_kb
from api.schemas import (
    DocumentPublic,
    DocumentRemoval,
    DocumentsPublic,
    IngestPublic,
    SkippedFilePublic,
    UploadReport,
)
from assistant.domain import Language
from assistant.errors import ConflictError, InputError, NotFoundError
from assistant.i18n import translate
from assistant.tenants import tenant_kb_name
from retrieval.documents import KB_FILE_SUFFIXES, DocumentError, SkippedFile, load_document
from retrieval.ingest import IngestReport, ingest_folder, remove_documents
from retrieval.knowledge_base import KnowledgeBase

router = APIRouter(prefix="/v1/kb", tags=["knowledge base"])

_NAME_PART_RE = re.compile(r"^[\w\- ][\w\-. ]*$")


def _safe_relative_path(name: str | None, root: Path) -> PurePosixPath:
    """Return an uploaded file name as a path inside `root`, rejecting any escape from it."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        raise _invalid_name(name)
    path = PurePosixPath(name)
    for part in path.parts:
        if part in {".", ".."} or not _NAME_PART_RE.match(part):
            raise _invalid_name(name)
    if not (root / path).resolve().is_relative_to(root.resolve()):
        raise _invalid_name(name)
    return path


def _check_unique_names(files: list[UploadFile], root: Path) -> None:
    """Raise InputError when two uploads have the same path, before any file is stored.

    Paths that differ only in letter case count as the same, because a case-insensitive file
    system (the default on macOS and Windows) would keep only one of them.
    """
    seen: dict[str, PurePosixPath] = {}
    for upload in files:
        path = _safe_relative_path(upload.filename, root)
        earlier = seen.get(path.as_posix().casefold())
        if earlier == path:
            raise InputError(
                f"file {path.as_posix()!r} is uploaded twice in one request",
                code="duplicate_upload_name",
                name=path.as_posix(),
            )
        if earlier is not None:
            raise _names_clash(
                earlier,
                path,
                "differ only in letter case, so a case-insensitive file system would keep one "
                "of them",
                code="duplicate_upload_name_case",
            )
        seen[path.as_posix().casefold()] = path
    _check_files_and_folders(list(seen.values()))


def _check_files_and_folders(paths: list[PurePosixPath]) -> None:
    """Raise InputError when one upload's name is a folder of another's, such as `a.md` and
    `a.md/b.md`, because the second could not be written."""
    files = {path.as_posix().casefold(): path for path in paths}
    for path in paths:
        for folder in path.parents[:-1]:
            earlier = files.get(folder.as_posix().casefold())
            if earlier is not None:
                raise _names_clash(
                    earlier,
                    path,
                    "cannot both be stored, because the second needs a folder where the first "
                    "is a file",
                    code="upload_file_and_folder",
                )


def _names_clash(
    earlier: PurePosixPath, path: PurePosixPath, reason: str, *, code: str
) -> InputError:
    """Return the error that rejects a request in which two uploads' names clash."""
    return InputError(
        f"files {earlier.as_posix()!r} and {path.as_posix()!r} {reason}; rename one. "
        "No file of this request was stored",
        code=code,
        name=path.as_posix(),
        earlier=earlier.as_posix(),
    )


def _stored_entries(root: Path) -> dict[str, dict[PurePosixPath, bool]]:
    """Map the casefolded path of every file and folder under `root` to its stored spellings,
    each with whether it is a folder. Files stored before uploads were checked for case may
    have several spellings."""
    entries: dict[str, dict[PurePosixPath, bool]] = {}
    if not root.is_dir():
        return entries
    for folder, folder_names, file_names in os.walk(root):
        base = PurePosixPath(Path(folder).relative_to(root).as_posix())
        for names, is_folder in ((folder_names, True), (file_names, False)):
            for name in names:
                path = base / name
                entries.setdefault(path.as_posix().casefold(), {})[path] = is_folder
    return entries


def _check_stored_names(paths: list[PurePosixPath], root: Path, kb: str) -> None:
    """Raise ConflictError when an upload clashes with a file or folder already stored.

    A file may replace the stored file of exactly its name. A file or folder name that
    differs from a stored one only in letter case is rejected, because a case-insensitive file
    system (the default on macOS and Windows) would keep only one of them. A file where a
    folder is stored, or a folder where a file is, is rejected too, because it cannot be
    written.
    """
    stored = _stored_entries(root)
    for path in paths:
        for part in (*reversed(path.parents[:-1]), path):
            spellings = stored.get(part.as_posix().casefold())
            if spellings:
                _check_stored_part(path, part, spellings, kb)


def _check_stored_part(
    path: PurePosixPath, part: PurePosixPath, spellings: dict[PurePosixPath, bool], kb: str
) -> None:
    """Check one folder of an uploaded file's path, or the file itself, against the stored
    files and folders whose names differ from it at most in letter case."""
    needs_folder = part != path
    stored, stored_is_folder = (
        (part, spellings[part]) if part in spellings else min(spellings.items())
    )
    name = path.as_posix()
    if stored_is_folder != needs_folder:
        if needs_folder:
            raise ConflictError(
                f"file {name!r} needs the folder {stored.as_posix()!r}, but KB {kb!r} already "
                "has a file of that name",
                code="upload_folder_is_file",
                name=name,
                folder=stored.as_posix(),
                kb=kb,
            )
        raise ConflictError(
            f"file {name!r} has the name of a folder already in KB {kb!r}",
            code="upload_file_is_folder",
            name=name,
            kb=kb,
        )
    if stored == part:
        return
    if needs_folder:
        raise ConflictError(
            f"the folder {part.as_posix()!r} of file {name!r} differs only in letter case from "
            f"the folder {stored.as_posix()!r} already in KB {kb!r}",
            code="upload_folder_case_conflict",
            name=name,
            folder=part.as_posix(),
            stored=stored.as_posix(),
            suggested=(stored / path.relative_to(part)).as_posix(),
            kb=kb,
        )
    raise ConflictError(
        f"file {name!r} differs only in letter case from the file {stored.as_posix()!r} "
        f"already in KB {kb!r}",
        code="upload_name_case_conflict",
        name=name,
        stored=stored.as_posix(),
        kb=kb,
    )


def _invalid_name(name: str | None) -> InputError:
    return InputError(
        f"invalid file name {name!r}", code="invalid_upload_name", name=str(name or "")
    )


def _skipped_public(skipped: SkippedFile, language: Language) -> SkippedFilePublic:
    return SkippedFilePublic(doc=skipped.doc, code=skipped.code, reason=skipped.reason_in(language))


def _rejected_public(skipped: SkippedFile, language: Language) -> SkippedFilePublic:
    """Describe a rejected upload; a binary file's reason also says what to upload instead."""
    if skipped.code != "binary":
        return _skipped_public(skipped, language)
    reason = translate("upload_rejected_binary", language, suffix=PurePosixPath(skipped.doc).suffix)
    return SkippedFilePublic(doc=skipped.doc, code=skipped.code, reason=reason)


def _ingest_public(report: IngestReport, language: Language) -> IngestPublic:
    return IngestPublic(
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged,
        removed=report.removed,
        skipped=[_skipped_public(skipped, language) for skipped in report.skipped],
        chunk_count=report.chunk_count,
        seconds=report.seconds,
    )


def _ingest(resources: Resources, tenant: str, kb: str) -> IngestReport:
    settings = resources.settings
    root = settings.upload_dir(tenant, kb)
    root.mkdir(parents=True, exist_ok=True)
    knowledge_base = KnowledgeBase(settings, tenant_kb_name(tenant, kb))
    try:
        with resources.agents.kb_lock(tenant, kb):
            report = ingest_folder(knowledge_base, root)
    finally:
        knowledge_base.close()
    resources.agents.invalidate(tenant, kb)
    return report


def _read_upload(upload: UploadFile, name: str, max_bytes: int) -> bytes:
    data = upload.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLargeError(
            f"file {name!r} is larger than {max_bytes} bytes",
            code="upload_too_large",
            name=name,
            limit=max_bytes,
        )
    return data


def _check_document(path: PurePosixPath, data: bytes) -> SkippedFile | None:
    """Load an uploaded file as ingest would, from a scratch folder, and return why ingest
    would skip it, or None when it can be indexed.

    The file is checked outside the upload folder, so a rejected upload never replaces a stored
    file of the same name.
    """
    with tempfile.TemporaryDirectory(prefix="kb-upload-") as scratch:
        root = Path(scratch)
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        try:
            load_document(target, root)
        except DocumentError as error:
            return error.to_skipped()
    return None


@router.post("/{kb}/documents", response_model=UploadReport)
def upload_documents(
    *,
    kb: str,
    files: Annotated[list[UploadFile], File(description="KB files: .md, .txt or .html")],
    key: KbAdminDep,
    resources: ResourcesDep,
    language: LanguageDep,
) -> UploadReport:
    """Store KB files and index them; the KB is created by its first upload.

    The whole request is rejected when a file name leaves the upload folder (`..`, an
    absolute path), two files have the same name, or a file is too large (400 or 413), and
    when a name differs only in letter case from a file or folder already stored (409). A
    file of exactly the name of a stored file replaces it. Files of other types, and files
    that ingest would skip (binary, not UTF-8, broken front matter), are not stored and are
    listed in `rejected` with the reason. A stored file of the same name as a rejected one is
    kept as it was.
    """
    tenant_kb_name(key.tenant, kb)
    settings = resources.settings
    root = settings.upload_dir(key.tenant, kb)
    accepted: list[tuple[PurePosixPath, bytes]] = []
    rejected: list[SkippedFilePublic] = []
    _check_unique_names(files, root)
    for upload in files:
        path = _safe_relative_path(upload.filename, root)
        if path.suffix.lower() not in KB_FILE_SUFFIXES:
            suffix = repr(path.suffix or "(none)")
            unsupported = SkippedFile(
                path.as_posix(),
                translate("skip_unsupported_type", Language.EN, suffix=suffix),
                "unsupported_type",
                {"suffix": suffix},
            )
            rejected.append(_skipped_public(unsupported, language))
            continue
        accepted.append(
            (path, _read_upload(upload, path.as_posix(), settings.api_max_upload_bytes))
        )

    to_store: list[tuple[PurePosixPath, bytes]] = []
    for path, data in accepted:
        problem = _check_document(path, data)
        if problem is not None:
            rejected.append(_rejected_public(problem, language))
            continue
        to_store.append((path, data))

    # The lock keeps another upload to this KB from storing a clashing name between the
    # check and the writes. It is per process, like the other KB locks.
    with resources.agents.kb_lock(key.tenant, kb):
        _check_stored_names([path for path, _ in to_store], root, kb)
        for path, data in to_store:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    stored = [path for path, _ in to_store]
    report = _ingest(resources, key.tenant, kb)
    return UploadReport(
        kb=kb,
        stored=[path.as_posix() for path in stored],
        rejected=rejected,
        ingest=_ingest_public(report, language),
    )


@router.get("/{kb}/documents", response_model=DocumentsPublic)
def list_documents(*, kb: str, key: KbAdminDep, resources: ResourcesDep) -> DocumentsPublic:
    """List the files in a KB index with their titles and chunk counts."""
    knowledge_base = open_tenant_kb(resources.settings, key.tenant, kb)
    root = resources.settings.upload_dir(key.tenant, kb)
    titles: dict[str, str] = {}
    counts: dict[str, int] = {}
    try:
        for chunk in knowledge_base.chunk_store.all_chunks():
            titles[chunk.doc] = chunk.title
            counts[chunk.doc] = counts.get(chunk.doc, 0) + 1
    finally:
        knowledge_base.close()
    documents = [
        DocumentPublic(
            doc=doc, title=titles[doc], chunks=counts[doc], uploaded=(root / doc).is_file()
        )
        for doc in sorted(titles)
    ]
    return DocumentsPublic(kb=kb, documents=documents)


@router.delete("/{kb}/documents/{doc:path}", response_model=DocumentRemoval)
def delete_document(
    *, kb: str, doc: str, key: KbAdminDep, resources: ResourcesDep
) -> DocumentRemoval:
    """Remove a file from the KB index, and from the upload folder when it was uploaded."""
    knowledge_base = open_tenant_kb(resources.settings, key.tenant, kb)
    root = resources.settings.upload_dir(key.tenant, kb)
    path = root / _safe_relative_path(doc, root)
    try:
        with resources.agents.kb_lock(key.tenant, kb):
            removed = remove_documents(knowledge_base, [doc])
            uploaded = path.is_file()
            if uploaded:
                path.unlink()
                _remove_empty_folders(path.parent, root)
    finally:
        knowledge_base.close()
    if not removed and not uploaded:
        raise NotFoundError(
            f"document {doc!r} is not in KB {kb!r}", code="document_not_found", doc=doc, kb=kb
        )
    resources.agents.invalidate(key.tenant, kb)
    return DocumentRemoval(kb=kb, removed=removed or [doc])


def _remove_empty_folders(folder: Path, root: Path) -> None:
    """Remove `folder` and then its parents below `root` while they are empty, so that a
    removed folder name no longer clashes with the letter case of a later upload."""
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            # The folder still has files or cannot be removed, so the folders above it stay too.
            return
        folder = folder.parent


@router.post("/{kb}/reindex", response_model=IngestPublic)
def reindex(
    *, kb: str, key: KbAdminDep, resources: ResourcesDep, language: LanguageDep
) -> IngestPublic:
    """Index the tenant's upload folder of the KB again: changed files are re-indexed, and
    every file is re-embedded when the embedding model changed."""
    open_tenant_kb(resources.settings, key.tenant, kb).close()
    return _ingest_public(_ingest(resources, key.tenant, kb), language)
