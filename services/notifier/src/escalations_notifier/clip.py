"""Clipping text to a channel's limit without breaking a character (docs/integrations.md).

Pure. Limits are counted in one of two units: UTF-16 code units, which is what Slack and
JavaScript clients count as characters and never fewer than code points (so a text that
fits here fits a code-point count too), or bytes of the UTF-8 request body (Teams,
PagerDuty). A cut never splits a code point, a surrogate pair, or the grapheme clusters
that matter in practice (Unicode UAX #29): a letter and its combining marks, emoji joined
with ZWJ, variation selectors and skin-tone modifiers, flag pairs, and Hangul jamo.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import TypeVar

import orjson

T = TypeVar("T")
Measure = Callable[[str], int]
Render = Callable[[str], str]
ELLIPSIS = "\u2026"
ZWJ = "\u200d"


class TooLarge(ValueError):
    """A message is over its limit even with every piece of free text left out."""


def utf16_units(text: str) -> int:
    """Return the length in UTF-16 code units (a character outside the BMP counts two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf8_bytes(text: str) -> int:
    """Return the length in UTF-8 bytes."""
    return len(text.encode("utf-8", "surrogatepass"))


def json_bytes(text: str) -> int:
    """Return the bytes the text takes inside a JSON string as sent (UTF-8, escapes counted)."""
    return len(orjson.dumps(text)) - 2


def _extends(char: str) -> bool:
    # Characters that belong to the cluster before them: never cut in front of one.
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char == ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF  # variation selectors supplement
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
        or 0x1160 <= code <= 0x11FF  # Hangul vowel and final jamo
    )


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def boundary(text: str, index: int) -> int:
    """Return the largest grapheme boundary at or before ``index``."""
    index = max(0, min(index, len(text)))
    while 0 < index < len(text):
        if _extends(text[index]) or text[index - 1] == ZWJ:
            index -= 1
            continue
        if _regional(text[index]) and _regional(text[index - 1]):
            run = 0
            while index - run - 1 >= 0 and _regional(text[index - run - 1]):
                run += 1
            if run % 2:  # an odd run before us: this indicator pairs with the one before
                index -= 1
                continue
        break
    return index


def _same(text: str) -> str:
    return text


def _largest(
    size: Callable[[int], int], high: int, size_high: int, target: int, step: int = 1
) -> int:
    """Return the largest ``n < high`` (to ``step``) with ``size(n) <= target``.

    ``size`` never decreases and grows about linearly, so guesses interpolate; every other
    step bisects, which keeps the worst case logarithmic. ``size(0) <= target < size_high``.
    """
    low, size_low, bisect = 0, size(0), False
    while high - low > step:
        if bisect or size_high <= size_low:
            guess = (low + high) // 2
        else:
            guess = low + (target - size_low) * (high - low) // (size_high - size_low)
        guess, bisect = min(max(guess, low + 1), high - 1), not bisect
        value = size(guess)
        if value <= target:
            low, size_low = guess, value
        else:
            high, size_high = guess, value
    return low


def clip(
    text: str,
    limit: int,
    *,
    marker: str | Callable[[], str] = ELLIPSIS,
    measure: Measure = utf16_units,
    render: Render = _same,
) -> str:
    """Return ``render(text)`` if it fits ``limit``, else a rendered prefix plus ``marker``.

    ``render`` escapes for the target format; the limit applies to the rendered text, so a
    cut never falls inside an escape sequence. ``marker`` is already in the target format
    (a function is called only when the text is clipped).
    """
    whole = render(text)
    size_whole = measure(whole)
    if size_whole <= limit:
        return whole
    marker = marker() if callable(marker) else marker
    for tail in (marker, ELLIPSIS, ""):
        room = limit - measure(tail)
        if room >= 0:
            break

    def prefix(length: int) -> str:
        return render(text[: boundary(text, length)].rstrip())

    return prefix(_largest(lambda n: measure(prefix(n)), len(text), size_whole, room)) + tail


def take(
    items: Sequence[T],
    limit: int,
    more: Callable[[int], str],
    measure: Measure,
    show: Callable[[T], str],
) -> list[str]:
    """Return the leading items, shown, that fit ``limit`` together, then ``more(left out)``.

    Items are shown one by one and only until the limit is reached.
    """
    kept: list[str] = []
    used = 0
    for position, item in enumerate(items):
        line = show(item)
        rest = len(items) - position - 1
        if used + measure(line) + (measure(more(rest)) if rest else 0) > limit:
            return [*kept, more(len(items) - position)]
        kept.append(line)
        used += measure(line)
    return kept


def fit(build: Callable[[int], bytes], limit: int, room: int) -> bytes:
    """Return ``build(r)`` for about the largest ``r <= room`` whose bytes fit ``limit``.

    ``room`` is the budget for a message's free text, and a larger budget never makes a
    smaller message. Raises ``TooLarge`` when even ``build(0)`` is over the limit.
    """
    wire = build(room)
    if len(wire) <= limit:
        return wire
    built: dict[int, bytes] = {room: wire, 0: build(0)}
    if len(built[0]) > limit:
        raise TooLarge(f"{len(built[0])} bytes without any free text, over the {limit} byte limit")

    def size(budget: int) -> int:
        if budget not in built:
            built[budget] = build(budget)
        return len(built[budget])

    # To 256 bytes: the last few bytes of room are not worth another rendering.
    return built[_largest(size, room, len(wire), limit, step=256)]
