"""The workflow table, checked against a written-out specification for every combination."""

from __future__ import annotations

import itertools

import pytest

from regions.errors import Conflict, PermissionDenied
from regions.models import PostStatus, Role
from regions.workflow import SYSTEM, Action, allowed_actions, next_state

# state action -> target: who may (A authors = contributor, regional editor, central, admin;
# D desk = central editor, admin; S system; R regional editor).
SPEC = """
draft             edit             draft             A
draft             submit           submitted         A
draft             withdraw         withdrawn         A
submitted         edit             submitted         A
submitted         approve          approved          D
submitted         request_changes  changes_requested D
submitted         reject           rejected          D
submitted         withdraw         withdrawn         A
changes_requested edit             changes_requested A
changes_requested submit           submitted         A
changes_requested withdraw         withdrawn         A
approved          edit             submitted         A
approved          schedule         scheduled         DS
approved          withdraw         withdrawn         A
scheduled         edit             submitted         A
scheduled         withdraw         withdrawn         A
scheduled         published        published         S
scheduled         fail             failed            S
failed            retry            scheduled         DR
failed            edit             submitted         A
failed            withdraw         withdrawn         A
published         retract          archived          D
published         archive          archived          D
rejected          archive          archived          D
withdrawn         archive          archived          D
"""
GROUPS = {
    "A": {Role.CONTRIBUTOR, Role.REGIONAL_EDITOR, Role.CENTRAL_EDITOR, Role.ADMIN},
    "D": {Role.CENTRAL_EDITOR, Role.ADMIN},
    "S": {SYSTEM},
    "R": {Role.REGIONAL_EDITOR},
}
EXPECTED = {}
for line in SPEC.strip().splitlines():
    state, action, target, who = line.split()
    for letter in who:
        for role in GROUPS[letter]:
            EXPECTED[(PostStatus(state), Action(action), role)] = PostStatus(target)
WHO = [*Role, SYSTEM]


@pytest.mark.parametrize(
    ("state", "action", "who"), list(itertools.product(PostStatus, Action, WHO)),
    ids=lambda v: getattr(v, "value", v),
)
def test_every_state_action_role_combination_follows_the_specification(state, action, who):
    expected = EXPECTED.get((state, action, who))
    if expected is not None:
        assert next_state(state, action, who) == expected
        return
    state_allows_action = any(k[0] == state and k[1] == action for k in EXPECTED)
    error = PermissionDenied if state_allows_action else Conflict
    with pytest.raises(error):
        next_state(state, action, who)


@pytest.mark.parametrize("action", [Action.APPROVE, Action.REQUEST_CHANGES])
def test_a_regional_lead_decides_only_when_the_setting_allows_it(action):
    with pytest.raises(PermissionDenied):
        next_state(PostStatus.SUBMITTED, action, Role.REGIONAL_EDITOR)
    assert next_state(PostStatus.SUBMITTED, action, Role.REGIONAL_EDITOR,
                      lead_can_approve=True) != PostStatus.SUBMITTED


def test_the_setting_never_lets_a_lead_reject_or_a_contributor_approve():
    with pytest.raises(PermissionDenied):
        next_state(PostStatus.SUBMITTED, Action.REJECT, Role.REGIONAL_EDITOR,
                   lead_can_approve=True)
    with pytest.raises(PermissionDenied):
        next_state(PostStatus.SUBMITTED, Action.APPROVE, Role.CONTRIBUTOR, lead_can_approve=True)


def test_viewers_can_do_nothing_anywhere():
    assert all(allowed_actions(state, Role.VIEWER) == [] for state in PostStatus)


def test_allowed_actions_match_the_table():
    assert allowed_actions(PostStatus.SUBMITTED, Role.CENTRAL_EDITOR) == [
        Action.EDIT, Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT, Action.WITHDRAW]
