"""Chunk store: what a KB's chunks look like once read back from SQLite."""

from __future__ import annotations

from pathlib import Path

from retrieval.chunk_store import ChunkStore, StoredChunk


def _chunk(chunk_id: str, ordinal: int, search_tokens: tuple[str, ...]) -> StoredChunk:
    return StoredChunk(
        chunk_id=chunk_id,
        doc="en/gantt/baseline.md",
        ordinal=ordinal,
        title="Gantt baselines",
        heading_path=("Gantt baselines",),
        text="Set a baseline to compare the plan with the schedule.",
        token_count=10,
        module="gantt",
        roles=("admin", "member"),
        introduced_in="3.2",
        removed_in=None,
        tags=("gantt",),
        language="en",
        search_tokens=search_tokens,
        concepts=(7,),
    )


def test_loaded_chunks_share_equal_token_strings(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path / "chunks.sqlite")
    with store.transaction():
        store.replace_file(
            "en/gantt/baseline.md",
            "0" * 64,
            "Gantt baselines",
            [
                _chunk("c1", 0, ("baseline", "甘特图", "schedul")),
                _chunk("c2", 1, ("甘特图", "baseline", "plan")),
            ],
        )

    first, second = store.all_chunks()
    store.close()

    assert first.search_tokens == ("baseline", "甘特图", "schedul")
    assert second.search_tokens == ("甘特图", "baseline", "plan")
    # Decoded from JSON, equal tokens of two chunks would be two objects without interning.
    assert first.search_tokens[0] is second.search_tokens[1]
    assert first.search_tokens[1] is second.search_tokens[0]
    assert first.roles[0] is second.roles[0]
    assert first.module is second.module
