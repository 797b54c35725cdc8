"""Prompt templates, one Jinja file per prompt: `assistant/prompts/<name>.md.j2`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

PROMPTS_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROMPTS_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_prompt(name: str, **variables: Any) -> str:
    """Render the prompt `name` with `variables`; a missing variable raises an error.

    Raises:
        jinja2.TemplateNotFound: when no `<name>.md.j2` file exists.
        jinja2.UndefinedError: when the template uses a variable that was not passed.
    """
    return _environment().get_template(f"{name}.md.j2").render(**variables)
