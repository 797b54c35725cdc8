"""OpenAI-compatible `POST /v1/chat/completions` and `GET /v1/models`.

Each KB of the caller's tenant is a model named `assistant-{kb}`. The last user message is
the question; earlier messages are ignored because the agent keeps the conversation itself.
Citations and the action ride along in the extra field `assistant` of the response, and of
the chunk with `finish_reason` "stop" when streaming. That chunk is the last one, except with
`stream_options.include_usage`, where OpenAI's protocol puts the usage chunk last. With
`response_format` `{"type": "json_object"}` the message content is the reply as the JSON object
that `assistant ask --json` prints, streamed in pieces like the answer text.

Errors have OpenAI's shape `{"error": {"message", "type", "param", "code"}}`, where `param`
names the request field at fault, such as `model` or `messages[1].role` (see `api.errors`).
A field that OpenAI's API does not define, such as the misspelled `temprature`, gets 400 with
the code `unknown_parameter`, so a typo is not silently ignored.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Collection, Mapping
from enum import StrEnum
from functools import partial
from typing import Any, assert_never

from anyio import to_thread
from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.conversation import (
    Turn,
    action_public,
    check_message,
    new_conversation_id,
    run_turn,
    split_deltas,
)
from api.deps import ChatKeyDep, LanguageDep, ResourcesDep
from api.errors import (
    UnsupportedParameterError,
    describe_error,
    error_body,
    error_param,
    openai_error_fields,
    param_at_fault,
    status_of,
)
from api.resources import Resources, TenantKbNotFoundError
from api.schemas import (
    ChatCompletionRequest,
    CompletionMessage,
    ModelList,
    ModelPublic,
    StreamOptions,
)
from assistant.domain import Language
from assistant.errors import AssistantError, InputError, NotFoundError
from assistant.i18n import translate
from assistant.keys import KeyRole
from assistant.onboarding.store import validate_user_id
from assistant.tenants import tenant_kb_name, tenant_kbs
from assistant.text import normalize
from assistant.tokens import count_tokens
from graphs.support.state import UserContext
from retrieval.knowledge_base import list_knowledge_bases

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["openai"])

MODEL_PREFIX = "assistant-"

TOOL_PARAMETERS = ("tools", "tool_choice", "functions", "function_call")
"""OpenAI parameters that define tools or functions, which the assistant never calls."""

OPENAI_UNDECLARED_PARAMETERS = frozenset(
    {
        "audio",
        "function_call",
        "functions",
        "logit_bias",
        "metadata",
        "modalities",
        "moderation",
        "parallel_tool_calls",
        "prediction",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning_effort",
        "safety_identifier",
        "service_tier",
        "stop",
        "store",
        "tool_choice",
        "tools",
        "verbosity",
        "web_search_options",
    }
)
"""Parameters of `chat.completions.create` in the `openai` Python SDK 3.63 that
ChatCompletionRequest does not declare. They are accepted and ignored, except the
TOOL_PARAMETERS, which get 400. Any other undeclared parameter gets 400 `unknown_parameter`."""

OPENAI_UNDECLARED_MESSAGE_FIELDS = frozenset(
    {"name", "tool_calls", "tool_call_id", "function_call", "refusal", "audio"}
)
"""Fields of OpenAI's message objects that CompletionMessage does not declare. They are
accepted and ignored."""

OPENAI_UNDECLARED_STREAM_OPTIONS = frozenset({"include_obfuscation"})
"""Fields of OpenAI's `stream_options` that StreamOptions does not declare. They are accepted
and ignored."""

MAX_SUGGESTED_NAME_CHARS = 64
"""Unknown parameter names longer than this get no "did you mean" suggestion, which bounds the
time that difflib spends on a name that a client can make as long as the body limit allows."""

SUGGESTION_CUTOFF = 0.75
"""Minimum difflib similarity of a suggested name. 0.75 still suggests `name` for the swapped
letters of `nmae`, but not `presence_penalty` for `repetition_penalty` (0.71)."""


class ResponseFormat(StrEnum):
    """The `response_format.type` values that the route returns. OpenAI's `json_schema` is not
    one of them, because the reply's shape is fixed."""

    TEXT = "text"
    """The answer as plain text, also when `response_format` is not set."""

    JSON_OBJECT = "json_object"
    """The reply as the JSON object that `assistant ask --json` prints."""


def _model_id(kb: str) -> str:
    return f"{MODEL_PREFIX}{kb}"


def _kb_of_model(model: str, tenant: str) -> str:
    """Return the KB that a model id names, after checking the KB's name.

    Raises:
        NotFoundError: the id does not have the form `assistant-{kb}`.
        InputError: the KB name is invalid.
    """
    with param_at_fault("model"):
        if not model.startswith(MODEL_PREFIX) or len(model) == len(MODEL_PREFIX):
            raise NotFoundError(
                f"model {model!r} does not exist", code="model_not_found", model=model
            )
        kb = model[len(MODEL_PREFIX) :]
        tenant_kb_name(tenant, kb)
    return kb


