"""Self-validation of a template's own fields: identity, timezone, body and slots."""

from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo

from editorial.body import SLOT_NAME, Piece, parse_body
from editorial.errors import N_, Problem
from editorial.model import NETWORK_MAX_LENGTH, Slot, SlotType, Template


def load_zone(name: object) -> tzinfo | None:
    """The timezone called ``name``, or None when there is no such zone."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except Exception:  # zoneinfo raises several kinds (KeyError, ValueError, OSError…)
        return None


def _identity_problems(template: Template) -> list[Problem]:
    problems = []
    if not isinstance(template.id, str) or not template.id.strip():
        problems.append(Problem("id", "template.bad_id", N_("the id must be a non-empty string")))
    if not isinstance(template.name, str) or not template.name.strip():
        problems.append(Problem("name", "template.bad_name", N_("the name must not be empty")))
    if template.network not in NETWORK_MAX_LENGTH:
        networks = ", ".join(NETWORK_MAX_LENGTH)
        problems.append(Problem("network", "template.bad_network",
                        N_("one of {choices}", choices=networks)))
    if not isinstance(template.language, str) or not 2 <= len(template.language) <= 8:
        problems.append(Problem("language", "template.bad_language", N_("a code such as 'fr'")))
    if isinstance(template.version, bool) or not isinstance(template.version, int) or (
        template.version < 1
    ):
        problems.append(Problem("version", "template.bad_version", N_("versions start at 1")))
    if load_zone(template.timezone) is None:
        message = N_("{value} is not a timezone such as 'Europe/Paris'",
                     value=repr(template.timezone))
        problems.append(Problem("timezone", "template.bad_timezone", message))
    return problems


def slot_problems(slot: Slot, path: str) -> list[Problem]:
    """Problems in one slot definition (name, limits, choices)."""
    problems = []
    if not isinstance(slot.name, str) or not SLOT_NAME.fullmatch(slot.name):
        message = N_("slot names are lowercase letters, digits and _, like agency_phone")
        problems.append(Problem(f"{path}.name", "slot.bad_name", message))
    if slot.type not in tuple(SlotType):
        types = ", ".join(SlotType)
        problems.append(Problem(f"{path}.type", "slot.bad_type",
                        N_("one of {choices}", choices=types)))
    for low, high, key in (
        (slot.min_length, slot.max_length, "min_length"),
        (slot.minimum, slot.maximum, "minimum"),
    ):
        if low is not None and high is not None and low > high:
            message = N_("the minimum is above the maximum")
            problems.append(Problem(f"{path}.{key}", "param.contradictory", message))
    if slot.type == SlotType.CHOICE and not slot.choices:
        problems.append(Problem(f"{path}.choices", "slot.no_choices", N_("a choice needs choices")))
    if len(set(slot.choices)) != len(slot.choices):
        problems.append(Problem(f"{path}.choices", "slot.duplicate_choice", N_("choices repeat")))
    return problems


def _slots_and_body_problems(template: Template) -> tuple[list[Problem], tuple[Piece, ...]]:
    problems: list[Problem] = []
    names: set[str] = set()
    for number, slot in enumerate(template.slots):
        problems += slot_problems(slot, f"slots[{number}]")
        if slot.name in names:
            message = N_("slot {name} is declared twice", name=repr(slot.name))
            problems.append(Problem(f"slots[{number}].name", "slot.duplicate", message))
        names.add(slot.name)
    if not isinstance(template.body, str):
        return problems + [Problem("body", "body.not_text", N_("the body must be text"))], ()
    pieces, body_problems = parse_body(template.body)
    problems += body_problems
    used = {piece.slot for piece in pieces if piece.slot is not None}
    for name in sorted(used - names):
        message = N_("the body uses {slot} but no such slot is declared", slot="{" + name + "}")
        problems.append(Problem("body", "body.unknown_slot", message))
    for number, slot in enumerate(template.slots):
        if slot.name not in used:
            message = N_("slot {name} is declared but the body never uses it", name=repr(slot.name))
            problems.append(Problem(f"slots[{number}]", "slot.unused", message))
    return problems, pieces


def template_problems(template: Template) -> tuple[list[Problem], tuple[Piece, ...]]:
    """Every problem in the template's own fields, and its body split into pieces."""
    problems, pieces = _slots_and_body_problems(template)
    return _identity_problems(template) + problems, pieces
