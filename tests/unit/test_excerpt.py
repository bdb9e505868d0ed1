"""Excerpts on the home page and the review queue: one line, French no-break spaces kept."""

from regions.desk import excerpt


def test_an_excerpt_is_one_line_and_keeps_french_no_break_spaces():
    text = "Portes ouvertes\u00a0: venez\u202f!\n\nRendez-vous  à\tl’agence."
    assert excerpt(text) == "Portes ouvertes\u00a0: venez\u202f! Rendez-vous à l’agence."


def test_a_long_excerpt_is_cut_at_a_word():
    assert excerpt("un deux trois quatre", size=12) == "un deux…"
    assert excerpt("  court  ") == "court"
