"""Token counting with tiktoken, offline.

tiktoken downloads its encoding files on first use. litellm ships the cl100k_base and o200k_base
files inside its package, so TIKTOKEN_CACHE_DIR is pointed there before the first encoding loads,
without importing litellm itself (that import takes seconds).
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

import tiktoken

from assistant.errors import ConfigurationError

ENCODING_NAME = "cl100k_base"
_LITELLM_TOKENIZERS_SUBDIR = Path("litellm_core_utils") / "tokenizers"


def _litellm_tokenizer_dir() -> Path | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / _LITELLM_TOKENIZERS_SUBDIR
        if candidate.is_dir():
            return candidate
    return None


@lru_cache(maxsize=1)
def get_encoding() -> tiktoken.Encoding:
    """Return the cl100k_base encoding, loaded from the files that ship with litellm."""
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        shipped = _litellm_tokenizer_dir()
        if shipped is None:
            raise ConfigurationError(
                "tiktoken's encoding files were not found inside the litellm package; "
                "reinstall with `make install` or set TIKTOKEN_CACHE_DIR to a folder holding them"
            )
        os.environ["TIKTOKEN_CACHE_DIR"] = str(shipped)
    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    """Count the cl100k_base tokens of a text."""
    return len(get_encoding().encode(text, disallowed_special=()))
