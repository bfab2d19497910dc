"""Clipping: limits in UTF-16 units or UTF-8 bytes, never splitting a character or cluster."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalations_notifier.clip import (
    ELLIPSIS,
    TooLarge,
    boundary,
    clip,
    fit,
    json_bytes,
    take,
    utf8_bytes,
    utf16_units,
)
from escalations_notifier.markup import slack

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme, five code points
FLAGS = "\U0001f1ee\U0001f1ea\U0001f1e9\U0001f1ea"  # Ireland, Germany
THUMB = "\U0001f44d\U0001f3fd"  # thumbs up, medium skin tone
E_ACUTE = "e\u0301"  # e + combining acute accent
HANGUL = "\u1100\u1161\u11a8"  # one syllable from three jamo


def test_units_count_astral_characters_twice_and_bytes_in_utf8() -> None:
    """An emoji is 2 UTF-16 units and 4 bytes; Cyrillic 1 unit and 2 bytes; CJK 3 bytes."""
    assert (2, 4) == (utf16_units("\U0001f600"), utf8_bytes("\U0001f600"))
    assert (1, 2, 3) == (utf16_units("ж"), utf8_bytes("ж"), utf8_bytes("中"))
    assert (4, 2) == (json_bytes('a"b'), json_bytes("ж"))


@pytest.mark.parametrize(
    ("text", "cut", "expected"),
    [
        (FAMILY + "x", 3, 0),
        ("a" + FAMILY, 4, 1),
        (FLAGS, 3, 2),
        (FLAGS, 1, 0),
        ("a" + THUMB, 2, 1),
        ("ab" + E_ACUTE, 3, 2),
        ("a" + HANGUL, 3, 1),
        ("abc", 2, 2),
    ],
)
def test_boundary_never_splits_a_grapheme(text: str, cut: int, expected: int) -> None:
    """Cuts move back before ZWJ sequences, flag pairs, modifiers, combining marks, jamo."""
    assert expected == boundary(text, cut)


def test_text_at_the_limit_is_unchanged_and_one_more_is_clipped() -> None:
    """Exactly at the limit nothing changes; one character over, the marker marks the cut."""
    assert "ж" * 10 == clip("ж" * 10, 20, measure=utf8_bytes)
    clipped = clip("ж" * 11, 20, measure=utf8_bytes)
    assert ("ж" * 8 + ELLIPSIS, 19) == (clipped, utf8_bytes(clipped))


@pytest.mark.parametrize(
    ("char", "measure", "limit"),
    [
        ("ж", utf8_bytes, 101),  # 2 bytes: an odd limit would fall inside a character
        ("中", utf8_bytes, 100),  # 3 bytes
        ("\U0001f600", utf8_bytes, 102),  # 4 bytes
        ("\U0001f600", utf16_units, 101),  # a surrogate pair in UTF-16
        (FAMILY, utf16_units, 150),  # 8 units per grapheme
    ],
)
def test_multibyte_text_is_cut_between_characters(char: str, measure: object, limit: int) -> None:
    """The result fits, is valid UTF-8, and holds only whole characters and the marker."""
    clipped = clip(char * 200, limit, measure=measure)  # type: ignore[arg-type]
    kept = clipped.removesuffix(ELLIPSIS)
    assert (True, "", True) == (
        measure(clipped) <= limit,  # type: ignore[operator]
        kept.replace(char, ""),
        clipped.encode("utf-8").decode("utf-8") == clipped,
    )


def test_a_cut_never_falls_inside_an_escape_sequence() -> None:
    """The limit applies to the escaped text, and the text is cut before escaping."""
    clipped = clip("&" * 100, 22, render=slack)
    assert ("&amp;" * 4 + ELLIPSIS, 21) == (clipped, utf16_units(clipped))


def test_the_marker_is_kept_whole_or_replaced_by_an_ellipsis() -> None:
    """A marker that does not fit gives way to a bare ellipsis, never a broken marker."""
    assert "abc" + " (see x)" == clip("abcdefghijkl", 11, marker=" (see x)")
    assert "abcd" + ELLIPSIS == clip("abcdefghijkl", 5, marker=" (a marker too long)")


@given(st.text(), st.integers(min_value=0, max_value=60))
def test_clipped_text_always_fits_and_is_a_prefix(text: str, limit: int) -> None:
    """Whatever the text and limit, the result fits and starts the original text."""
    for measure in (utf16_units, utf8_bytes, json_bytes):
        result = clip(text, limit, measure=measure)
        assert measure(result) <= limit or result == ""
        assert text.startswith(result.removesuffix(ELLIPSIS).rstrip())


def test_take_keeps_whole_items_and_counts_the_rest() -> None:
    """Items that fit are kept whole; the rest are counted in one closing line."""
    items = ["aaaa", "bbbb", "cccc", "dddd"]
    more = lambda n: f"+{n}"  # noqa: E731 - a one-line table entry
    assert ["aaaa", "bbbb", "+2"] == take(items, 11, more, len, str)
    assert ["AAAA", "BBBB", "CCCC", "DDDD"] == take(items, 16, more, len, str.upper)
    assert ["+4"] == take(items, 3, more, len, str)


def test_fit_finds_the_largest_room_that_fits() -> None:
    """A message over its limit is built again with the most room that keeps it inside."""
    text = "x" * 10_000
    wire = fit(lambda room: text[:room].encode() + b"-frame", 5_006, 8_000)
    assert (True, True) == (len(wire) <= 5_006, len(wire) > 5_006 - 64)


def test_fit_refuses_a_message_too_large_even_without_free_text() -> None:
    """When the fixed part alone is over the limit, the error says so with the sizes."""
    with pytest.raises(TooLarge, match="100 bytes without any free text, over the 50 byte"):
        fit(lambda room: b"y" * 100, 50, 1_000)
