import re

import pytest

from assistant.tokens import count_tokens
from retrieval.chunking import Chunk, chunk_document, split_sentences
from retrieval.documents import Document

MAX_TOKENS = 120


def make_document(body: str, *, doc: str = "en/boards/guide.md", language: str = "en") -> Document:
    return Document(
        doc=doc,
        title="Guide",
        module="boards",
        roles=("admin", "member"),
        introduced_in="3.2",
        removed_in=None,
        tags=("boards",),
        language=language,
        body=body,
        sha256="0" * 64,
    )


def english_sentences(count: int) -> list[str]:
    return [
        f"Step {i} opens the board settings, e.g. the column rules in v3.2 that cost 1.5 credits."
        for i in range(count)
    ]


def chinese_sentences(count: int) -> list[str]:
    endings = "。！？；"
    return [f"第{i}步打开看板设置并检查列规则和泳道的配置{endings[i % 4]}" for i in range(count)]


def assert_within_budget(chunks: list[Chunk], max_tokens: int) -> None:
    for chunk in chunks:
        assert chunk.token_count == count_tokens(chunk.text)
        assert chunk.token_count <= max_tokens, chunk.text


# --- sentence splitting --------------------------------------------------------------------


def test_split_sentences_english_ends() -> None:
    text = "Open the board. Click Add! Is it saved? Yes."

    assert split_sentences(text) == ["Open the board. ", "Click Add! ", "Is it saved? ", "Yes."]


@pytest.mark.parametrize(
    "text",
    [
        "Use a filter, e.g. the assignee filter, to narrow the board.",
        "Pick one view, i.e. the table view, before you export.",
        "Version 3.2 added swimlanes and v3.2.1 fixed them.",
        "The limit is 2.5 GB per file on the Free plan.",
        "See https://example.com/docs/boards.html for details.",
        "Compare boards vs. lists before you decide.",
    ],
    ids=["e.g.", "i.e.", "versions", "decimal", "url", "vs."],
)
def test_split_sentences_keeps_non_terminal_periods(text: str) -> None:
    assert split_sentences(text) == [text]


def test_split_sentences_ignores_ordered_list_numbers() -> None:
    text = "1. Open the board.\n2. Click Add."

    assert split_sentences(text) == ["1. Open the board.\n", "2. Click Add."]


def test_split_sentences_chinese_ends() -> None:
    text = "打开看板。单击“添加”！保存了吗？是的；完成"

    assert split_sentences(text) == ["打开看板。", "单击“添加”！", "保存了吗？", "是的；", "完成"]


def test_split_sentences_chinese_with_closing_quote() -> None:
    text = "他说：“已保存。”然后关闭。"

    assert split_sentences(text) == ["他说：“已保存。”", "然后关闭。"]


def test_split_sentences_parts_join_back() -> None:
    text = "第一句。 Second one. 第三句！\nFourth e.g. here?"

    assert "".join(split_sentences(text)) == text


# --- sections and heading paths ------------------------------------------------------------


def test_short_document_one_chunk() -> None:
    document = make_document("# Boards\n\nBoards show tasks in columns.")

    chunks = chunk_document(document, MAX_TOKENS)

    assert len(chunks) == 1
    chunk = chunks[0]
    assert chunk.doc == "en/boards/guide.md"
    assert chunk.title == "Guide"
    assert chunk.heading_path == ("Boards",)
    assert chunk.text == "Boards show tasks in columns."
    assert chunk.module == "boards"
    assert chunk.roles == ("admin", "member")
    assert chunk.introduced_in == "3.2"
    assert chunk.removed_in is None
    assert chunk.tags == ("boards",)
    assert chunk.language == "en"


def test_heading_path_follows_hierarchy() -> None:
    filler = " ".join(english_sentences(3))
    body = (
        f"# Boards\n\n{filler}\n\n## Create a board\n\n### Columns\n\n{filler}\n\n"
        f"### Swimlanes\n\n{filler}\n\n## Delete a board\n\n{filler}"
    )

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert [chunk.heading_path for chunk in chunks] == [
        ("Boards",),
        ("Boards", "Create a board", "Columns"),
        ("Boards", "Create a board", "Swimlanes"),
        ("Boards", "Delete a board"),
    ]
    assert all(not chunk.text.startswith("#") for chunk in chunks)


def test_empty_heading_gives_no_chunk() -> None:
    body = "# Boards\n\n## Settings\n\n### Columns\n\nColumns group tasks by status."

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert len(chunks) == 1
    assert chunks[0].heading_path == ("Boards", "Settings", "Columns")
    assert chunks[0].text == "Columns group tasks by status."


