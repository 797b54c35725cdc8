"""KB documents API: upload with good and bad files, list, delete, reindex."""

from __future__ import annotations

from tests.api.conftest import Server

GOOD_DOC = """---
title: Archive a project
module: tasks
language: en
---
# Archive a project

Open the project settings and click **Archive project**. Archived projects are read-only.
"""

BROKEN_FRONT_MATTER = "---\ntitle: [unclosed\n---\n# Broken\n"


def test_upload_reports_bad_files_and_indexes_good(server: Server) -> None:
    files = [
        ("files", ("archive.md", GOOD_DOC.encode(), "text/markdown")),
        ("files", ("broken.md", BROKEN_FRONT_MATTER.encode(), "text/markdown")),
        ("files", ("manual.pdf", b"%PDF-1.7", "application/pdf")),
    ]

    with server.client("beta-admin") as client:
        upload = client.post("/v1/kb/uploads/documents", files=files)
        listed = client.get("/v1/kb/uploads/documents").json()
        models = client.get("/v1/models").json()

    assert upload.status_code == 200, upload.text
    report = upload.json()
    assert report["stored"] == ["archive.md"]
    rejected = {item["doc"]: item["reason"] for item in report["rejected"]}
    assert set(rejected) == {"broken.md", "manual.pdf"}
    assert "front matter" in rejected["broken.md"]
    assert "unsupported file type" in rejected["manual.pdf"]
    assert report["ingest"]["added"] == ["archive.md"]
    assert report["ingest"]["skipped"] == []
    assert [d["doc"] for d in listed["documents"]] == ["archive.md"]
    assert listed["documents"][0]["uploaded"] is True
    assert "assistant-uploads" in [m["id"] for m in models["data"]]


def test_upload_rejects_path_traversal(server: Server) -> None:
    files = [("files", ("../../escape.md", GOOD_DOC.encode(), "text/markdown"))]

    with server.client("beta-admin", "zh-CN") as client:
        response = client.post("/v1/kb/traversal/documents", files=files)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_upload_name"
    assert "escape" in response.json()["error"]["message"]


def test_delete_and_reindex_document(server: Server) -> None:
    files = [("files", ("guide/remove-me.md", GOOD_DOC.encode(), "text/markdown"))]

    with server.client("beta-admin") as client:
        client.post("/v1/kb/removal/documents", files=files)
        deleted = client.delete("/v1/kb/removal/documents/guide/remove-me.md")
        again = client.delete("/v1/kb/removal/documents/guide/remove-me.md")
        listed = client.get("/v1/kb/removal/documents").json()
        reindexed = client.post("/v1/kb/removal/reindex")

    assert deleted.status_code == 200
    assert deleted.json()["removed"] == ["guide/remove-me.md"]
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "document_not_found"
    assert listed["documents"] == []
    assert reindexed.status_code == 200
    assert reindexed.json()["added"] == []


def test_upload_reject_reasons_follow_accept_language(server: Server) -> None:
    files = [
        ("files", ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "text/markdown")),
        ("files", ("latin1.txt", "caf\xe9".encode("latin-1"), "text/plain")),
        ("files", ("broken.md", BROKEN_FRONT_MATTER.encode(), "text/markdown")),
        ("files", ("module.md", b"---\nmodule: spaceships\n---\n# Ships\n", "text/markdown")),
        ("files", ("version.md", b"---\nintroduced_in: three\n---\n# Old\n", "text/markdown")),
        ("files", ("manual.pdf", b"%PDF-1.7", "application/pdf")),
    ]

    with server.client("beta-admin", "zh-CN") as client:
        upload = client.post("/v1/kb/skipzh/documents", files=files)

    assert upload.status_code == 200, upload.text
    assert upload.json()["stored"] == []
    skipped = {item["doc"]: item for item in upload.json()["rejected"]}
    assert skipped["image.md"]["code"] == "binary"
    assert skipped["image.md"]["reason"].startswith("二进制文件：文件名以 .md 结尾，但内容不是文本")
    assert "另存为 Markdown、纯文本或 HTML" in skipped["image.md"]["reason"]
    assert skipped["latin1.txt"]["code"] == "not_utf8"
    assert "不是有效的 UTF-8 编码（偏移 3 处的字节 0xe9）" in skipped["latin1.txt"]["reason"]
    assert skipped["broken.md"]["code"] == "front_matter_invalid_yaml"
    assert skipped["broken.md"]["reason"].startswith("头信息（front matter）不是有效的 YAML")
    assert skipped["module.md"]["code"] == "unknown_module"
    assert "模块 'spaceships' 无效" in skipped["module.md"]["reason"]
    assert skipped["version.md"]["code"] == "invalid_version"
    assert "introduced_in 'three' 无效" in skipped["version.md"]["reason"]
    assert skipped["manual.pdf"]["code"] == "unsupported_type"
    assert skipped["manual.pdf"]["reason"].startswith("不支持的文件类型 '.pdf'")


