"""A large synthetic KB made of varied copies of the real manuals, for search at scale.

Copy 0 is the manuals unchanged. Every later copy renames each file (`README.md` becomes
`README-c3.md` under `copy-03/`), appends the copy index to each heading and shuffles the
sentences inside each prose line, so no two copies produce the same chunk text or vectors.
Front matter, code blocks and table rows are copied as they are, so chunking sees the same
structure in every copy.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

_SENTENCE_END_RE = re.compile(r"(?<=[.!?。！？])\s*")
_LIST_MARKER_RE = re.compile(r"^(\s*(?:[-*+]|\d+[.)])?\s*)(.*)$")
_FENCES = ("```", "~~~")


ManualFile = tuple[str, Path, Path]
"""(manual name, manual folder, file path)."""


def manual_files(sources: dict[str, Path]) -> list[ManualFile]:
    """Return every `.md` file of the manuals, in a stable order."""
    return [
        (name, folder, path)
        for name, folder in sources.items()
        for path in sorted(folder.rglob("*.md"))
    ]


def write_copy(files: list[ManualFile], destination: Path, index: int) -> None:
    """Write copy `index` of the given files under `destination/copy-NN/`."""
    for name, folder, path in files:
        relative = path.relative_to(folder)
        target = destination / f"copy-{index:02d}" / name / _renamed(relative, index)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8", errors="replace")
        rng = random.Random(f"{index}:{name}/{relative.as_posix()}")
        target.write_text(perturb(text, index, rng), encoding="utf-8")


def _renamed(relative: Path, index: int) -> Path:
    if index == 0:
        return relative
    return relative.with_name(f"{relative.stem}-c{index}{relative.suffix}")


def perturb(text: str, index: int, rng: random.Random) -> str:
    """Return the text of copy `index`: headings tagged with the index, prose lines shuffled."""
    if index == 0:
        return text
    lines = text.splitlines()
    in_front_matter = bool(lines) and lines[0].strip() == "---"
    in_code = False
    output = []
    for number, line in enumerate(lines):
        stripped = line.strip()
        if in_front_matter:
            in_front_matter = number == 0 or stripped not in ("---", "...")
            output.append(line)
        elif stripped.startswith(_FENCES):
            in_code = not in_code
            output.append(line)
        elif in_code or not stripped or stripped.startswith("|"):
            output.append(line)
        elif stripped.startswith("#"):
            output.append(f"{line} (copy {index})")
        else:
            output.append(_shuffle_sentences(line, rng))
    return "\n".join(output) + "\n"


def _shuffle_sentences(line: str, rng: random.Random) -> str:
    match = _LIST_MARKER_RE.match(line)
    marker, body = (match.group(1), match.group(2)) if match else ("", line)
    sentences = [s for s in _SENTENCE_END_RE.split(body) if s]
    rng.shuffle(sentences)
    return marker + " ".join(sentences)