def test_code_block_hash_lines_not_headings() -> None:
    body = (
        "# Setup\n\n```bash\n# install the CLI\npip install tool\n```\n\n~~~\n## not a heading\n~~~"
    )

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert len(chunks) == 1
    assert chunks[0].heading_path == ("Setup",)
    assert "# install the CLI" in chunks[0].text
    assert "## not a heading" in chunks[0].text


def test_inline_triple_backticks_not_a_fence() -> None:
    body = "# Setup\n\n```pip install tool```\n\n# Usage\n\nRun the tool."

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert [chunk.heading_path for chunk in chunks] == [("Setup",)]
    assert chunks[0].text == "```pip install tool```\n\n# Usage\nRun the tool."


def test_preamble_has_empty_heading_path() -> None:
    filler = " ".join(english_sentences(3))
    body = f"{filler}\n\n# Boards\n\n{filler}"

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert [chunk.heading_path for chunk in chunks] == [(), ("Boards",)]


# --- merging small sections ----------------------------------------------------------------


def test_small_siblings_merge_with_their_headings() -> None:
    body = (
        "# Boards\n\n## Rename\n\nOpen the menu and click Rename.\n\n"
        "## Archive\n\nClick Archive.\n\n## Delete\n\nClick Delete and confirm."
    )

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert len(chunks) == 1
    assert chunks[0].heading_path == ("Boards", "Rename")
    assert chunks[0].text == (
        "Open the menu and click Rename.\n\n## Archive\nClick Archive.\n\n"
        "## Delete\nClick Delete and confirm."
    )


def test_merge_writes_empty_parent_headings() -> None:
    body = "Intro text.\n\n## Create\n\n### From a template\n\nPick a template."

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert len(chunks) == 1
    assert chunks[0].heading_path == ()
    assert chunks[0].text == "Intro text.\n\n## Create\n### From a template\nPick a template."


def test_no_merge_across_parents() -> None:
    body = "## Boards\n\n### Rename\n\nClick Rename.\n\n## Gantt\n\n### Zoom\n\nClick Zoom."

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert [chunk.heading_path for chunk in chunks] == [("Boards", "Rename"), ("Gantt", "Zoom")]


def test_large_siblings_do_not_merge() -> None:
    filler = " ".join(english_sentences(2))
    body = f"# A\n\n{filler}\n\n# B\n\n{filler}"

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert [chunk.heading_path for chunk in chunks] == [("A",), ("B",)]


# --- splitting long sections ---------------------------------------------------------------


def test_long_english_section_split_at_sentences() -> None:
    sentences = english_sentences(30)
    body = "# Boards\n\n" + " ".join(sentences)

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert len(chunks) > 1
    assert_within_budget(chunks, MAX_TOKENS)
    for chunk in chunks:
        assert chunk.heading_path == ("Boards",)
        assert chunk.text.startswith("Step ")
        assert chunk.text.endswith("credits.")
    assert " ".join(chunk.text for chunk in chunks) == " ".join(sentences)


def test_long_chinese_section_split_at_sentences() -> None:
    sentences = chinese_sentences(60)
    body = "# 看板\n\n" + "".join(sentences)

    chunks = chunk_document(make_document(body, language="zh"), MAX_TOKENS)

    assert len(chunks) > 1
    assert_within_budget(chunks, MAX_TOKENS)
    for chunk in chunks:
        assert chunk.text[-1] in "。！？；"
        assert chunk.language == "zh"
    assert "".join(chunk.text for chunk in chunks) == "".join(sentences)


def test_long_paragraphs_packed_by_paragraph() -> None:
    paragraphs = [" ".join(english_sentences(2)) for _ in range(8)]
    body = "# Boards\n\n" + "\n\n".join(paragraphs)

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert_within_budget(chunks, MAX_TOKENS)
    for chunk in chunks:
        assert all(part in paragraphs for part in chunk.text.split("\n\n"))


def test_unbroken_text_split_to_budget() -> None:
    long_sentence = " ".join(["board"] * 400)
    long_word = "x" * 3000
    body = f"# A\n\n{long_sentence}\n\n{long_word}"

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert_within_budget(chunks, MAX_TOKENS)
    assert "".join(re.sub(r"\s", "", chunk.text) for chunk in chunks) == re.sub(
        r"\s", "", long_sentence + long_word
    )


