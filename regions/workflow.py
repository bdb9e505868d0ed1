"""The post workflow as one pure table: (state, action, role) → next state.

Nothing else decides whether a transition is allowed; use cases ask ``next_state`` and then
check the territory. ``SYSTEM`` is the publisher acting on its own.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from functools import cache

from editorial.errors import N_
from regions.actors import DESK_ROLES
from regions.errors import Conflict, PermissionDenied
from regions.models import PostStatus, Role

S = PostStatus


class Action(enum.StrEnum):
    """What can be done to a post."""

    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    SCHEDULE = "schedule"
    PUBLISHED = "published"
    FAIL = "fail"
    RETRY = "retry"
    RETRACT = "retract"
    ARCHIVE = "archive"


SYSTEM = "system"
Who = Role | str

AUTHORS = (Role.CONTRIBUTOR, Role.REGIONAL_EDITOR, Role.CENTRAL_EDITOR, Role.ADMIN)
REGIONAL_LEAD = Role.REGIONAL_EDITOR
PUBLISHER = (SYSTEM,)


def _rows(state: S, action: Action, target: S, who: Iterable[Who]) -> dict[
        tuple[S, Action, Who], S]:
    return {(state, action, role): target for role in who}


TRANSITIONS: dict[tuple[S, Action, Who], S] = {
    **_rows(S.DRAFT, Action.EDIT, S.DRAFT, AUTHORS),
    **_rows(S.DRAFT, Action.SUBMIT, S.SUBMITTED, AUTHORS),
    **_rows(S.DRAFT, Action.WITHDRAW, S.WITHDRAWN, AUTHORS),
    **_rows(S.SUBMITTED, Action.EDIT, S.SUBMITTED, AUTHORS),
    **_rows(S.SUBMITTED, Action.APPROVE, S.APPROVED, DESK_ROLES),
    **_rows(S.SUBMITTED, Action.REQUEST_CHANGES, S.CHANGES_REQUESTED, DESK_ROLES),
    **_rows(S.SUBMITTED, Action.REJECT, S.REJECTED, DESK_ROLES),
    **_rows(S.SUBMITTED, Action.WITHDRAW, S.WITHDRAWN, AUTHORS),
    **_rows(S.CHANGES_REQUESTED, Action.EDIT, S.CHANGES_REQUESTED, AUTHORS),
    **_rows(S.CHANGES_REQUESTED, Action.SUBMIT, S.SUBMITTED, AUTHORS),
    **_rows(S.CHANGES_REQUESTED, Action.WITHDRAW, S.WITHDRAWN, AUTHORS),
    **_rows(S.APPROVED, Action.EDIT, S.SUBMITTED, AUTHORS),
    **_rows(S.APPROVED, Action.SCHEDULE, S.SCHEDULED, (*DESK_ROLES, SYSTEM)),
    **_rows(S.APPROVED, Action.WITHDRAW, S.WITHDRAWN, AUTHORS),
    **_rows(S.SCHEDULED, Action.EDIT, S.SUBMITTED, AUTHORS),
    **_rows(S.SCHEDULED, Action.WITHDRAW, S.WITHDRAWN, AUTHORS),
    **_rows(S.SCHEDULED, Action.PUBLISHED, S.PUBLISHED, PUBLISHER),
    **_rows(S.SCHEDULED, Action.FAIL, S.FAILED, PUBLISHER),
    **_rows(S.FAILED, Action.RETRY, S.SCHEDULED, (*DESK_ROLES, Role.REGIONAL_EDITOR)),
    **_rows(S.FAILED, Action.EDIT, S.SUBMITTED, AUTHORS),
    **_rows(S.FAILED, Action.WITHDRAW, S.WITHDRAWN, AUTHORS),
    **_rows(S.PUBLISHED, Action.RETRACT, S.ARCHIVED, DESK_ROLES),
    **_rows(S.REJECTED, Action.ARCHIVE, S.ARCHIVED, DESK_ROLES),
    **_rows(S.WITHDRAWN, Action.ARCHIVE, S.ARCHIVED, DESK_ROLES),
    **_rows(S.PUBLISHED, Action.ARCHIVE, S.ARCHIVED, DESK_ROLES),
}

# Decisions a regional lead may take for its own territories when the setting allows it.
LEAD_DECISIONS = frozenset({Action.APPROVE, Action.REQUEST_CHANGES})


def _target(state: S, action: Action, who: Who, lead_can_approve: bool) -> S | None:
    """The state after ``action``, or None when the table does not allow it."""
    target = TRANSITIONS.get((state, action, who))
    if target is None and who == REGIONAL_LEAD and lead_can_approve and action in LEAD_DECISIONS:
        target = TRANSITIONS.get((state, action, Role.CENTRAL_EDITOR))
    return target


def next_state(state: S, action: Action, who: Who, *, lead_can_approve: bool = False) -> S:
    """The state after ``action``; PermissionDenied or Conflict (409) when not allowed."""
    target = _target(state, action, who, lead_can_approve)
    if target is not None:
        return target
    if any(key[0] == state and key[1] == action for key in TRANSITIONS):
        raise PermissionDenied(
            f"Your role cannot {action.value.replace('_', ' ')} a {state.value} post.",
            params={"action": action.value, "state": state.value},
        )
    raise Conflict(
        f"A {state.value} post cannot be {action.value.replace('_', ' ')}.",
        params={"action": action.value, "state": state.value},
        errors={"status": [N_("Not allowed from {state}.", state=state.value)]},
    )


@cache
def _allowed(state: S, who: Who, lead_can_approve: bool) -> tuple[Action, ...]:
    return tuple(action for action in Action
                 if _target(state, action, who, lead_can_approve) is not None)


def allowed_actions(state: S, who: Who, *, lead_can_approve: bool = False) -> list[Action]:
    """What ``who`` may do to a post in ``state`` (for the UI's buttons).

    Read from the table, never by trying each action (every refusal built an exception with
    its message: a page of 50 posts spent milliseconds on them); the answer depends only on
    the arguments, so it is kept (a few dozen combinations at most).
    """
    return list(_allowed(state, who, lead_can_approve))
