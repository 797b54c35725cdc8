"""`assistant search` with an ASSISTANT_GLOSSARY_PATH it cannot use: one line in both languages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli


def _missing(folder: Path) -> Path:
    return folder / "missing.yaml"


def _folder(folder: Path) -> Path:
    path = folder / "glossary-folder"
    path.mkdir()
    return path


def _not_utf8(folder: Path) -> Path:
    path = folder / "latin1.yaml"
    path.write_bytes("concepts:\n  - {en: [caf\u00e9], zh: [咖啡]}\n".encode("latin-1", "replace"))
    return path


def _markdown(folder: Path) -> Path:
    path = folder / "README.md"
    path.write_text("# Glossary\n\nTerms: `task`, `sprint`.\n", encoding="utf-8")
    return path


def _no_concepts(folder: Path) -> Path:
    path = folder / "no-concepts.yaml"
    path.write_text("terms:\n  - task\n", encoding="utf-8")
    return path


def _empty_chinese(folder: Path) -> Path:
    path = folder / "empty-zh.yaml"
    path.write_text("concepts:\n  - {en: [sprint], zh: []}\n", encoding="utf-8")
    return path


CASES: dict[str, tuple[Callable[[Path], Path], tuple[str, ...], tuple[str, ...]]] = {
    "missing": (
        _missing,
        ("does not exist", "unset it"),
        ("不存在", "删除该设置"),
    ),
    "folder": (
        _folder,
        ("cannot read glossary file", "it is a folder"),
        ("无法读取词汇表文件", "这是一个目录"),
    ),
    "not_utf8": (
        _not_utf8,
        ("it is not UTF-8 text", "readable UTF-8 YAML file"),
        ("不是 UTF-8 文本", "可读的 UTF-8 YAML 文件"),
    ),
    "markdown": (
        _markdown,
        ("is not valid YAML at line 3, column 8", "fix the file"),
        ("在第 3 行第 8 列不是有效的 YAML", "请修正该文件"),
    ),
    "no_concepts": (
        _no_concepts,
        ("the top level has no `concepts:` list", "fix the file"),
        ("顶层没有 `concepts:` 列表", "请修正该文件"),
    ),
    "empty_chinese": (
        _empty_chinese,
        ("concept 1 needs `en` and `zh`", "fix the file"),
        ("第 1 个概念", "请修正该文件"),
    ),
}
"""Glossary file maker, then English and Chinese parts of the error, by case name."""


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("lang", ["en_US.UTF-8", "zh_CN.UTF-8"])
def test_bad_glossary_is_one_translated_line(
    data_dir: Path, tmp_path: Path, case: str, lang: str
) -> None:
    make_file, english, chinese = CASES[case]
    glossary = make_file(tmp_path)

    result = run_cli(
        data_dir, "search", "task", lang=lang, env={"ASSISTANT_GLOSSARY_PATH": str(glossary)}
    )

    stderr = result.stderr.decode("utf-8")
    lines = stderr.strip().splitlines()
    assert result.returncode != 0
    assert len(lines) == 1, stderr
    assert str(glossary) in lines[0]
    for part in chinese if lang.startswith("zh") else english:
        assert part in lines[0]
    assert "Traceback" not in stderr
