"""In-process access to the product for the warm timings, with KB names as the CLI maps them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from cli_runner import benchmark_env

if TYPE_CHECKING:
    from assistant.settings import Settings
    from graphs.support.service import SupportAgent
    from retrieval.knowledge_base import KnowledgeBase


def activate_data_dir(data_dir: Path) -> Settings:
    """Point this process's settings at `data_dir` with the embedded engine and return them.

    The environment is set too, because some product code falls back to `get_settings()`.
    """
    os.environ.update(benchmark_env(data_dir))
    from assistant.settings import Settings, get_settings

    get_settings.cache_clear()
    return Settings(data_dir=data_dir, llm_model="", embedding_model="")


def open_kb(settings: Settings, kb: str) -> KnowledgeBase:
    """Open the KB that `assistant search --kb KB` would open."""
    from assistant.tenants import resolve_kb_name
    from retrieval.knowledge_base import KnowledgeBase

    return KnowledgeBase.open_existing(settings, resolve_kb_name(kb))


def open_agent(settings: Settings, kb: str) -> SupportAgent:
    """Build the agent that `assistant ask --kb KB` would build."""
    from assistant.tenants import resolve_kb_name
    from graphs.support.service import SupportAgent

    return SupportAgent(settings, resolve_kb_name(kb), channel="cli")
