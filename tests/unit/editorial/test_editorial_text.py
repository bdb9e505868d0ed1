from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editorial.text import count_graphemes, fold, grapheme_offset

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", 3),
        ("été", 3),
        ("e\u0301te\u0301", 3),  # decomposed accents count with their letter
        ("😀", 1),
        ("👍🏽", 1),  # skin tone
        ("🇫🇷", 1),  # flag: a pair of regional indicators
        ("🇫🇷🇩🇪", 2),
        ("🇫🇷🇩", 2),  # a lone indicator after a pair is its own character
        (FAMILY, 1),  # ZWJ sequence
        ("1\ufe0f\u20e3", 1),  # keycap
        ("❤️", 1),  # emoji with variation selector
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 1),  # Scotland
        ("a\r\nb", 3),  # CRLF is one character
        ("Élan d’été 👍🏽 à Brest 🇫🇷 !", 24),
        ("", 0),
    ],
)
def test_graphemes_count_as_people_count_them(text: str, expected: int) -> None:
    assert count_graphemes(text) == expected
    assert count_graphemes(text, fold(text)) == expected


def test_grapheme_offset_lands_after_whole_clusters() -> None:
    text = f"a{FAMILY}🇫🇷b"
    assert text[: grapheme_offset(text, 2)] == f"a{FAMILY}"
    assert text[: grapheme_offset(text, 3)] == f"a{FAMILY}🇫🇷"
    assert grapheme_offset(text, 10) == len(text)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Gratuit GRATUIT gratuît", "gratuit gratuit gratuit"),
        ("L’Été à Noël", "l'ete a noel"),
        ("Cœur\u00a0d’ŒUVRE", "cœur d'œuvre"),
        ("İstanbul", "istanbul"),
        ("Ça coûte 5\u202f€", "ca coute 5 €"),
    ],
)
def test_fold_lowercases_and_removes_accents(text: str, folded: str) -> None:
    assert fold(text).text == folded


def test_fold_of_decomposed_accents_maps_spans_back_to_the_original() -> None:
    text = "C'est grat\u0075\u0069\u0302t !"  # "gratuît" with a combining circumflex
    folded = fold(text)
    start = folded.text.index("gratuit")
    span = folded.to_original(start, start + len("gratuit"))
    assert text[span[0] : span[1]] == "grat\u0075\u0069\u0302t"


def test_fold_of_ligature_letters_maps_spans_back_to_the_original() -> None:
    text = "la ﬁn du ﬁlm"
    folded = fold(text)
    start = folded.text.index("film")
    span = folded.to_original(start, start + 4)
    assert text[span[0] : span[1]] == "ﬁlm"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fast_grapheme_count_agrees_with_the_full_count(text: str) -> None:
    assert count_graphemes(text, fold(text)) == count_graphemes(text)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.data())
def test_folded_spans_map_inside_the_original_text(text: str, data: st.DataObject) -> None:
    folded = fold(text)
    start = data.draw(st.integers(0, len(folded.text)))
    end = data.draw(st.integers(start, len(folded.text)))
    original = folded.to_original(start, end)
    assert 0 <= original[0] <= original[1] <= len(text)


DISGUISES = "gratuit GRATUIT é\u0301 \u200b\u200d\u2060\u00ad\ufeff\ufe0f\u180e\u3164\u0336" \
    "аοіıᴍｇ𝐠😀❤👨🇫ﬁœ’\u00a0\u202f\x1a\x1f\x00\x85"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(DISGUISES) | st.characters(), max_size=40))
def test_the_fast_fold_agrees_with_the_character_by_character_fold(text: str) -> None:
    """Invisible characters removed on the fast path map back exactly like the slow path's."""
    from editorial.text import _fold_slowly

    fast, slow = fold(text), _fold_slowly(text)
    assert fast.text == slow.text
    for start in range(len(fast.text) + 1):
        for end in range(start, min(start + 8, len(fast.text)) + 1):
            assert fast.to_original(start, end) == slow.to_original(start, end)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("grаtuit", "gratuit"),  # Cyrillic а
        ("ΡRΟΜΟ", "promo"),  # Greek capitals
        ("ɢʀᴀᴛᴜɪᴛ", "gratuit"),  # small capitals
        ("gratuıt", "gratuit"),  # dotless i
        ("ＧＲＡＴＵＩＴ 𝐠𝐫𝐚𝐭𝐮𝐢𝐭", "gratuit gratuit"),
        ("gra\u200btu\u00adit\u2060", "gratuit"),
        ("g\u0336r\u0336a\u0336", "gra"),
        ("Ⅰ І Ι", "i i i"),  # capital I look-alikes read as the i they capitalise
        ("cœur, straße, Øre", "cœur, straße, øre"),  # Windows-1252 letters stay themselves
    ],
)
def test_fold_reads_look_alikes_and_drops_invisible_characters(text: str, folded: str) -> None:
    assert fold(text).text == folded


def test_styled_capitals_without_a_lowercase_fold_to_lowercase_on_both_paths():
    from editorial.text import _fold_slowly

    for styled in ("𝖠", "𝐀", "𝔄", "Ａ"):  # mathematical and full-width capitals
        assert fold(styled).text == _fold_slowly(styled).text == "a"
