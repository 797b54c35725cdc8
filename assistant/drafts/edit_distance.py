"""Character-level Levenshtein distance between a draft and the text an agent sent."""

from __future__ import annotations


def levenshtein(source: str, target: str) -> int:
    """Return the minimum number of one-character insertions, deletions and substitutions.

    Characters are Unicode code points, so a Chinese character counts as one. The shared
    prefix and suffix are cut first. Then Hyyrö's bit-parallel form of Myers' algorithm runs
    (Hyyrö 2001, "Explaining and extending the bit-parallel approximate string matching
    algorithm of Myers"). It takes O(len(longer)) operations on integers with one bit per
    character of the shorter text, instead of the O(len(source) * len(target)) cells of the
    plain dynamic-programming table.
    """
    prefix = 0
    limit = min(len(source), len(target))
    while prefix < limit and source[prefix] == target[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and source[-1 - suffix] == target[-1 - suffix]:
        suffix += 1
    source = source[prefix : len(source) - suffix]
    target = target[prefix : len(target) - suffix]

    pattern, text = (source, target) if len(source) <= len(target) else (target, source)
    if not pattern:
        return len(text)

    # Bit i of `matches[c]` is set when pattern[i] == c.
    matches: dict[str, int] = {}
    for position, character in enumerate(pattern):
        matches[character] = matches.get(character, 0) | (1 << position)

    mask = (1 << len(pattern)) - 1
    last_bit = 1 << (len(pattern) - 1)
    # Vertical deltas of the current DP column: +1 (`plus`) or -1 (`minus`) per pattern row.
    plus, minus = mask, 0
    distance = len(pattern)
    for character in text:
        equal = matches.get(character, 0)
        diagonal = (((equal & plus) + plus) ^ plus) | equal | minus
        horizontal_plus = minus | (~(diagonal | plus) & mask)
        horizontal_minus = plus & diagonal
        if horizontal_plus & last_bit:
            distance += 1
        elif horizontal_minus & last_bit:
            distance -= 1
        horizontal_plus = ((horizontal_plus << 1) | 1) & mask
        horizontal_minus = (horizontal_minus << 1) & mask
        plus = horizontal_minus | (~(diagonal | horizontal_plus) & mask)
        minus = horizontal_plus & diagonal
    return distance
