"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    JsonValue,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from assistant.domain import Intent, Priority, Role, Tier
from assistant.feedback import (
    MAX_COMMENT_CHARS,
    MAX_MESSAGE_ID_CHARS,
    MAX_REASON_CHARS,
    Rating,
)
from assistant.onboarding.store import (
    MAX_USER_ID_CHARS,
    MAX_VERSION_CHARS,
    EventKind,
    TourStatus,
)
from assistant.settings import DEFAULT_KB
from assistant.tickets import TicketRecord, TicketStatus
from assistant.tickets.schemas import (
    MAX_CONVERSATION_ID_CHARS,
    MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
)

# ---- chat -------------------------------------------------------------------------------


class ChatUser(BaseModel):
    """The asking user, as the product identifies them."""

    # An unknown field is most often a misspelt one ("product-version"), whose value would
    # be dropped without a word.
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, max_length=200)
    """Requester id recorded on tickets; `anonymous` when missing. Like the user ids of
    onboarding, 1-128 letters, digits, `_`, `.`, `:`, `@`, `+` or `-`; other ids get 400."""

    role: Literal["admin", "member", "guest"] | None = None
    """The user's role in the product; answers note steps their role cannot take."""

    locale: str | None = Field(default=None, max_length=35)
    """BCP 47 locale such as `zh-CN` or `en-US`: the reply language when the message's own
    language is unclear. A `zh` tag means Chinese; any other tag, unknown ones included, means
    English, so tags are not checked against a list."""

    product_version: str | None = Field(default=None, max_length=32)
    """Product version such as `3.4`; answers note features newer than it."""


class ChatRequest(BaseModel):
    """One user message to the support agent."""

    # "conversationId" instead of `conversation_id` would start a new conversation each time.
    model_config = ConfigDict(extra="forbid")

    message: str
    """The user's message; at most `ASSISTANT_API_MAX_MESSAGE_CHARS` characters."""

    conversation_id: str | None = None
    """Id of the conversation to continue; a new conversation starts when it is missing."""

    user: ChatUser = Field(default_factory=ChatUser)
    kb: str = DEFAULT_KB
    """KB of the caller's tenant to answer from."""


class IntentPublic(BaseModel):
    """The recognized intent."""

    name: str
    confidence: float


class CitationPublic(BaseModel):
    """A KB chunk the answer quotes."""

    doc: str
    title: str
    chunk_id: str
    score: float


class RelatedArticlePublic(BaseModel):
    """A KB document on the same topics as the cited ones."""

    doc: str
    title: str


class TicketSummary(BaseModel):
    """The ticket an action opened or changed; `sla_due_at` is its current SLA due time."""

    id: str
    tier: str
    priority: str
    status: str
    team: str | None
    assignee: str | None
    sla_due_at: str | None
    timezone: str
    """IANA name of the support team's time zone, e.g. `Asia/Shanghai`. The reply text states
    `sla_due_at` in this zone, and the chat page shows it in this zone too."""


class ActionPublic(BaseModel):
    """Action the agent took: answer, clarify, refuse, open_ticket, escalate or handoff."""

    type: str
    reason: str
    """Reason for the action, as one sentence in the reply's language (zh or en)."""

    reason_code: str
    """Stable code of the reason for programs and logs, such as `person_requested` or
    `kb_answer_not_found`. The server's log line of the action has the same code."""

    ticket: TicketSummary | None


class Timings(BaseModel):
    """Time spent on the request, in milliseconds."""

    graph_ms: float
    """Running the agent graph."""

    total_ms: float
    """From the start of the handler to the end of the response body."""


class ChatResponse(BaseModel):
    """The agent's reply to one message (`stream=false`); the SSE events carry the same data."""

    conversation_id: str
    answer: str
    language: str
    intent: IntentPublic
    citations: list[CitationPublic]
    related: list[RelatedArticlePublic]
    """Up to three KB documents that share tags or a module with the cited ones. On a ticket
    reply, up to three documents of the confident retrieved chunks instead."""

    action: ActionPublic
    timings: Timings


