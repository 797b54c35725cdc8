"""OpenTelemetry tracing of requests, graph nodes, retrieval and LLM calls.

Tracing is off unless `ASSISTANT_TRACING` is `console` or `otlp`. While it is off, `span()`
yields None and `trace_node` calls the wrapped function directly, so the instrumented code
pays one attribute check per call and never touches the OpenTelemetry SDK.

Prompt and completion text go on spans only when `ASSISTANT_LOG_MODEL_DATA=1`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from assistant.errors import ConfigurationError
from assistant.settings import TracingMode

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

logger = logging.getLogger(__name__)

TRACER_NAME = "pm-support-assistant"

# Attribute names of the OpenTelemetry GenAI semantic conventions.
GEN_AI_SYSTEM = "gen_ai.system"
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
GEN_AI_PROMPT = "gen_ai.prompt"
GEN_AI_COMPLETION = "gen_ai.completion"

# Attribute names of this project.
ASSISTANT_PROMPT_ID = "assistant.prompt.id"
ASSISTANT_TOKENS_ESTIMATED = "assistant.usage.tokens_estimated"
ASSISTANT_GRAPH_NODE = "assistant.graph.node"
ASSISTANT_TENANT = "assistant.tenant"
ASSISTANT_CONVERSATION_ID = "assistant.conversation_id"
RETRIEVAL_KB = "assistant.retrieval.kb"
RETRIEVAL_TOP_K = "assistant.retrieval.top_k"
RETRIEVAL_VERSION_FILTER = "assistant.retrieval.version_filter"
RETRIEVAL_HITS = "assistant.retrieval.hits"
RETRIEVAL_BEST_CONFIDENCE = "assistant.retrieval.best_confidence"
RETRIEVAL_QUERY = "assistant.retrieval.query"

Attributes = Mapping[str, AttributeValue]
P = ParamSpec("P")
R = TypeVar("R")


class _TracingState:
    """The tracer in use, or None while tracing is off."""

    tracer: trace.Tracer | None = None
    provider: TracerProvider | None = None


_state = _TracingState()


def is_enabled() -> bool:
    """Return whether spans are being recorded."""
    return _state.tracer is not None


def enable_tracing(provider: TracerProvider) -> None:
    """Record spans through `provider` from now on; tests pass one with an in-memory exporter."""
    _state.provider = provider
    _state.tracer = provider.get_tracer(TRACER_NAME)


def disable_tracing() -> None:
    """Stop recording spans and flush the provider's exporters."""
    provider = _state.provider
    _state.tracer = None
    _state.provider = None
    if provider is not None:
        provider.shutdown()


def configure_tracing(mode: TracingMode) -> None:
    """Turn tracing on with the exporter named by `ASSISTANT_TRACING`, or leave it off.

    `otlp` sends to OTEL_EXPORTER_OTLP_ENDPOINT (and the other standard OTEL_EXPORTER_OTLP_*
    variables) with the HTTP exporter when it is installed, else the gRPC one.

    Raises:
        ConfigurationError: `otlp` is asked for but no OTLP exporter package is installed.
    """
    if not mode or is_enabled():
        return
    # The SDK takes about 80 ms to import, so only a process that traces pays for it.
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
    )

    provider = TracerProvider()
    if mode == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    else:
        provider.add_span_processor(BatchSpanProcessor(_otlp_exporter()))
    enable_tracing(provider)
    logger.info("tracing on, exporter=%s", mode)


def _otlp_exporter() -> SpanExporter:
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        pass
    else:
        http_exporter: SpanExporter = OTLPSpanExporter()
        return http_exporter
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcOTLPSpanExporter,
        )
    except ImportError as exc:
        raise ConfigurationError(
            "ASSISTANT_TRACING=otlp needs an OTLP exporter; install one with "
            "`pip install opentelemetry-exporter-otlp-proto-http`, or set ASSISTANT_TRACING "
            "to console or to an empty value"
        ) from exc
    exporter: SpanExporter = GrpcOTLPSpanExporter()
    return exporter


@contextmanager
def span(name: str, attributes: Attributes | None = None) -> Iterator[Span | None]:
    """Run the block inside a span that is a child of the current one.

    Yields the span, or None while tracing is off. An exception leaving the block is recorded
    on the span, which is then marked as an error, and re-raised.
    """
    tracer = _state.tracer
    if tracer is None:
        yield None
        return
    with tracer.start_as_current_span(name, attributes=attributes) as current:
        yield current


def set_attributes(current: Span | None, attributes: Attributes) -> None:
    """Add attributes to a span from `span()`; does nothing while tracing is off."""
    if current is not None:
        current.set_attributes(attributes)


def mark_error(current: Span | None, description: str) -> None:
    """Mark a span as failed without an exception, e.g. for an HTTP 5xx response."""
    if current is not None:
        current.set_status(Status(StatusCode.ERROR, description))


def trace_node(node: Callable[P, R]) -> Callable[P, R]:
    """Wrap a graph node so that each run is a span named `graph.node <name>`."""
    name = f"graph.node {node.__name__}"
    attributes = {ASSISTANT_GRAPH_NODE: node.__name__}

    @functools.wraps(node)
    def traced(*args: P.args, **kwargs: P.kwargs) -> R:
        if _state.tracer is None:
            return node(*args, **kwargs)
        with _state.tracer.start_as_current_span(name, attributes=attributes):
            return node(*args, **kwargs)

    return traced
