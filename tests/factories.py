"""Factories of rows and records that several test modules build: turns of the turn log, also
in the turns table shape from before the `kb_unanswered` column, and retrieved chunks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import create_engine, make_url, text

from assistant.turns import TurnDraft, TurnRecord
from graphs.support.state import Hit

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
"""Monday 10:00 of ISO week 2026-W48 in Asia/Shanghai, the default support time zone."""


def make_hit(doc: str, text: str, **changes: object) -> Hit:
    """Return a confident English chunk of `doc` with every field set and `changes` applied."""
    hit = Hit(
        chunk_id=f"{doc}#0",
        doc=doc,
        title="t",
        heading_path=[],
        text=text,
        score=1.0,
        confidence=0.9,
        roles=[],
        introduced_in=None,
        removed_in=None,
        language="en",
        module="gantt",
        topic_match=False,
    )
    hit.update(changes)  # type: ignore[typeddict-item]
    return hit


def make_turn(**changes: object) -> TurnDraft:
    """Return a turn of tenant `default` with every field set and `changes` applied.

    `kb_unanswered` is None, as on a turn recorded before the column existed, so readers judge
    the turn by its retrieval confidence unless a test sets the flag.
    """
    turn = TurnDraft(
        tenant="default",
        kb="default.default",
        channel="api",
        conversation_id="c-1",
        user_id="u-1",
        user_role="member",
        product_version="3.4",
        language="en",
        intent="how_to",
        intent_confidence=0.91,
        action="answer",
        ticket_id=None,
        retrieval_confidence=0.72,
        kb_unanswered=None,
        module="gantt",
        question="How do I save a baseline?",
        cited_docs=("en/gantt/gantt-baselines.md",),
        created_at=START,
    )
    return replace(turn, **changes)


def make_record(turn_id: int, **changes: object) -> TurnRecord:
    """Return a stored turn with the row id `turn_id` and the fields of `make_turn`."""
    return TurnRecord(**vars(make_turn(**changes)), id=turn_id)


OLD_TURNS_TABLE = """
CREATE TABLE conversation_turns (
    id {id_type} PRIMARY KEY,
    tenant VARCHAR(32) NOT NULL,
    kb VARCHAR(64) NOT NULL,
    channel VARCHAR(100) NOT NULL,
    conversation_id VARCHAR(128) NOT NULL,
    user_id VARCHAR(200),
    user_role VARCHAR(100),
    product_version VARCHAR(32),
    language VARCHAR(8) NOT NULL,
    intent VARCHAR(100) NOT NULL,
    intent_confidence FLOAT NOT NULL,
    action VARCHAR(100) NOT NULL,
    ticket_id VARCHAR(32),
    retrieval_confidence FLOAT NOT NULL,
    module VARCHAR(32) NOT NULL,
    question TEXT NOT NULL,
    cited_docs JSON NOT NULL,
    created_at {time_type} NOT NULL
)
"""
"""The turns table as it was before the `kb_unanswered` column."""


def plain_sql_table(template: str, url: str) -> str:
    """Fill the `{id_type}` and `{time_type}` of a CREATE TABLE in plain SQL for the URL's
    database: an auto-incremented integer key and a timezone-aware time."""
    sqlite = make_url(url).get_backend_name() == "sqlite"
    return template.format(
        id_type="INTEGER" if sqlite else "SERIAL",
        time_type="DATETIME" if sqlite else "TIMESTAMP WITH TIME ZONE",
    )


def stored_time(url: str, moment: datetime) -> str:
    """Return `moment` as SQLAlchemy stores it in the URL's database.

    SQLite stores the naive UTC text that SQLAlchemy writes there, PostgreSQL a timestamptz.
    """
    utc = moment.astimezone(UTC)
    if make_url(url).get_backend_name() == "sqlite":
        return utc.strftime("%Y-%m-%d %H:%M:%S")
    return utc.isoformat()


def create_old_turns_table(
    url: str,
    *,
    question: str,
    action: str = "answer",
    retrieval_confidence: float = 0.72,
    created_at: datetime = START,
) -> None:
    """Create the turns table without `kb_unanswered` in plain SQL, with one how_to turn of
    tenant `default` in conversation `c-old`."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(plain_sql_table(OLD_TURNS_TABLE, url)))
            connection.execute(
                text(
                    "INSERT INTO conversation_turns (tenant, kb, channel, conversation_id, "
                    "language, intent, intent_confidence, action, retrieval_confidence, module, "
                    "question, cited_docs, created_at) VALUES ('default', 'default.default', "
                    "'api', 'c-old', 'en', 'how_to', 0.9, :action, :confidence, 'gantt', "
                    ":question, '[]', :created_at)"
                ),
                {
                    "action": action,
                    "confidence": retrieval_confidence,
                    "question": question,
                    "created_at": stored_time(url, created_at),
                },
            )
    finally:
        engine.dispose()
