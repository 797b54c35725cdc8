"""Exceptions raised by the assistant, split by who has to act on them.

AssistantError
 +-- ConfigurationError   the setup is wrong; an operator must change a setting or a file
 |    +-- KnowledgeBaseDamagedError
 +-- InputError           a user or client sent a value the assistant cannot use
 |    +-- NotFoundError    the value names something that does not exist (or that the
 |    |    |               caller's tenant cannot see)
 |    |    +-- KnowledgeBaseNotFoundError
 |    +-- ConflictError    the request clashes with stored state (e.g. a second survey)
 +-- UpstreamError        an LLM, embedding or vector-store call failed; retrying may help
 +-- ModelOutputError     the model answered, but broke the output contract
 +-- ToolFailure          a tool the agent called could not do its job; the agent sees it
"""

from pathlib import Path


class AssistantError(Exception):
    """Base class of every error the assistant raises on purpose.

    `code` names a message in `assistant/messages.yaml` (as `error_<code>`) that user-facing
    front ends show in the user's language, filled with `params`; without it they show the
    English message.
    """

    code: str | None = None

    def __init__(self, message: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.code = code or self.code
        self.params = params


class ConfigurationError(AssistantError):
    """Raised when a setting or a shipped file is missing or invalid."""


class InputError(AssistantError):
    """Raised when a request carries a value the assistant cannot use."""


class NotFoundError(InputError):
    """Raised when a request names a KB, ticket, document or key that does not exist."""


class ConflictError(InputError):
    """Raised when a request clashes with what is already stored, such as a second survey."""


class KnowledgeBaseNotFoundError(NotFoundError):
    """Raised when a command names a KB that has not been ingested."""

    def __init__(self, kb: str) -> None:
        super().__init__(
            f"knowledge base {kb!r} does not exist yet; "
            f"create it with `assistant ingest PATH --kb {kb}`",
            code="kb_not_found",
            kb=kb,
        )
        self.kb = kb


class KnowledgeBaseDamagedError(ConfigurationError):
    """Raised when a file or folder of a KB's index cannot be read or does not match the rest.

    The index is built from the KB's source files, so `assistant ingest --rebuild` restores it.
    """

    def __init__(self, kb: str, path: Path) -> None:
        # `path` stays a Path in `params`, because error messages shorten long strings, and a
        # path cut short would no longer name the damaged file.
        super().__init__(
            f"the index of knowledge base {kb!r} is damaged: {str(path)!r} is unreadable or does "
            "not match the rest of the index; rebuild the index with "
            f"`assistant ingest PATH --kb {kb} --rebuild`, where PATH is the folder of the KB's "
            ".md, .txt and .html files",
            code="kb_damaged",
            kb=kb,
            path=path,
        )
        self.kb = kb
        self.path = path


class KnowledgeBaseNotWritableError(ConfigurationError):
    """Raised when a KB's index files or folder are read-only for this process."""

    def __init__(self, kb: str, path: Path) -> None:
        super().__init__(
            f"the index of knowledge base {kb!r} cannot be written: {str(path)!r} is read-only "
            f"for this user; make it and its files writable (for example `chmod -R u+w "
            f"'{path}'`), or set ASSISTANT_DATA_DIR to a folder you can write",
            code="kb_not_writable",
            kb=kb,
            path=path,
        )
        self.kb = kb
        self.path = path


class UpstreamError(AssistantError):
    """Raised when a call to an LLM, an embedding model or the vector store fails."""


class ModelOutputError(AssistantError):
    """Raised when a model's output does not follow the requested schema or rules."""


class ToolFailure(AssistantError):
    """Raised by a tool when it cannot complete; the message is shown to the agent."""
