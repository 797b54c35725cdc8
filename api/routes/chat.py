"""`POST /v1/chat`: one message to the support agent, answered as SSE or as one JSON object."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated

from anyio import CancelScope, to_thread
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.conversation import (
    action_public,
    chat_response,
    check_message,
    new_conversation_id,
    run_turn,
    split_deltas,
    sse_event,
    user_context,
)
from api.deps import ChatKeyDep, LanguageDep, ResourcesDep
from api.errors import describe_error, error_body, status_of
from api.logs import request_id_var
from api.resources import Resources
from api.schemas import ChatRequest, ChatResponse
from assistant.domain import Language
from assistant.errors import AssistantError
from assistant.i18n import translate
from assistant.keys import KeyRole
from graphs.support.state import UserContext

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["chat"])

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
SSE_DESCRIPTION = """Server-sent events, in this order: `intent` `{name, confidence}`,
`citations` `{citations: [{doc, title, chunk_id, score}], related: [{doc, title}]}` (related:
up to three KB articles on the same topics as the cited ones, or on a ticket reply the confident
retrieved ones), one or more `delta` `{text}` whose
texts join to the answer, `action` `{type, reason, reason_code, ticket}` only when a ticket
was opened, escalated or handed off (the ticket is committed before the event is sent; `reason`
is a sentence in the reply's language, `reason_code` a stable code), and `done`
`{conversation_id, language, timings: {graph_ms, total_ms}}`. A failure after the stream started
is sent as `error` `{code, message}` and ends the stream."""


@router.post(
    "/chat",
    response_model=ChatResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": SSE_DESCRIPTION}},
)
async def chat(
    *,
    body: ChatRequest,
    key: ChatKeyDep,
    resources: ResourcesDep,
    language: LanguageDep,
    stream: Annotated[bool, Query(description="false: return one JSON object, not SSE")] = True,
) -> ChatResponse | StreamingResponse:
    """Send one user message and get the agent's reply, streamed as server-sent events."""
    message = check_message(body.message, resources.settings.api_max_message_chars)
    conversation_id = new_conversation_id(key.tenant, body.conversation_id)
    user = user_context(body.user)
    if not stream:
        turn = await run_turn(resources, key.tenant, body.kb, message, user, conversation_id)
        return chat_response(turn)

    # Resolve the KB before the stream starts, so an unknown KB is a plain 404 response.
    await _check_kb(resources, key.tenant, body.kb)
    events = _chat_events(
        resources,
        key.tenant,
        body.kb,
        message,
        user,
        conversation_id,
        language,
        for_operator=key.role is not KeyRole.WIDGET,
    )
    return StreamingResponse(events, media_type="text/event-stream", headers=SSE_HEADERS)


async def _check_kb(resources: Resources, tenant: str, kb: str) -> None:
    await to_thread.run_sync(resources.agents.get, tenant, kb)


async def _chat_events(
    resources: Resources,
    tenant: str,
    kb: str,
    message: str,
    user: UserContext,
    conversation_id: str,
    language: Language,
    *,
    for_operator: bool,
) -> AsyncIterator[str]:
    try:
        # Starlette cancels the stream when the client disconnects. The shield lets the turn
        # finish anyway, so a message whose response headers were sent is never dropped. Its
        # ticket and conversation checkpoint are committed even if the client reads no event.
        with CancelScope(shield=True):
            turn = await run_turn(resources, tenant, kb, message, user, conversation_id)
    except AssistantError as error:
        if status_of(error) >= 500:
            logger.error("chat turn failed: %s", error, exc_info=error)
        code, text = describe_error(error, language, for_operator=for_operator)
        yield sse_event("error", error_body(code, text)["error"])
        return
    except Exception:
        logger.exception("chat turn failed tenant=%s conversation=%s", tenant, conversation_id)
        text = translate("error_internal_error", language, request_id=request_id_var.get())
        yield sse_event("error", error_body("internal_error", text)["error"])
        return

    reply = turn.reply
    output = reply.output
    intent = output["intent"]
    yield sse_event("intent", {"name": intent["name"], "confidence": intent["confidence"]})
    yield sse_event("citations", {"citations": output["citations"], "related": output["related"]})
    for piece in split_deltas(output["answer"]):
        yield sse_event("delta", {"text": piece})
    action = action_public(turn)
    if action.ticket is not None:
        yield sse_event("action", action.model_dump())
    done = {
        "conversation_id": reply.conversation_id,
        "language": output["language"],
        "timings": turn.timings().model_dump(),
    }
    yield sse_event("done", done)