@router.get("/models", response_model=ModelList)
def list_models(*, key: ChatKeyDep, resources: ResourcesDep) -> ModelList:
    """List one model per KB of the caller's tenant."""
    settings = resources.settings
    models = [
        ModelPublic(
            id=_model_id(kb),
            created=int(settings.kb_dir(f"{key.tenant}.{kb}").stat().st_mtime),
            owned_by=key.tenant,
        )
        for kb in tenant_kbs(key.tenant, list_knowledge_bases(settings))
    ]
    return ModelList(data=models)


@router.post(
    "/chat/completions",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def create_chat_completion(
    *,
    body: ChatCompletionRequest,
    key: ChatKeyDep,
    resources: ResourcesDep,
    language: LanguageDep,
) -> Any:
    """Answer the last user message, in the OpenAI chat-completions format.

    The conversation is `conversation_id` when given, else one per `user`, else a new one
    for every request.
    """
    _check_supported(body)
    response_format = _response_format(body.response_format)
    kb = _kb_of_model(body.model, key.tenant)
    question = _question(body, resources.settings.api_max_message_chars)
    with param_at_fault("conversation_id"):
        conversation_id = new_conversation_id(key.tenant, _conversation_id(body))
    with param_at_fault("user"):
        # An empty `user` is invalid like any other malformed id, not the same as no `user`.
        user = (
            UserContext(id=validate_user_id(body.user)) if body.user is not None else UserContext()
        )
    if not body.stream:
        with param_at_fault("model", TenantKbNotFoundError):
            turn = await run_turn(resources, key.tenant, kb, question, user, conversation_id)
        return _completion(turn, body.model, question, _content(turn, response_format))

    with param_at_fault("model", TenantKbNotFoundError):
        await to_thread.run_sync(resources.agents.get, key.tenant, kb)
    include_usage = body.stream_options is not None and body.stream_options.include_usage
    chunks = _completion_chunks(
        resources,
        key.tenant,
        kb,
        question,
        user,
        conversation_id,
        body.model,
        language,
        response_format=response_format,
        include_usage=include_usage,
        for_operator=key.role is not KeyRole.WIDGET,
    )
    return StreamingResponse(chunks, media_type="text/event-stream")


def _check_supported(body: ChatCompletionRequest) -> None:
    """Raise UnsupportedParameterError for an unknown parameter, or for an option that the
    response could not honor."""
    _check_known_fields(body)
    if body.n is not None and body.n > 1:
        raise UnsupportedParameterError(
            "n", f"n={body.n} is not supported; send n=1", code="unsupported_n", n=body.n
        )
    if body.stream_options is not None and not body.stream:
        raise UnsupportedParameterError(
            "stream_options",
            "stream_options is only allowed when stream is true",
            code="stream_options_without_stream",
        )
    extra = body.model_extra or {}
    for name in TOOL_PARAMETERS:
        if extra.get(name) is not None:
            raise UnsupportedParameterError(
                name, f"parameter {name!r} is not supported", code="unsupported_tools"
            )


def _response_format(value: object) -> ResponseFormat:
    """Return the type of a request's `response_format`, TEXT when it is not set.

    Raises:
        UnsupportedParameterError: the value is not an object with a string `type`, its type
            is not a ResponseFormat, or it has a field besides `type`.
    """
    if value is None:
        return ResponseFormat.TEXT
    supported = tuple(ResponseFormat)
    names = ", ".join(supported)
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        value_json = json.dumps(value, ensure_ascii=False)
        raise UnsupportedParameterError(
            "response_format.type" if isinstance(value, dict) else "response_format",
            f"invalid response_format {value_json}; send an object whose 'type' is one of: {names}",
            code="invalid_response_format",
            value=value_json,
            supported=supported,
        )
    try:
        response_format = ResponseFormat(value["type"])
    except ValueError:
        raise UnsupportedParameterError(
            "response_format.type",
            f"response_format type {value['type']!r} is not supported; use one of: {names}",
            code="unsupported_response_format",
            value=value["type"],
            supported=supported,
        ) from None
    _check_extra_fields(value, {"type"}, "response_format.")
    return response_format


def _check_known_fields(body: ChatCompletionRequest) -> None:
    """Raise UnsupportedParameterError for the first field that OpenAI's API does not define,
    at the top level, in `stream_options` or in a message.

    Content parts are not checked, because each part type (text, image_url, input_audio, file)
    has its own fields and only text parts are read.
    """
    top_level = {*ChatCompletionRequest.model_fields, *OPENAI_UNDECLARED_PARAMETERS}
    _check_extra_fields(body.model_extra, top_level, prefix="")
    if body.stream_options is not None:
        stream_options = {*StreamOptions.model_fields, *OPENAI_UNDECLARED_STREAM_OPTIONS}
        _check_extra_fields(body.stream_options.model_extra, stream_options, "stream_options.")
    message_fields = {*CompletionMessage.model_fields, *OPENAI_UNDECLARED_MESSAGE_FIELDS}
    for index, message in enumerate(body.messages):
        _check_extra_fields(message.model_extra, message_fields, f"messages[{index}].")


def _check_extra_fields(
    extra: Mapping[str, object] | None, known: Collection[str], prefix: str
) -> None:
    for name in extra or {}:
        if name not in known:
            raise _unknown_parameter_error(prefix + name, name, known)


def _unknown_parameter_error(
    param: str, name: str, known: Collection[str]
) -> UnsupportedParameterError:
    """Return the error for an unknown field, suggesting the known name closest to a typo."""
    candidates = sorted(set(known) - set(TOOL_PARAMETERS))
    close = []
    if len(name) <= MAX_SUGGESTED_NAME_CHARS:
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=SUGGESTION_CUTOFF)
    if close:
        fix = partial(translate, "unknown_parameter_did_you_mean", name=close[0])
    else:
        fix = partial(translate, "unknown_parameter_remove")
    # `fix` is called with the language of the message that describe_error builds.
    message = translate("error_unknown_parameter", Language.EN, param=param, fix=fix)
    return UnsupportedParameterError(param, message, code="unknown_parameter", fix=fix)