def test_table_that_fits_stays_whole() -> None:
    table = "| Plan | Boards |\n| --- | --- |\n" + "".join(
        f"| Plan {i} | {i} boards |\n" for i in range(10)
    )
    body = "# Plans\n\n" + " ".join(english_sentences(6)) + "\n\n" + table.strip()

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert count_tokens(table) <= MAX_TOKENS
    assert len(chunks) > 1
    assert sum(table.strip() in chunk.text for chunk in chunks) == 1


def test_long_code_block_kept_whole() -> None:
    code = "```python\n" + "".join(f"value_{i} = compute({i})\n" for i in range(80)) + "```"
    body = "# Setup\n\n" + " ".join(english_sentences(3)) + "\n\n" + code + "\n\nDone."

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    oversized = [chunk for chunk in chunks if chunk.token_count > MAX_TOKENS]
    assert [chunk.text for chunk in oversized] == [code]
    assert_within_budget([chunk for chunk in chunks if chunk not in oversized], MAX_TOKENS)


def test_code_block_keeps_its_introduction() -> None:
    code = "```bash\n" + "".join(f"echo step-{i}\n" for i in range(60)) + "```"
    body = "# Setup\n\n" + " ".join(english_sentences(3)) + "\n\nRun this script:\n\n" + code

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert chunks[-1].text == "Run this script:\n\n" + code


def test_long_table_split_by_rows() -> None:
    header = "| Error | Meaning |\n| --- | --- |\n"
    rows = [f"| E{i:03} | The storage {i} cannot be reached from here. |\n" for i in range(40)]
    body = "# Errors\n\nThe table lists each error:\n\n" + header + "".join(rows)

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert len(chunks) > 1
    assert_within_budget(chunks, MAX_TOKENS)
    assert chunks[0].text.startswith("The table lists each error:\n\n" + header)
    for chunk in chunks[1:]:
        assert chunk.text.startswith(header)
    table_rows = [line + "\n" for chunk in chunks for line in chunk.text.splitlines()]
    assert [row for row in table_rows if row.startswith("| E0")] == rows


def test_list_that_fits_is_not_split() -> None:
    steps = "".join(f"{i}. Open the board and click step {i}.\n" for i in range(1, 9))
    body = "# Steps\n\n" + " ".join(english_sentences(5)) + "\n\n" + steps.strip()

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert count_tokens(steps) <= MAX_TOKENS
    assert sum(steps.strip() in chunk.text for chunk in chunks) == 1


def test_long_list_split_between_items() -> None:
    items = [f"- Item {i}: the board keeps column {i} when you archive it.\n" for i in range(40)]
    body = "# Items\n\n" + "".join(items)

    chunks = chunk_document(make_document(body), MAX_TOKENS)

    assert len(chunks) > 1
    assert_within_budget(chunks, MAX_TOKENS)
    lines = [line + "\n" for chunk in chunks for line in chunk.text.splitlines()]
    assert lines == items


# --- ids and inputs ------------------------------------------------------------------------


def test_chunk_ids_are_stable_and_unique() -> None:
    body = "# A\n\n" + " ".join(english_sentences(20)) + "\n\n# B\n\nSame.\n\n# C\n\nSame."
    document = make_document(body)

    first = chunk_document(document, MAX_TOKENS)
    second = chunk_document(document, MAX_TOKENS)

    assert [chunk.chunk_id for chunk in first] == [chunk.chunk_id for chunk in second]
    assert len({chunk.chunk_id for chunk in first}) == len(first)
    for index, chunk in enumerate(first):
        assert re.fullmatch(rf"en/boards/guide\.md#{index}-[0-9a-f]{{12}}", chunk.chunk_id)


def test_chunk_id_changes_with_text() -> None:
    before = chunk_document(make_document("# A\n\nOld text."), MAX_TOKENS)
    after = chunk_document(make_document("# A\n\nNew text."), MAX_TOKENS)

    assert before[0].chunk_id != after[0].chunk_id


def test_full_width_text_untouched() -> None:
    body = "# ＡＰＩ 令牌\n\n在 ２．３ 版本中，单击“设置（Settings）”！"

    chunks = chunk_document(make_document(body, language="zh"), MAX_TOKENS)

    assert chunks[0].heading_path == ("ＡＰＩ 令牌",)
    assert chunks[0].text == "在 ２．３ 版本中，单击“设置（Settings）”！"


def test_headings_only_give_no_chunks() -> None:
    assert chunk_document(make_document("# A\n\n## B\n\n### C"), MAX_TOKENS) == []


def test_max_tokens_below_one_rejected() -> None:
    with pytest.raises(ValueError, match="got 0"):
        chunk_document(make_document("# A\n\nText."), 0)