def test_rejected_upload_is_not_kept(server: Server) -> None:
    files = [
        ("files", ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "text/markdown")),
        ("files", ("latin1.txt", "caf\xe9".encode("latin-1"), "text/plain")),
    ]

    with server.client("beta-admin") as client:
        upload = client.post("/v1/kb/rejectgone/documents", files=files)
        listed = client.get("/v1/kb/rejectgone/documents").json()
        reindexed = client.post("/v1/kb/rejectgone/reindex").json()

    assert upload.status_code == 200, upload.text
    assert upload.json()["stored"] == []
    assert {item["doc"] for item in upload.json()["rejected"]} == {"image.md", "latin1.txt"}
    assert listed["documents"] == []
    # Nothing was written to the upload folder, so the next ingest finds nothing to skip.
    assert reindexed["skipped"] == []


def test_rejected_upload_keeps_stored_file(server: Server) -> None:
    good = [("files", ("archive.md", GOOD_DOC.encode(), "text/markdown"))]
    binary = [("files", ("archive.md", b"\x00\x01\x02binary", "text/markdown"))]

    with server.client("beta-admin") as client:
        client.post("/v1/kb/keepgood/documents", files=good)
        upload = client.post("/v1/kb/keepgood/documents", files=binary)
        listed = client.get("/v1/kb/keepgood/documents").json()
        reindexed = client.post("/v1/kb/keepgood/reindex").json()

    assert upload.status_code == 200, upload.text
    assert upload.json()["stored"] == []
    assert [item["code"] for item in upload.json()["rejected"]] == ["binary"]
    assert [d["doc"] for d in listed["documents"]] == ["archive.md"]
    assert listed["documents"][0]["title"] == "Archive a project"
    assert reindexed["unchanged"] == ["archive.md"]
    assert reindexed["skipped"] == []


def test_upload_with_duplicate_names_is_rejected_whole(server: Server) -> None:
    first = [("files", ("dup1.md", GOOD_DOC.encode(), "text/markdown"))]
    second_version = GOOD_DOC.replace("Archive a project", "Archive a project v2")
    duplicates = [
        ("files", ("dup1.md", second_version.encode(), "text/markdown")),
        ("files", ("new.md", GOOD_DOC.encode(), "text/markdown")),
        ("files", ("./dup1.md", second_version.encode(), "text/markdown")),
    ]

    with server.client("beta-admin") as client:
        client.post("/v1/kb/dupnames/documents", files=first)
        upload = client.post("/v1/kb/dupnames/documents", files=duplicates)
    with server.client("beta-admin", "zh-CN") as client:
        upload_zh = client.post("/v1/kb/dupnames/documents", files=duplicates)
        listed = client.get("/v1/kb/dupnames/documents").json()

    assert upload.status_code == 400, upload.text
    assert upload.json()["error"]["code"] == "duplicate_upload_name"
    assert "file 'dup1.md' is uploaded twice in one request" in upload.json()["error"]["message"]
    assert "同一请求中上传了两次文件“dup1.md”" in upload_zh.json()["error"]["message"]
    # Nothing of the rejected request was stored: the earlier dup1.md is kept as it was.
    assert [d["doc"] for d in listed["documents"]] == ["dup1.md"]
    assert listed["documents"][0]["title"] == "Archive a project"


