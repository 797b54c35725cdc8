"""The one place that talks to LLM and embedding providers, through litellm.

litellm takes seconds to import, so it is imported on the first call, and only when a model is
configured. The embedded offline engine never reaches this module's network paths.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from functools import lru_cache
from types import ModuleType
from typing import Any, TypeVar

from opentelemetry.util.types import AttributeValue
from pydantic import BaseModel, ValidationError

from assistant import telemetry
from assistant.errors import ConfigurationError, ModelOutputError, UpstreamError
from assistant.settings import Settings
from assistant.tokens import count_tokens

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)
Message = dict[str, str]


@lru_cache(maxsize=1)
def _litellm() -> ModuleType:
    # Without this, litellm fetches its model price map over the network at import time.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.telemetry = False
    # Otherwise a failed call prints litellm's own English "Give Feedback / Get Help" banner to
    # the user's terminal; our warning log line reports the failure instead.
    litellm.suppress_debug_info = True
    return litellm


def price_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """Return litellm's price of a call to `model` in US dollars, None when it has no price.

    Self-hosted models (Ollama, vLLM) and new model names are missing from litellm's table.
    """
    litellm = _litellm()
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
    except (litellm.exceptions.NotFoundError, litellm.exceptions.ModelNotMappedError):
        return None
    return float(prompt_cost + completion_cost)


class LLMClient:
    """Chat and embedding calls to the configured litellm models.

    Args:
        settings: Supplies the model strings, base URL, key and timeout.
        extra: Keyword arguments added to every litellm call (tests pass `mock_response`).
    """

    def __init__(self, settings: Settings, *, extra: dict[str, Any] | None = None) -> None:
        if not settings.llm_model:
            raise ConfigurationError(
                "no LLM is configured; set ASSISTANT_LLM_MODEL to a litellm model string "
                "such as deepseek/deepseek-chat or ollama/qwen2.5"
            )
        self.model = settings.llm_model
        self._settings = settings
        self._extra = extra or {}

    def _call_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"timeout": self._settings.llm_timeout_seconds}
        if self._settings.llm_api_base:
            options["api_base"] = self._settings.llm_api_base
        key = self._settings.llm_api_key.get_secret_value()
        if key:
            options["api_key"] = key
        return options | self._extra

    def complete(
        self,
        messages: Sequence[Message],
        *,
        temperature: float = 0.0,
        prompt_id: str | None = None,
    ) -> str:
        """Return the model's reply text to a list of chat messages.

        Args:
            messages: Chat messages in the OpenAI format.
            temperature: Sampling temperature.
            prompt_id: Name of the prompt template, recorded on the span.

        Raises:
            UpstreamError: when the provider cannot be reached or answers with an error.
        """
        litellm = _litellm()
        attributes: dict[str, AttributeValue] = {
            telemetry.GEN_AI_OPERATION_NAME: "chat",
            telemetry.GEN_AI_SYSTEM: _provider_of(self.model),
            telemetry.GEN_AI_REQUEST_MODEL: self.model,
            telemetry.GEN_AI_REQUEST_TEMPERATURE: temperature,
        }
        if prompt_id:
            attributes[telemetry.ASSISTANT_PROMPT_ID] = prompt_id
        with telemetry.span(f"chat {self.model}", attributes) as current:
            started = time.perf_counter()
            try:
                response = litellm.completion(
                    model=self.model,
                    messages=list(messages),
                    temperature=temperature,
                    **self._call_options(),
                )
            except Exception as exc:
                raise UpstreamError(f"LLM call to {self.model!r} failed: {exc}") from exc
            content = str(response.choices[0].message.content or "")
            if current is not None:
                current.set_attributes(self._span_attributes(response, messages, content))
        logger.info(
            "llm completion model=%s seconds=%.3f output_chars=%d",
            self.model,
            time.perf_counter() - started,
            len(content),
        )
        if self._settings.log_model_data:
            logger.debug("llm completion text=%r", content)
        return content

    def _span_attributes(
        self, response: Any, messages: Sequence[Message], content: str
    ) -> dict[str, AttributeValue]:
        # litellm fills `usage` from the provider's own counts. Some local servers send none,
        # so then the tokens are counted here with cl100k_base, which is only an estimate.
        usage = getattr(response, "usage", None)
        input_tokens = getattr(usage, "prompt_tokens", None)
        output_tokens = getattr(usage, "completion_tokens", None)
        estimated = input_tokens is None or output_tokens is None
        if input_tokens is None:
            input_tokens = sum(count_tokens(message.get("content", "")) for message in messages)
        if output_tokens is None:
            output_tokens = count_tokens(content)
        attributes: dict[str, AttributeValue] = {
            telemetry.GEN_AI_USAGE_INPUT_TOKENS: int(input_tokens),
            telemetry.GEN_AI_USAGE_OUTPUT_TOKENS: int(output_tokens),
            telemetry.ASSISTANT_TOKENS_ESTIMATED: estimated,
        }
        if self._settings.log_model_data:
            attributes[telemetry.GEN_AI_PROMPT] = json.dumps(list(messages), ensure_ascii=False)
            attributes[telemetry.GEN_AI_COMPLETION] = content
        return attributes

    def complete_structured(
        self,
        messages: Sequence[Message],
        schema: type[ModelT],
        *,
        temperature: float = 0.0,
        prompt_id: str | None = None,
    ) -> ModelT:
        """Ask for JSON that matches `schema` and parse it.

        Raises:
            UpstreamError: when the provider call fails.
            ModelOutputError: when the reply is not valid JSON for `schema`.
        """
        text = self.complete(messages, temperature=temperature, prompt_id=prompt_id)
        payload = _strip_code_fence(text)
        try:
            return schema.model_validate_json(payload)
        except ValidationError as exc:
            raise ModelOutputError(
                f"model {self.model!r} returned output that does not match "
                f"{schema.__name__}: {exc.errors()[:1]}"
            ) from exc


class LiteLLMEmbedder:
    """Embedding function backed by a litellm embedding model."""

    def __init__(self, settings: Settings, *, extra: dict[str, Any] | None = None) -> None:
        if not settings.embedding_model:
            raise ConfigurationError("ASSISTANT_EMBEDDING_MODEL is empty; nothing to call")
        self.model = settings.embedding_model
        self._settings = settings
        self._extra = extra or {}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one vector per text.

        Raises:
            UpstreamError: when the provider call fails.
        """
        litellm = _litellm()
        options: dict[str, Any] = {"timeout": self._settings.llm_timeout_seconds} | self._extra
        if self._settings.llm_api_base:
            options["api_base"] = self._settings.llm_api_base
        attributes: dict[str, AttributeValue] = {
            telemetry.GEN_AI_OPERATION_NAME: "embeddings",
            telemetry.GEN_AI_SYSTEM: _provider_of(self.model),
            telemetry.GEN_AI_REQUEST_MODEL: self.model,
        }
        with telemetry.span(f"embeddings {self.model}", attributes) as current:
            try:
                response = litellm.embedding(model=self.model, input=list(texts), **options)
            except Exception as exc:
                raise UpstreamError(f"embedding call to {self.model!r} failed: {exc}") from exc
            input_tokens = getattr(getattr(response, "usage", None), "prompt_tokens", None)
            if current is not None and input_tokens is not None:
                current.set_attribute(telemetry.GEN_AI_USAGE_INPUT_TOKENS, int(input_tokens))
        return [list(item["embedding"]) for item in response.data]


def _provider_of(model: str) -> str:
    # litellm model strings name the provider before the first slash; a bare model name
    # such as `gpt-4o-mini` is sent to OpenAI.
    return model.split("/", 1)[0] if "/" in model else "openai"


def _strip_code_fence(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        stripped = stripped.rsplit("```", 1)[0]
    return stripped.strip()
