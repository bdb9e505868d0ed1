import pytest

from geodata.gazetteer import fold_for_search


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Île-de-France", "ile de france"),
        ("Saint-Étienne", "saint etienne"),
        ("  SAINT   etienne ", "saint etienne"),
        ("Villeneuve-d'Ascq", "villeneuve d ascq"),
        ("L’Haÿ-les-Roses", "l hay les roses"),
        ("Cœuvres-et-Valsery", "coeuvres et valsery"),
        ("Provence-Alpes-Côte d'Azur", "provence alpes cote d azur"),
        ("2A", "2a"),
        ("974", "974"),
        ("Saint-Denis (La Réunion)", "saint denis la reunion"),
    ],
)
def test_fold_lowercases_drops_accents_and_turns_punctuation_into_single_spaces(text, folded):
    assert fold_for_search(text) == folded


def test_fold_of_punctuation_only_is_empty():
    assert fold_for_search(" -'' ") == ""


def test_fold_is_idempotent():
    once = fold_for_search("Île-de-France")
    assert fold_for_search(once) == once