def test_binary_upload_reason_gives_fix(server: Server) -> None:
    files = [("files", ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "text/markdown"))]

    with server.client("beta-admin") as client:
        upload = client.post("/v1/kb/binaryfix/documents", files=files)

    rejected = upload.json()["rejected"]
    assert upload.status_code == 200, upload.text
    assert rejected[0]["code"] == "binary"
    assert "save the document as Markdown, plain text or HTML" in rejected[0]["reason"]


def test_oversized_upload_names_its_setting(server: Server) -> None:
    files = [("files", ("big.md", b"# Big\n\n" + b"a" * 2_000_000, "text/markdown"))]

    with server.client("beta-admin", "zh-CN") as client:
        upload = client.post("/v1/kb/bigfile/documents", files=files)

    assert upload.status_code == 413, upload.text
    error = upload.json()["error"]
    assert error["code"] == "upload_too_large"
    assert "big.md" in error["message"]
    assert "ASSISTANT_API_MAX_UPLOAD_BYTES" in error["message"]
    assert "上限" in error["message"]


def test_upload_names_differing_in_case_are_duplicates(server: Server) -> None:
    files = [
        ("files", ("Same.md", GOOD_DOC.encode(), "text/markdown")),
        ("files", ("same.md", GOOD_DOC.encode(), "text/markdown")),
    ]

    with server.client("beta-admin") as client:
        upload = client.post("/v1/kb/casedup/documents", files=files)
    with server.client("beta-admin", "zh-CN") as client:
        upload_zh = client.post("/v1/kb/casedup/documents", files=files)

    assert upload.status_code == 400, upload.text
    assert upload.json()["error"]["code"] == "duplicate_upload_name_case"
    assert (
        "files 'Same.md' and 'same.md' differ only in letter case"
        in (upload.json()["error"]["message"])
    )
    assert "文件“Same.md”和“same.md”只有大小写不同" in upload_zh.json()["error"]["message"]


def _upload(name: str, text: str = GOOD_DOC) -> tuple[str, tuple[str, bytes, str]]:
    return ("files", (name, text.encode(), "text/markdown"))


def test_upload_case_variant_of_stored_file_is_409(server: Server) -> None:
    second_version = GOOD_DOC.replace("Archive a project", "Archive a project v2")
    variant = [_upload("guide/Archive.md", second_version), _upload("extra.md")]

    with server.client("beta-admin") as client:
        first = client.post("/v1/kb/casestored/documents", files=[_upload("guide/archive.md")])
        upload = client.post("/v1/kb/casestored/documents", files=variant)
    with server.client("beta-admin", "zh-CN") as client:
        upload_zh = client.post("/v1/kb/casestored/documents", files=variant)
        listed = client.get("/v1/kb/casestored/documents").json()
        reindexed = client.post("/v1/kb/casestored/reindex").json()

    assert first.status_code == 200, first.text
    assert upload.status_code == 409, upload.text
    error = upload.json()["error"]
    assert error["code"] == "upload_name_case_conflict"
    assert (
        "file 'guide/Archive.md' differs only in letter case from the file 'guide/archive.md'"
        in error["message"]
    )
    assert "upload the new one as 'guide/archive.md'" in error["message"]
    assert "rename the new file" in error["message"]
    assert "No file of this request was stored" in error["message"]
    assert (
        "文件“guide/Archive.md”与知识库“casestored”中已有的文件“guide/archive.md”"
        in (upload_zh.json()["error"]["message"])
    )
    # Nothing of the rejected request was written: the stored file is kept as it was.
    assert [d["doc"] for d in listed["documents"]] == ["guide/archive.md"]
    assert listed["documents"][0]["title"] == "Archive a project"
    assert reindexed["added"] == []
    assert reindexed["unchanged"] == ["guide/archive.md"]


