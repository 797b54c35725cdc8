"""`assistant tickets show` and `tickets list`: ticket ids are numbered per tenant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.keys import KeyRole, KeyStore
from assistant.settings import Settings, get_settings
from assistant.tickets import TicketStore
from cli.main import main
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLE_KB
from tests.tickets.factories import make_draft


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Data dir whose database has T-000001 and T-000002 of default and T-000001 of beta."""
    path = tmp_path / "data"
    store = TicketStore(Settings(data_dir=path).resolved_database_url)
    try:
        store.create(make_draft(subject="Default's first"))
        store.create(make_draft(tenant="beta", subject="Beta's first"))
        store.create(make_draft(subject="Default's second"))
    finally:
        store.close()
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(path))
    monkeypatch.delenv("ASSISTANT_DATABASE_URL", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("LC_ALL", "")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_show_resolves_id_in_tenant(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    beta_code = main(["tickets", "show", "T-000001", "--tenant", "beta", "--json"])
    beta = json.loads(capsys.readouterr().out)
    default_code = main(["tickets", "show", "t-1", "--json"])
    default = json.loads(capsys.readouterr().out)

    assert beta_code == 0
    assert beta["id"] == "T-000001"
    assert beta["tenant"] == "beta"
    assert beta["subject"] == "Beta's first"
    assert default_code == 0
    assert default["tenant"] == "default"
    assert default["subject"] == "Default's first"


@pytest.mark.parametrize(
    ("ticket_id", "tenant", "message"),
    [
        (
            "T-000002",
            "beta",
            "Error: ticket 'T-000002' was not found in tenant 'beta'; check the id and --tenant, "
            "or list the tenant's tickets with `assistant tickets list --tenant beta`",
        ),
        ("T-000001", "Beta Corp", "Error: invalid tenant name 'Beta Corp'"),
    ],
    ids=["other-tenant-number", "invalid-tenant"],
)
def test_show_fails_with_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], ticket_id: str, tenant: str, message: str
) -> None:
    code = main(["tickets", "show", ticket_id, "--tenant", tenant])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.startswith(message)
    assert len(captured.err.splitlines()) == 1


def test_list_shows_tenant_of_each_id(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    every_code = main(["tickets", "list"])
    every = capsys.readouterr().out.splitlines()
    beta_code = main(["tickets", "list", "--tenant", "beta", "--json"])
    beta = json.loads(capsys.readouterr().out)

    assert every_code == 0
    assert [line.split()[:2] for line in every] == [
        ["T-000002", "default"],
        ["T-000001", "beta"],
        ["T-000001", "default"],
    ]
    assert beta_code == 0
    assert [(ticket["id"], ticket["tenant"]) for ticket in beta] == [("T-000001", "beta")]


@pytest.mark.parametrize(
    ("tenant", "lang", "expected"),
    [
        ("beta", "en_US.UTF-8", "no tickets for tenant beta\n"),
        ("beta", "zh_CN.UTF-8", "租户 beta 没有符合条件的工单\n"),
        (None, "en_US.UTF-8", "no tickets match\n"),
    ],
    ids=["tenant-en", "tenant-zh", "no-tenant"],
)
def test_list_empty_prints_no_tickets_line(
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tenant: str | None,
    lang: str,
    expected: str,
) -> None:
    monkeypatch.setenv("LANG", lang)
    tenant_args = [] if tenant is None else ["--tenant", tenant]

    code = main(["tickets", "list", "--status", "closed", *tenant_args])

    assert code == 0
    assert capsys.readouterr().out == expected


def test_show_not_found_names_tenant_in_chinese(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")

    code = main(["tickets", "show", "T-000002", "--tenant", "beta"])

    assert code == 2
    assert "在租户“beta”中找不到工单“T-000002”" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        ["tickets", "list", "--tenant", "nosuch"],
        ["tickets", "show", "T-000001", "--tenant", "nosuch"],
    ],
    ids=["list", "show"],
)
def test_unknown_tenant_fails_listing_known_ones(
    data_dir: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code = main(command)

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.startswith("Error: tenant 'nosuch' does not exist")
    assert "Known tenants: beta, default." in captured.err
    assert "`assistant keys list`" in captured.err
    assert len(captured.err.splitlines()) == 1


def test_unknown_tenant_error_in_chinese(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")

    code = main(["tickets", "list", "--tenant", "nosuch"])
    as_json = main(["tickets", "list", "--tenant", "nosuch", "--json"])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("错误：租户“nosuch”不存在")
    assert "已知租户：beta, default。" in captured.err
    assert as_json == 2
    error = json.loads(captured.out)["error"]
    assert error["code"] == "tenant_not_found"
    assert error["message"].startswith("租户“nosuch”不存在")


def test_tenant_with_only_key_or_kb_is_known(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=data_dir)
    keys = KeyStore(settings.resolved_database_url)
    try:
        keys.create("keyonly", KeyRole.AGENT)
    finally:
        keys.close()
    ingest_folder(KnowledgeBase(settings, "kbonly.docs"), SAMPLE_KB / "en" / "boards")

    key_code = main(["tickets", "list", "--tenant", "keyonly"])
    key_output = capsys.readouterr()
    kb_code = main(["tickets", "list", "--tenant", "kbonly"])
    kb_output = capsys.readouterr()

    assert key_code == 0
    assert key_output.out == "no tickets for tenant keyonly\n"
    assert kb_code == 0
    assert kb_output.out == "no tickets for tenant kbonly\n"


@pytest.mark.parametrize(
    ("lang", "label"),
    [
        ("en_US.UTF-8", "Failure that the help center does not describe"),
        ("zh_CN.UTF-8", "帮助中心未提及的故障"),
    ],
    ids=["en", "zh"],
)
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_show_labels_opening_reason(
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
    label: str,
    as_json: bool,
) -> None:
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    ticket = store.create(make_draft(reason_code="failure_not_documented"))
    store.close()
    monkeypatch.setenv("LANG", lang)

    code = main(["tickets", "show", ticket.id, *(["--json"] if as_json else [])])

    output = json.loads(capsys.readouterr().out)
    assert code == 0
    assert output["reason_code"] == "failure_not_documented"
    assert output["reason"] == label
    names = list(output)
    assert names.index("reason") == names.index("reason_code") + 1