# ---- OpenAI-compatible chat completions -------------------------------------------------


INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class IntRange:
    """Bounds of an integer field, whose error names both (`int_out_of_range`).

    Pydantic's `ge` and `le` errors name only the bound that failed, so a client that sent too
    large a value would learn the lower bound only from a second error.
    """

    minimum: int
    maximum: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Check the range after the field's own type."""
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Show the bounds in the OpenAPI schema."""
        json_schema = handler(schema)
        if (self.minimum, self.maximum) == (INT64_MIN, INT64_MAX):
            # FastAPI's OpenAPI model stores `minimum` and `maximum` as floats, which would
            # round these bounds, so the standard `int64` format states them instead.
            json_schema["format"] = "int64"
        else:
            json_schema.update(minimum=self.minimum, maximum=self.maximum)
        return json_schema

    def _check(self, value: int) -> int:
        if not self.minimum <= value <= self.maximum:
            raise PydanticCustomError(
                "int_out_of_range",
                "Input should be an integer from {min} to {max}",
                {"min": self.minimum, "max": self.maximum},
            )
        return value


class ContentPart(BaseModel):
    """One part of a message's content; only text parts are read."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


def _content_as_parts(content: object) -> object:
    """Turn text content into one text part, so that an error inside a list of parts is not
    also reported against the text form of the union."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if content is None or isinstance(content, list):
        return content
    raise PydanticCustomError(
        "message_content_type", "Input should be a string or a list of content parts"
    )


MessageRole = Literal["system", "developer", "user", "assistant", "tool", "function"]
"""The message roles of OpenAI's chat-completions API."""


class CompletionMessage(BaseModel):
    """One message of an OpenAI chat-completions request."""

    model_config = ConfigDict(extra="allow")

    role: MessageRole
    content: Annotated[
        list[ContentPart] | None,
        BeforeValidator(_content_as_parts, json_schema_input_type=str | list[ContentPart] | None),
    ] = None
    """A string or a list of content parts; a string is stored as one text part."""

    def text(self) -> str:
        """Return the message's text, joining its text parts."""
        if self.content is None:
            return ""
        return "".join(part.text or "" for part in self.content if part.type == "text")


class StreamOptions(BaseModel):
    """Options of a streamed chat completion."""

    model_config = ConfigDict(extra="allow")

    include_usage: StrictBool = False
    """Send a last chunk with the token usage of the request and no choices, as OpenAI does."""


class ChatCompletionRequest(BaseModel):
    """OpenAI chat-completions request. Fields of OpenAI's API that this service does not use
    are accepted, except `n` above 1, tool or function definitions and a `response_format`
    other than `text` or `json_object`, which get 400. A field that OpenAI's API does not
    define, such as a misspelled one, also gets 400.

    The sampling fields are checked with OpenAI's types and ranges, so a client learns of a
    wrong value here as it would from OpenAI (400 naming the parameter). The agent then
    ignores them, because it sets its own model parameters.
    """

    model_config = ConfigDict(extra="allow")

    model: str
    """`assistant-{kb}`, one of the ids GET /v1/models lists."""

    messages: list[CompletionMessage] = Field(min_length=1)
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    """Options of a stream; only allowed when `stream` is true."""

    response_format: JsonValue = None
    """`{"type": "text"}` (the default) or `{"type": "json_object"}`. Any JSON is accepted
    here, so that the route can name a malformed value in its own 400."""

    # NOTE: the upper bound of `n` and the token counts is the signed 32-bit maximum, chosen
    # here and not taken from OpenAI. The agent does not pass these values on, so the bound
    # only rejects numbers no client means and keeps the number an error message quotes short.
    n: Annotated[StrictInt, IntRange(1, INT32_MAX)] | None = None
    """Number of choices; this service returns one, so a value above 1 gets 400."""

    temperature: StrictFloat | None = Field(default=None, ge=0, le=2)
    top_p: StrictFloat | None = Field(default=None, ge=0, le=1)
    max_tokens: Annotated[StrictInt, IntRange(1, INT32_MAX)] | None = None
    max_completion_tokens: Annotated[StrictInt, IntRange(1, INT32_MAX)] | None = None
    presence_penalty: StrictFloat | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: StrictFloat | None = Field(default=None, ge=-2, le=2)
    seed: Annotated[StrictInt, IntRange(INT64_MIN, INT64_MAX)] | None = None
    """OpenAI's seed is a signed 64-bit integer."""

    logprobs: StrictBool | None = None
    top_logprobs: Annotated[StrictInt, IntRange(0, 20)] | None = None
    user: str | None = Field(default=None, max_length=200)
    """End-user id: the ticket requester, and the conversation when none is given."""

    conversation_id: str | None = None
    """Conversation to continue (pass it in `extra_body` with the OpenAI SDK)."""