def test_upload_of_same_name_replaces_stored_file(server: Server) -> None:
    second_version = GOOD_DOC.replace("Archive a project", "Archive a project v2")

    with server.client("beta-admin") as client:
        client.post("/v1/kb/replacesame/documents", files=[_upload("guide/archive.md")])
        upload = client.post(
            "/v1/kb/replacesame/documents", files=[_upload("guide/archive.md", second_version)]
        )
        listed = client.get("/v1/kb/replacesame/documents").json()

    assert upload.status_code == 200, upload.text
    assert upload.json()["stored"] == ["guide/archive.md"]
    assert upload.json()["ingest"]["updated"] == ["guide/archive.md"]
    assert [d["title"] for d in listed["documents"]] == ["Archive a project v2"]


def test_upload_folder_case_variant_is_409(server: Server) -> None:
    with server.client("beta-admin") as client:
        client.post("/v1/kb/casefolder/documents", files=[_upload("guide/archive.md")])
        upload = client.post("/v1/kb/casefolder/documents", files=[_upload("Guide/new.md")])
        listed = client.get("/v1/kb/casefolder/documents").json()

    assert upload.status_code == 409, upload.text
    error = upload.json()["error"]
    assert error["code"] == "upload_folder_case_conflict"
    assert "the folder 'Guide' of file 'Guide/new.md'" in error["message"]
    assert "from the folder 'guide' already in KB 'casefolder'" in error["message"]
    assert "Upload the file as 'guide/new.md'" in error["message"]
    assert [d["doc"] for d in listed["documents"]] == ["guide/archive.md"]


def test_upload_clashing_with_stored_file_kind_is_409(server: Server) -> None:
    under_file = [_upload("first.md"), _upload("guide/archive.md/inner.md")]

    with server.client("beta-admin") as client:
        client.post(
            "/v1/kb/kindclash/documents",
            files=[_upload("guide/archive.md"), _upload("notes.md/a.md")],
        )
        folder_is_file = client.post("/v1/kb/kindclash/documents", files=under_file)
        file_is_folder = client.post("/v1/kb/kindclash/documents", files=[_upload("notes.md")])
        listed = client.get("/v1/kb/kindclash/documents").json()

    assert folder_is_file.status_code == 409, folder_is_file.text
    assert folder_is_file.json()["error"]["code"] == "upload_folder_is_file"
    assert "needs the folder 'guide/archive.md'" in folder_is_file.json()["error"]["message"]
    assert file_is_folder.status_code == 409, file_is_folder.text
    assert file_is_folder.json()["error"]["code"] == "upload_file_is_folder"
    # first.md came before the clashing file in its request and was not stored either.
    assert [d["doc"] for d in listed["documents"]] == ["guide/archive.md", "notes.md/a.md"]


def test_upload_file_and_its_folder_is_400(server: Server) -> None:
    files = [_upload("topic.md"), _upload("topic.md/detail.md")]

    with server.client("beta-admin") as client:
        upload = client.post("/v1/kb/kindrequest/documents", files=files)

    assert upload.status_code == 400, upload.text
    error = upload.json()["error"]
    assert error["code"] == "upload_file_and_folder"
    assert "files 'topic.md' and 'topic.md/detail.md' cannot both be stored" in error["message"]


def test_deleted_file_frees_its_name_case(server: Server) -> None:
    with server.client("beta-admin") as client:
        client.post("/v1/kb/caserename/documents", files=[_upload("guide/archive.md")])
        deleted = client.delete("/v1/kb/caserename/documents/guide/archive.md")
        upload = client.post("/v1/kb/caserename/documents", files=[_upload("Guide/Archive.md")])
        listed = client.get("/v1/kb/caserename/documents").json()

    assert deleted.status_code == 200, deleted.text
    assert upload.status_code == 200, upload.text
    assert [d["doc"] for d in listed["documents"]] == ["Guide/Archive.md"]
