"""`assistant eval --dataset FILE` with a file it cannot use: a coded error in both languages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli

VALID_CASE = {"id": "a", "conversation": ["hi"], "language": "en", "expected": {"action": "answer"}}


def _missing(folder: Path) -> Path:
    return folder / "missing.jsonl"


def _invalid_json(folder: Path) -> Path:
    path = folder / "broken.jsonl"
    path.write_text(json.dumps(VALID_CASE) + '\n{"id": "b",\n', encoding="utf-8")
    return path


def _missing_fields(folder: Path) -> Path:
    path = folder / "incomplete.jsonl"
    path.write_text('{"id": "a", "language": "en"}\n', encoding="utf-8")
    return path


def _not_object(folder: Path) -> Path:
    path = folder / "list.jsonl"
    path.write_text('["hi"]\n', encoding="utf-8")
    return path


def _not_utf8(folder: Path) -> Path:
    path = folder / "latin1.jsonl"
    path.write_bytes('{"id": "caf\u00e9"}\n'.encode("latin-1"))
    return path


def _duplicate_id(folder: Path) -> Path:
    path = folder / "twice.jsonl"
    path.write_text(json.dumps(VALID_CASE) + "\n" + json.dumps(VALID_CASE) + "\n", encoding="utf-8")
    return path


def _folder(folder: Path) -> Path:
    path = folder / "cases"
    path.mkdir()
    return path


CASES: dict[str, tuple[Callable[[Path], Path], str, str, str]] = {
    "missing_file": (_missing, "eval_dataset_not_found", "does not exist", "不存在"),
    "invalid_json": (_invalid_json, "eval_dataset_invalid_json", "line 2 of", "第 2 行"),
    "missing_fields": (
        _missing_fields,
        "eval_dataset_invalid_case",
        "field 'conversation' is required; field 'expected' is required",
        "缺少必填的字段“conversation”；缺少必填的字段“expected”",
    ),
    "not_object": (_not_object, "eval_dataset_not_object", "is a JSON array", "是 JSON array"),
    "not_utf8": (_not_utf8, "eval_dataset_not_utf8", "not UTF-8 text", "不是 UTF-8 文本"),
    "duplicate_id": (_duplicate_id, "eval_dataset_duplicate_id", "repeats case id 'a'", "“a”"),
    "folder": (_folder, "eval_dataset_unreadable", "cannot be read", "无法读取"),
}
"""Per case: how to make the dataset path, the error code, and a part of the English and of
the Chinese message."""


@pytest.mark.parametrize(("make", "code", "english", "chinese"), CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("lang", ["en_US.UTF-8", "zh_CN.UTF-8"], ids=["en", "zh"])
def test_eval_dataset_error_in_cli_language(
    tmp_path: Path,
    make: Callable[[Path], Path],
    code: str,
    english: str,
    chinese: str,
    lang: str,
) -> None:
    dataset = make(tmp_path)

    result = run_cli(tmp_path / "data", "eval", "--dataset", str(dataset), "--json", lang=lang)

    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == code
    assert str(dataset) in error["message"]
    assert (chinese if lang.startswith("zh") else english) in error["message"]


def test_dataset_error_text_is_one_line(tmp_path: Path) -> None:
    dataset = _missing_fields(tmp_path)

    result = run_cli(tmp_path / "data", "eval", "--dataset", str(dataset), lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == (
        f"错误：数据集文件“{dataset}”第 1 行不是有效的评测用例：缺少必填的字段“conversation”；"
        "缺少必填的字段“expected”。用例格式见 evals/README.md。\n"
    )