class ModelPublic(BaseModel):
    """One model: a KB of the caller's tenant."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    """The models (KBs) of the caller's tenant."""

    object: Literal["list"] = "list"
    data: list[ModelPublic]


# ---- tickets ----------------------------------------------------------------------------


class TicketPublic(TicketRecord):
    """A ticket with its event log and SLA state."""

    reason: str | None
    """Label of `reason_code` in the language of Accept-Language (zh or en), which names why the
    assistant opened the ticket, or null when the ticket has no reason code."""

    sla_due_at: datetime | None
    """Due time of the target of the ticket's current tier."""

    sla_breached: bool
    """Whether the ticket missed the target of its current tier."""

    sla_met_at: datetime | None
    """When the target of the current tier was met: the first reply of a human agent since the
    ticket entered its tier, or its resolution. None while it is not met; the assistant's own
    messages never meet it."""


class TicketsPublic(BaseModel):
    """Tickets that match a query, newest first."""

    tickets: list[TicketPublic]
    count: int
    timezone: str
    """IANA name of the support team's time zone, e.g. `Asia/Shanghai`. SLA due times are
    computed in this zone, and the agent console shows times in it."""


class TicketStatusUpdate(BaseModel):
    """New status of a ticket."""

    status: TicketStatus


class TicketCommentCreate(BaseModel):
    """A comment by a support agent; the first one meets the current tier's SLA target."""

    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DESCRIPTION_CHARS),
    ]
    """The comment, stripped of surrounding white space; blank text is rejected with 422."""


class TicketEscalation(BaseModel):
    """An escalation to a higher tier."""

    to_tier: Tier
    reason: str = Field(min_length=1, max_length=2000)
    priority: Priority | None = None
    """New priority; the current one is kept when missing."""


class TicketAssignment(BaseModel):
    """Assignment to a roster agent, or to the best available one when `agent_id` is missing."""

    agent_id: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    """Roster id of the agent; missing, null or blank picks the best available agent."""

    @field_validator("agent_id")
    @classmethod
    def _blank_picks_automatically(cls, agent_id: str | None) -> str | None:
        if agent_id is None:
            return None
        return agent_id.strip() or None


# ---- feedback ---------------------------------------------------------------------------


class FeedbackCreate(BaseModel):
    """A thumbs rating of one answer."""

    conversation_id: str = Field(min_length=1, max_length=MAX_CONVERSATION_ID_CHARS)
    message_id: str | None = Field(default=None, min_length=1, max_length=MAX_MESSAGE_ID_CHARS)
    """Client id of the rated answer; a new rating of the same id replaces the earlier one."""

    rating: Rating
    reason: str | None = Field(default=None, max_length=MAX_REASON_CHARS)
    intent: Intent | None = None
    """Intent of the rated answer; the conversation's latest intent when missing."""


