"""Settings of the assistant, read once from `ASSISTANT_*` environment variables."""

from __future__ import annotations

import errno
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from assistant.database import check_sqlite_folder, is_in_memory_sqlite
from assistant.domain import Intent
from assistant.errors import ConfigurationError, InputError
from assistant.settings_errors import InvalidSettingsError, settings_error, unknown_settings
from retrieval.versions import parse_version

APP_NAME = "pm-support-assistant"
DEFAULT_KB = "default"

TracingMode = Literal["", "console", "otlp"]
"""Span exporter: empty for none (tracing off), `console` (stdout) or `otlp`."""


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


class Settings(BaseSettings):
    """Every knob of the assistant; each field maps to `ASSISTANT_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    """Folder for the KB indexes, the ticket database and conversation checkpoints."""

    database_url: str = ""
    """SQLAlchemy URL of the ticket database; empty means SQLite at DATA_DIR/assistant.db.
    An in-memory SQLite URL is rejected, because its tickets would be lost at exit."""

    llm_model: str = ""
    """litellm model string (e.g. `deepseek/deepseek-chat`); empty runs the embedded engine."""

    llm_api_base: str = ""
    """Base URL for the LLM (Ollama, vLLM or another OpenAI-compatible server)."""

    llm_api_key: SecretStr = SecretStr("")
    """API key passed to litellm; providers' own variables (OPENAI_API_KEY...) also work."""

    llm_timeout_seconds: float = 30.0
    """Timeout of one LLM call; the embedded engine answers when it expires."""

    conversation_lock_timeout_seconds: float = Field(default=60.0, gt=0, allow_inf_nan=False)
    """Maximum wait, in seconds, of a turn while another turn of its conversation runs in this
    process or in another process on the same data dir. After it the turn fails with
    `conversation_busy`, and the user is asked to send the message again. A turn with an LLM
    makes several calls of up to `llm_timeout_seconds` each."""

    embedding_model: str = ""
    """litellm embedding model string; empty uses the embedded offline embedder."""

    semantic_rerank: bool = True
    """Rerank the pages a search found with the bundled multilingual sentence model
    (retrieval/semantic.py), offline. Ingest then embeds every chunk's first words, about 25 s
    per 1,000 chunks on two cores, and every search embeds the question's content words, about
    15 ms there. Chat turns and reply drafts skip it. Off leaves the words and the hashed
    vectors alone: searches take a few milliseconds, but fewer questions find their page."""

    chunk_max_tokens: int = Field(default=350, ge=50, le=4000)
    """Token budget of one KB chunk, counted with tiktoken's cl100k_base."""

    ingest_max_file_bytes: int = Field(default=5_000_000, ge=1)
    """Largest KB file that ingest reads, in bytes; larger files are skipped with the reason.

    The pages of two real product manuals measure at most about 120 KB, while one 48 MB
    Markdown file took several minutes to ingest.
    """

    retrieval_top_k: int = Field(default=5, ge=1, le=50)
    """Number of chunks the agent retrieves for one question."""

    answer_min_confidence: float = Field(default=0.35, ge=0.0, le=1.0)
    """Retrieval confidence below which the agent clarifies or opens a ticket."""

    intent_min_confidence: float = Field(default=0.30, ge=0.0, le=1.0)
    """Classifier confidence below which a message is treated as out of scope."""

    glossary_path: Path | None = None
    """Extra zh<->en glossary (YAML) merged over the shipped one for cross-language search."""

    product_version: str = ""
    """Current version of the product the KB documents, e.g. `3.4`; the stale-docs check of
    `assistant report gaps` compares articles with it. Empty means the newest release of the
    KB's changelog."""

    roster_path: Path | None = None
    """Support roster (YAML); empty uses the roster shipped with the package."""

    timezone: str = "Asia/Shanghai"
    """Time zone of the support team's working hours."""

    work_start_hour: int = Field(default=9, ge=0, le=23)
    """Hour (local time) when the working day starts."""

    work_end_hour: int = Field(default=18, ge=1, le=24)
    """Hour (local time) when the working day ends."""

    sla_l1_first_reply_seconds: int = Field(default=30, gt=0)
    """L1 target: first reply to the user."""

    sla_l2_first_diagnosis_hours: float = Field(default=4.0, gt=0)
    """L2 target: first diagnosis by a specialist, in working hours."""

    sla_l3_fix_plan_business_days: int = Field(default=3, gt=0)
    """L3 target: a fix plan from engineering, in business days."""

    api_rate_per_second: float = Field(default=5.0, gt=0)
    """Requests per second that one API key may make on average (token bucket refill rate)."""

    api_rate_burst: int = Field(default=20, ge=1)
    """Requests that one API key may make at once before the rate limit applies."""

    api_max_message_chars: int = Field(default=4000, ge=1)
    """Longest chat message the HTTP API accepts, in characters; longer ones get 413."""

    api_max_upload_bytes: int = Field(default=2_000_000, ge=1)
    """Largest KB file the HTTP API accepts in one upload, in bytes."""

    api_max_body_bytes: int = Field(default=1_048_576, ge=1)
    """Largest request body, in bytes, except KB uploads; larger ones get 413 unread."""

    api_max_upload_request_bytes: int = Field(default=52_428_800, ge=1)
    """Largest request body of a KB upload (all its files), in bytes."""

    log_model_data: bool = False
    """Log prompts and completions at DEBUG, and put them on spans; off by default because
    they hold user data."""

    tracing: TracingMode = ""
    """OpenTelemetry span exporter: empty (off), `console`, or `otlp` to the standard
    OTEL_EXPORTER_OTLP_ENDPOINT."""

    sla_check_interval_seconds: float = Field(default=60.0, ge=0)
    """Seconds between two SLA checks of the API's background monitor; 0 turns it off."""

    sla_warning_minutes: float = Field(default=30.0, ge=0)
    """An open ticket gets an `sla_warning` this long before its due time, counted in
    working hours where its SLA is."""

    survey_idle_minutes: float = Field(default=30.0, ge=0)
    """Minutes without a new message after which a conversation without tickets counts as
    ended, so its CSAT and NPS survey is due. 0 leaves only the client's `ended` flag."""

    eval_reports_dir: Path | None = None
    """Folder of the `assistant eval --report` JSON reports that the ops dashboard lists;
    None means DATA_DIR/eval-reports."""

    help_center_url: str = ""
    """Base URL of the published help center: an onboarding tip links to this URL plus its
    article's KB path. Empty gives tips no link, only the article's path and title."""

    surge_min_reports: int = Field(default=5, ge=2)
    """Similar reports about one module, from this many distinct requesters within the surge
    window, that open an incident."""

    surge_window_minutes: float = Field(default=30.0, gt=0)
    """Minutes within which similar reports about one module count toward the same surge."""

    surge_similarity_threshold: float = Field(default=0.4, gt=0.0, le=1.0)
    """Cosine similarity of two reports' tokens from which they count as the same problem."""

    surge_intents: Annotated[tuple[Intent, ...], NoDecode] = (
        Intent.OUTAGE,
        Intent.BUG_REPORT,
        Intent.TROUBLESHOOTING,
    )
    """Intents whose tickets count toward surges, comma-separated in the environment; empty
    turns surge detection off."""

    pager_webhook_url: str = ""
    """URL that gets a JSON POST when an incident opens, to page L3; empty only logs it."""

    pager_timeout_seconds: float = Field(default=5.0, gt=0)
    """Timeout of the pager webhook call; the reply to the report that opened the incident
    waits for it."""

    @field_validator("surge_intents", mode="before")
    @classmethod
    def _split_surge_intents(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @field_validator("pager_webhook_url", mode="after")
    @classmethod
    def _check_pager_webhook_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("the pager webhook URL must start with http:// or https://")
        return value

    @field_validator("database_url", mode="after")
    @classmethod
    def _reject_in_memory_database(cls, value: str) -> str:
        # Only this setting, which the CLI and the server read, is checked, so stores built
        # directly on `sqlite://`, as in tests, still work.
        if is_in_memory_sqlite(value):
            raise PydanticCustomError(
                "setting_sqlite_in_memory",
                "must be a SQLite file such as sqlite:////path/to/assistant.db, not an in-memory "
                "database, whose tickets are lost when the process exits",
            )
        return value

    @field_validator("data_dir", "glossary_path", "roster_path", "eval_reports_dir", mode="before")
    @classmethod
    def _check_blank_path(cls, value: object, info: ValidationInfo) -> object:
        # An empty variable (`ASSISTANT_DATA_DIR=`) means the default, as if it were unset;
        # `Path("")` would be the current folder. Only whitespace is a mistake, not a name.
        if not isinstance(value, str):
            return value
        if not value:
            return cls.model_fields[str(info.field_name)].get_default(call_default_factory=True)
        if not value.strip():
            raise PydanticCustomError(
                "setting_path_blank",
                "must be a path, or empty for the default, not only whitespace",
            )
        return value

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand_data_dir(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def resolved_database_url(self) -> str:
        """SQLAlchemy URL of the ticket database."""
        return self.database_url or f"sqlite:///{self.data_dir / 'assistant.db'}"

    @property
    def resolved_eval_reports_dir(self) -> Path:
        """Folder of the eval reports that the ops dashboard lists."""
        return (self.eval_reports_dir or self.data_dir / "eval-reports").expanduser()

    @property
    def checkpoint_path(self) -> Path:
        """SQLite file of the LangGraph conversation checkpoints."""
        return self.data_dir / "checkpoints.sqlite"

    @property
    def conversation_lock_dir(self) -> Path:
        """Folder of the lock files that let one turn of a conversation run at a time."""
        return self.data_dir / "conversation-locks"

    def upload_dir(self, tenant: str, kb: str) -> Path:
        """Folder of the KB files uploaded through the HTTP API for one tenant's KB."""
        return self.data_dir / "uploads" / tenant / kb

    def kb_dir(self, kb: str) -> Path:
        """Folder of one knowledge base's indexes."""
        return self.data_dir / "kb" / kb


class EnvironmentSettings(Settings):
    """Settings as `get_settings` reads them from the environment at startup.

    They also check the values that only some commands use (the time zone and working hours
    of SLA due times), so that every command and the server reject such a value with the same
    message. `Settings` built in code skips these checks, so tests can still reach the later
    checks of `WorkingHours.from_settings`.
    """

    @field_validator("timezone", mode="after")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError(
                "setting_timezone",
                "must be an IANA time zone name such as Asia/Shanghai or Europe/Berlin",
            ) from None
        return value

    @field_validator("product_version", mode="after")
    @classmethod
    def _check_product_version(cls, value: str) -> str:
        if not value:
            return value
        try:
            parse_version(value)
        except InputError:
            raise PydanticCustomError(
                "setting_version",
                "must be a version such as 3.4 or 3.4.1, or empty for the newest release of the "
                "KB's changelog",
            ) from None
        return value

    @field_validator("help_center_url", mode="after")
    @classmethod
    def _check_help_center_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise PydanticCustomError(
                "setting_url", "must be a URL that starts with http:// or https://, or empty"
            )
        return value

    @field_validator("llm_model", "embedding_model", mode="after")
    @classmethod
    def _check_model_not_blank(cls, value: str) -> str:
        # Only spaces would reach litellm as a model name and fail on the first question.
        if value and not value.strip():
            raise PydanticCustomError(
                "setting_model_blank",
                "must be a litellm model name, or empty for the embedded engine, not only "
                "whitespace",
            )
        return value

    @field_validator("work_end_hour", mode="after")
    @classmethod
    def _check_work_end_hour(cls, value: int, info: ValidationInfo) -> int:
        # A start hour that failed its own check is missing from `info.data`.
        start = info.data.get("work_start_hour")
        if start is not None and value <= start:
            raise PydanticCustomError(
                "setting_work_end_after_start",
                "must be later than ASSISTANT_WORK_START_HOUR ({start})",
                {"start": start},
            )
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings; tests clear the cache to change them.

    Raises:
        InvalidSettingsError: an `ASSISTANT_*` variable has an invalid value; the message has
            one line per variable, naming it, its value and the valid values.
    """
    prefix = EnvironmentSettings.model_config.get("env_prefix") or ""
    unknown = unknown_settings(EnvironmentSettings.model_fields, prefix, os.environ)
    try:
        settings = EnvironmentSettings()
    except ValidationError as exc:
        invalid = settings_error(exc, EnvironmentSettings.model_fields, prefix)
        raise InvalidSettingsError(invalid.problems + unknown) from None
    if unknown:
        raise InvalidSettingsError(unknown)
    return settings


def ensure_data_dir(settings: Settings, *, writable: bool = True) -> Path:
    """Create the data dir when it is missing, and return it.

    The folder of an explicit SQLite ASSISTANT_DATABASE_URL is not created: it must exist.

    Args:
        writable: Reject a folder that the user cannot write. Commands that only read pass
            False.

    Raises:
        ConfigurationError: the path is a file, cannot be created or is not writable. The
            message names the path and the fix: a writable folder in ASSISTANT_DATA_DIR.
        DatabaseFolderMissingError: ASSISTANT_DATABASE_URL names a SQLite file in a folder
            that does not exist.
    """
    if settings.database_url:
        check_sqlite_folder(settings.database_url)
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            raise ConfigurationError(
                f"invalid setting ASSISTANT_DATA_DIR='{path}': it is a file, not a folder; "
                "point ASSISTANT_DATA_DIR at a writable folder or unset it",
                code="data_dir_is_file",
                path=path,
            ) from None
        reason = exc.strerror or type(exc).__name__
        raise ConfigurationError(
            f"invalid setting ASSISTANT_DATA_DIR='{path}': cannot create the folder "
            f"({reason}); point ASSISTANT_DATA_DIR at a writable folder or unset it",
            code="data_dir_not_creatable",
            path=path,
            reason=reason,
        ) from None
    if writable and not os.access(path, os.W_OK | os.X_OK):
        raise ConfigurationError(
            f"invalid setting ASSISTANT_DATA_DIR='{path}': the folder is not writable; "
            "point ASSISTANT_DATA_DIR at a writable folder or unset it",
            code="data_dir_not_writable",
            path=path,
        )
    for folder in (path / "kb", settings.conversation_lock_dir):
        _check_data_subfolder(folder, writable=writable)
    return path


def _check_data_subfolder(folder: Path, *, writable: bool) -> None:
    """Reject a folder of the data dir that exists as a file or that the user cannot write.

    The assistant creates these folders itself when they are missing. Without this check, a
    file in the place of one fails later with a traceback.

    Raises:
        ConfigurationError: the message names the path and the fix.
    """
    if not os.path.lexists(folder):
        return
    if not folder.is_dir():
        raise ConfigurationError(
            f"cannot use '{folder}' in the data folder: it is a file, not a folder; move the "
            "file away, and the assistant creates the folder again",
            code="data_subfolder_is_file",
            path=folder,
        )
    if writable and not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigurationError(
            f"cannot use '{folder}' in the data folder: the folder is not writable; give this "
            "user write access to it",
            code="data_subfolder_not_writable",
            path=folder,
        )