def _question(body: ChatCompletionRequest, max_chars: int) -> str:
    """Return the text of the last user message that has text, the question of the request.

    Raises:
        InputError: no user message has text.
        PayloadTooLargeError: the question is longer than `max_chars`.
    """
    for index in range(len(body.messages) - 1, -1, -1):
        message = body.messages[index]
        if message.role == "user" and normalize(message.text()).strip():
            with param_at_fault(f"messages[{index}].content"):
                return check_message(message.text(), max_chars)
    raise InputError("no user message with text", code="no_user_message", param="messages")


def _conversation_id(body: ChatCompletionRequest) -> str | None:
    # An empty id is checked, and refused, like any other: taking it as "none" would start a
    # new conversation each time for a client whose id variable is not set.
    if body.conversation_id is not None:
        return body.conversation_id
    if body.user:
        # One conversation per end user, so a client that only sends `user` keeps context.
        return "user-" + hashlib.sha256(body.user.encode("utf-8")).hexdigest()[:32]
    return None


def _assistant_extra(turn: Turn) -> dict[str, Any]:
    output = turn.reply.output
    return {
        "conversation_id": turn.reply.conversation_id,
        "language": output["language"],
        "intent": {"name": output["intent"]["name"], "confidence": output["intent"]["confidence"]},
        "citations": output["citations"],
        "related": output["related"],
        "action": action_public(turn).model_dump(),
        "timings": turn.timings().model_dump(),
    }


def _content(turn: Turn, response_format: ResponseFormat) -> str:
    """Return the content of the assistant message of a turn in the requested format."""
    match response_format:
        case ResponseFormat.TEXT:
            return turn.reply.output["answer"]
        case ResponseFormat.JSON_OBJECT:
            return json.dumps(turn.reply.to_json(), ensure_ascii=False)
        case _:
            assert_never(response_format)


def _completion(turn: Turn, model: str, question: str, content: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(question, content),
        "assistant": _assistant_extra(turn),
    }


def _usage(question: str, content: str) -> dict[str, int]:
    prompt_tokens = count_tokens(question)
    completion_tokens = count_tokens(content)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _chunk(
    completion_id: str, model: str, delta: dict[str, str], finish_reason: str | None
) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _data(payload: object) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


async def _completion_chunks(
    resources: Resources,
    tenant: str,
    kb: str,
    question: str,
    user: UserContext,
    conversation_id: str,
    model: str,
    language: Language,
    *,
    response_format: ResponseFormat,
    include_usage: bool,
    for_operator: bool,
) -> AsyncIterator[str]:
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    try:
        turn = await run_turn(resources, tenant, kb, question, user, conversation_id)
    except AssistantError as error:
        if status_of(error) >= 500:
            logger.error("completion failed: %s", error, exc_info=error)
        code, text = describe_error(error, language, for_operator=for_operator)
        body = error_body(code, text)
        body["error"] |= openai_error_fields(status_of(error), error_param(error))
        yield _data(body)
        yield "data: [DONE]\n\n"
        return

    # With include_usage, OpenAI sends `usage: null` in every chunk, then one more chunk with
    # no choices and the usage of the whole request.
    no_usage: dict[str, Any] = {"usage": None} if include_usage else {}
    content = _content(turn, response_format)
    first = _chunk(completion_id, model, {"role": "assistant", "content": ""}, None)
    yield _data(first | no_usage)
    for piece in split_deltas(content):
        yield _data(_chunk(completion_id, model, {"content": piece}, None) | no_usage)
    final = _chunk(completion_id, model, {}, "stop") | {"assistant": _assistant_extra(turn)}
    yield _data(final | no_usage)
    if include_usage:
        usage_chunk = _chunk(completion_id, model, {}, None) | {"choices": []}
        yield _data(usage_chunk | {"usage": _usage(question, content)})
    yield "data: [DONE]\n\n"