class SurveyCreate(BaseModel):
    """The survey at the end of a conversation; at least one field must be given."""

    conversation_id: str = Field(min_length=1, max_length=MAX_CONVERSATION_ID_CHARS)
    csat: StrictInt | None = Field(default=None, ge=1, le=5)
    """Customer satisfaction, 1 (very unsatisfied) to 5 (very satisfied)."""

    nps: StrictInt | None = Field(default=None, ge=0, le=10)
    """Likelihood that the user recommends the product, 0 (not at all) to 10 (extremely likely)."""

    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)

    @model_validator(mode="after")
    def _require_an_answer(self) -> SurveyCreate:
        if self.csat is None and self.nps is None and not (self.comment or "").strip():
            raise PydanticCustomError(
                "survey_empty", "the survey is empty: give at least one of csat, nps or comment"
            )
        return self


class FeedbackReceipt(BaseModel):
    """Confirmation that a rating or survey was stored."""

    conversation_id: str
    intent: str | None
    """Intent the feedback was filed under."""


# ---- knowledge base ---------------------------------------------------------------------


class SkippedFilePublic(BaseModel):
    """A file that was not indexed, with the reason."""

    doc: str
    code: str
    """Kind of reason, such as `binary`, `not_utf8` or `unknown_module`."""

    reason: str
    """The reason in the language of Accept-Language."""


class IngestPublic(BaseModel):
    """Changes an ingest run made to the KB index."""

    added: list[str]
    updated: list[str]
    unchanged: list[str]
    removed: list[str]
    skipped: list[SkippedFilePublic]
    chunk_count: int
    seconds: float


class UploadReport(BaseModel):
    """Result of an upload: the files stored, the files rejected and what the ingest made of
    the upload folder."""

    kb: str
    stored: list[str]
    rejected: list[SkippedFilePublic]
    """Uploaded files that were not stored: an unsupported type, or content that ingest skips
    (binary, not UTF-8, broken front matter...)."""

    ingest: IngestPublic


class DocumentPublic(BaseModel):
    """A file in the KB index."""

    doc: str
    title: str
    chunks: int
    uploaded: bool
    """Whether the file is in the tenant's upload folder (else it came from `assistant ingest`)."""


class DocumentsPublic(BaseModel):
    """Files in a KB index, sorted by path."""

    kb: str
    documents: list[DocumentPublic]


class DocumentRemoval(BaseModel):
    """Result of a document removal."""

    kb: str
    removed: list[str]


# ---- onboarding -------------------------------------------------------------------------


class UsageEventCreate(BaseModel):
    """A user used a product feature, or asked about it; the optional fields fill the user's
    onboarding profile."""

    user_id: str = Field(max_length=MAX_USER_ID_CHARS)
    """The product's id of the user: 1-128 letters, digits, `_`, `.`, `:`, `@`, `+` or `-`."""

    feature: str = Field(max_length=MAX_NAME_CHARS)
    """A feature name of the onboarding catalog; an unknown name gets 422 with the valid ones."""

    kind: EventKind = EventKind.USED
    at: AwareDatetime | None = None
    """When the user used the feature, with a time zone; now when missing."""

    role: Role | None = None
    """The user's role in the product; stored for later tips."""

    persona: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    """The user's persona, such as `project_manager` or `developer`; stored for later tips."""

    product_version: str | None = Field(default=None, max_length=MAX_VERSION_CHARS)
    """The product version the user runs; the first one stored marks what is new to them."""


class TourUpdate(BaseModel):
    """End of the user's guided tour: completed or skipped."""

    status: TourStatus
    steps_seen: StrictInt | None = Field(default=None, ge=0, le=100)
    """Number of steps the user saw before completing or skipping."""


class TenantKbList(BaseModel):
    """The KBs of the caller's tenant that have documents in their index."""

    kbs: list[str]
    """KB names without the tenant prefix, sorted."""

    default: str = DEFAULT_KB
    """The KB that chat and the reports use when a request names none."""
