"""Tracing: request, graph node, retrieval and LLM spans recorded in memory."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from api.app import create_app
from assistant import telemetry
from assistant.errors import ConfigurationError
from assistant.keys import KeyRole, KeyStore
from assistant.llm import LLMClient
from assistant.settings import Settings, TracingMode
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase

NODE_NAMES = {"classify_intent", "retrieve_context", "decide_action", "draft_answer"}
MOCK_COMPLETION = "Open Settings > Security and upload the metadata."


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.enable_tracing(provider)
    yield exporter
    telemetry.disable_tracing()


def _by_name(finished: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    matches = [span for span in finished if span.name == name]
    assert len(matches) == 1, f"expected one span {name!r}, got {[s.name for s in finished]}"
    return matches[0]


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        ancestor = by_id[parent.span_id]
        names.append(ancestor.name)
        parent = ancestor.parent
    return names


def test_trace_node_is_plain_call_when_off() -> None:
    def node(value: int) -> int:
        return value + 1

    traced = telemetry.trace_node(node)

    assert not telemetry.is_enabled()
    assert traced(1) == 2
    assert traced.__wrapped__ is node  # type: ignore[attr-defined]


def test_chat_request_span_has_node_children(
    spans: InMemorySpanExporter, settings: Settings, small_kb_dir: Path
) -> None:
    ingest_folder(KnowledgeBase(settings, "default.default"), small_kb_dir)
    keys = KeyStore(settings.resolved_database_url)
    secret = keys.create("default", KeyRole.WIDGET)[1]
    keys.close()
    app_settings = settings.model_copy(update={"sla_check_interval_seconds": 0})

    with TestClient(create_app(app_settings)) as client:
        response = client.post(
            "/v1/chat",
            json={"message": "How do I create a board?"},
            headers={"Authorization": f"Bearer {secret}"},
        )

    assert response.status_code == 200
    finished = spans.get_finished_spans()
    request = _by_name(finished, "POST /v1/chat")
    assert request.parent is None
    assert request.attributes is not None
    assert request.attributes["http.response.status_code"] == 200
    by_id = {span.context.span_id: span for span in finished if span.context is not None}
    for node in NODE_NAMES:
        node_span = _by_name(finished, f"graph.node {node}")
        assert "POST /v1/chat" in _ancestors(node_span, by_id), node
    retrieval = _by_name(finished, "retrieval.search")
    assert _ancestors(retrieval, by_id)[0] == "graph.node retrieve_context"
    assert "POST /v1/chat" in _ancestors(retrieval, by_id)
    assert retrieval.attributes is not None
    assert retrieval.attributes["assistant.retrieval.hits"] >= 1
    assert "assistant.retrieval.query" not in retrieval.attributes


@pytest.mark.parametrize("log_model_data", [False, True], ids=["private", "log-model-data"])
def test_llm_span_has_gen_ai_attributes(
    spans: InMemorySpanExporter, settings: Settings, log_model_data: bool
) -> None:
    llm_settings = settings.model_copy(
        update={"llm_model": "openai/gpt-4o-mini", "log_model_data": log_model_data}
    )
    client = LLMClient(llm_settings, extra={"mock_response": MOCK_COMPLETION})

    reply = client.complete(
        [{"role": "user", "content": "How do I set up SSO?"}], prompt_id="answer"
    )

    assert reply == MOCK_COMPLETION
    span = _by_name(spans.get_finished_spans(), "chat openai/gpt-4o-mini")
    attributes = span.attributes
    assert attributes is not None
    assert attributes[telemetry.GEN_AI_SYSTEM] == "openai"
    assert attributes[telemetry.GEN_AI_REQUEST_MODEL] == "openai/gpt-4o-mini"
    assert attributes[telemetry.GEN_AI_OPERATION_NAME] == "chat"
    assert attributes[telemetry.ASSISTANT_PROMPT_ID] == "answer"
    assert attributes[telemetry.GEN_AI_USAGE_INPUT_TOKENS] > 0
    assert attributes[telemetry.GEN_AI_USAGE_OUTPUT_TOKENS] > 0
    assert (telemetry.GEN_AI_PROMPT in attributes) is log_model_data
    assert (telemetry.GEN_AI_COMPLETION in attributes) is log_model_data


def test_llm_tokens_counted_without_usage(settings: Settings) -> None:
    llm_settings = settings.model_copy(update={"llm_model": "ollama/qwen2.5"})
    client = LLMClient(llm_settings)
    response = SimpleNamespace(usage=None)

    attributes = client._span_attributes(
        response, [{"role": "user", "content": "hello world"}], "hi there"
    )

    assert attributes[telemetry.GEN_AI_USAGE_INPUT_TOKENS] == 2
    assert attributes[telemetry.GEN_AI_USAGE_OUTPUT_TOKENS] == 2
    assert attributes[telemetry.ASSISTANT_TOKENS_ESTIMATED] is True


@pytest.mark.parametrize("mode", ["console", "otlp"])
def test_configure_tracing_enables_exporter(mode: TracingMode) -> None:
    telemetry.configure_tracing(mode)
    try:
        assert telemetry.is_enabled()
    finally:
        telemetry.disable_tracing()

    assert not telemetry.is_enabled()


def test_configure_tracing_off_by_default() -> None:
    default_mode = Settings.model_fields["tracing"].default

    telemetry.configure_tracing(default_mode)

    assert default_mode == ""
    assert not telemetry.is_enabled()


def test_otlp_without_exporter_package_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (
        "opentelemetry.exporter.otlp.proto.http.trace_exporter",
        "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
    ):
        monkeypatch.setitem(sys.modules, module, None)

    with pytest.raises(ConfigurationError, match="pip install"):
        telemetry.configure_tracing("otlp")

    assert not telemetry.is_enabled()
