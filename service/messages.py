"""Error messages looked up by stable error code: English msgids, translated by gettext.

Each code maps to its English text, marked with ``N_`` so ``./dev.sh translations`` extracts it
into ``service/translations/``; the French text lives in ``fr/LC_MESSAGES/messages.po``.
``{name}`` fields are filled from the error's ``params``. To add a message: one line below, then
``./dev.sh translations`` and translate the new entry of the French catalogue.

``localise`` renders the texts found inside an answer's ``errors`` (domain ``Text`` messages,
marshmallow's and webargs' field messages) in the request's language.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, gettext

from editorial.errors import N_, Text
from service.field_messages import field_message

# code -> English message (the msgid); one line per code.
MESSAGES: dict[str, Text] = {
    "not_found": N_("Not found."),
    "route.not_found": N_("There is no such address in the Relais API."),
    "method_not_allowed": N_("This method is not allowed here."),
    "auth.required": N_("Authentication required: send a personal token as `Authorization: Bearer …`."),
    "auth.invalid_credentials": N_("The credentials are wrong, expired or revoked."),
    "auth.too_many_attempts": N_("Too many failed logins: wait a few minutes before trying again."),
    "auth.csrf_failed": N_("The form has expired or its security token is missing: reload the page."),
    "forbidden": N_("Your role does not allow this action."),
    "conflict": N_("This conflicts with the current state: reload and try again."),
    "conflict.stale": N_("Someone changed this since you loaded it: reload and try again."),
    "invalid": N_("The request is not valid."),
    "request.invalid": N_("Some fields are missing or invalid: see `errors`."),
    "request.malformed_json": N_("The request body is not valid JSON."),
    "request.unsupported_media_type": N_("Send the request body as JSON (Content-Type: application/json)."),
    "request.too_large": N_("The request body is too large."),
    "request.too_deep": N_("The JSON body is nested too deeply."),
    "http.error": N_("The request could not be handled."),
    "server.error": N_("Internal error: it has been logged with the request id; please report it."),
    "post.publishing": N_("This post is being published right now: try again in a minute."),
    "token.lifetime_too_long": N_("API tokens may live at most {max} days (an admin setting): ask for fewer days."),
    "review.self_approval": N_("You wrote or edited this post: someone else must approve it (an admin setting)."),
    "review.no_allowed_moment": N_("This post has no publication date and cannot be published within its template's publication window (it is over): request changes, or a new publication date."),
    "review.not_web_address": N_("This post cannot be published: its link or an image’s address is not an absolute http(s) address (see `errors`, by field): request changes."),
    "user.last_admin": N_("This is the last active admin: make another user admin first."),
    "database.not_migrated": N_("The database schema is not at the newest migration: run `relais db migrate`."),
    "database.url_invalid": N_("DATABASE_URL is not a valid PostgreSQL URL."),
    "regions.error": N_("The request could not be carried out."),
    "editorial.error": N_("The editorial standard is not valid."),
    "editorial.definition_invalid": N_("The definition is not valid: see `errors`."),
    "post.validation_failed": N_("The post breaks rules of its template: the report in `errors` says where and how to fix."),
    "territory.not_member": N_("You are not a member of this territory."),
    "post.geotag_outside_territory": N_("The geotag is outside the post's territory: check the point (longitude, latitude)."),
    "geodata.error": N_("The boundary file cannot be imported."),
    "geodata.file_not_found": N_("The boundary file does not exist."),
    "geodata.file_unreadable": N_("The boundary file cannot be read (GeoJSON, GeoPackage or Shapefile expected)."),
    "geodata.invalid_json": N_("The GeoJSON file is not valid JSON."),
    "geodata.missing_field": N_("The code or name field is missing from the file."),
    "geodata.unknown_crs": N_("The file's coordinate system is unknown."),
    "geodata.empty_file": N_("The file holds no features."),
    "geodata.no_geometry": N_("The file holds no geometry: give a GeoJSON, GeoPackage or Shapefile of areas."),
    "geodata.parent_level_missing": N_("Import the parent level first."),
    "rollout.unknown_level": N_("There are no gazetteer areas of level {level} (known levels: {known}): import them first with `relais geodata import`."),
    "rollout.slugs_taken": N_("Some slugs the roll-out would give are taken by other territories: {slugs}. Rename those territories, then try again; nothing was changed."),
    "geodata.features_rejected": N_("Some features were rejected: nothing was imported; see `errors`."),
    "webhooks.target_refused": N_("This webhook address cannot be used: Relais only sends webhooks to public addresses (see the url field)."),
    "publishing.encryption_key_missing": N_("Set RELAIS_ENCRYPTION_KEY to store Page tokens in production."),
    "publishing.page_not_connected": N_("This territory has no Facebook Page connected."),
    "publishing.post_id_taken": N_("This Facebook post is already linked to another post."),
    "publishing.retract_failed": N_("Facebook refused to delete the post: see `errors`."),
    "post.may_be_on_facebook": N_("This post may already be on Facebook: retry it (Relais looks on the Page first) instead of editing it."),
    "publishing.retract_changed": N_("The post changed while it was being removed from Facebook: look at it again."),
    "publishing.token_unreadable": N_("The stored Page token cannot be decrypted (was the encryption key changed?): connect the Page again."),
    "database.unavailable": N_("The database is unreachable for now: try again shortly."),
    "template.invalid": N_("Problems in the template: {count}. See `errors`, by path."),
    "charter.invalid": N_("Problems in the charter: {count}. See `errors`, by path."),
    "template.key_taken": N_("A template with the key {key} already exists."),
    "template.archived": N_("The template {key} is archived: it can no longer be edited or published."),
    "template.already_published": N_("Version {version} is already published and never changes: edit to start the next one."),
    "template.not_published": N_("The template {key} has no published version to follow."),
    "ambassador.invitation_invalid": N_("This invitation link is unknown, already used or expired: ask for a new one."),
    "ambassador.charter_not_accepted": N_("The charter has a new version ({current}): read and accept it before sharing."),
    "kit.text_invalid": N_("The text breaks the charter: the report in `errors` says where and how to fix."),
    "kit.closed": N_("This kit has ended: it can no longer be shared."),
}

# code -> the wording a web page shows instead, where the API's text points at `errors`.
PAGE_MESSAGES: dict[str, Text] = {
    "request.invalid": N_("Some fields are missing or invalid: see the messages beside them."),
    "editorial.definition_invalid": N_("The definition is not valid: the problems are listed below."),
    "post.validation_failed": N_("The post breaks rules of its template: the report beside the form says where and how to fix them."),
    "template.invalid": N_("Problems in the template: {count}. They are listed below."),
    "charter.invalid": N_("Problems in the charter: {count}. They are listed below."),
    "kit.text_invalid": N_("The text breaks the charter: the marked words show where; rewrite them, then share."),
}


def _translate(template: str, params: dict[str, Any]) -> str:
    translated: str = gettext(template)
    try:
        return translated.format(**params) if params else translated
    except (KeyError, IndexError, ValueError):
        return translated


def message_for(code: str, language: str, params: dict[str, Any] | None = None, *,
                page: bool = False) -> str | None:
    """The message for ``code`` in ``language``, or None when the catalogue has none.

    ``page``: the wording for a web page, which has no ``errors`` member to point at.
    """
    entry = (PAGE_MESSAGES.get(code) if page else None) or MESSAGES.get(code)
    if entry is None:
        return None
    with force_locale(language):
        return _translate(entry.template, params or {})


def localise(value: Any, language: str | None = None) -> Any:
    """``value`` (an ``errors`` dict, list or text) with every known message in ``language``.

    Without ``language``, the request's (Flask-Babel's locale): web pages use it to show a
    domain error's field messages beside their fields.

    Domain messages are ``Text`` (template and parameters); marshmallow's and webargs' are
    plain English strings, recognised by their templates (``service.field_messages``). Any
    other string (a value echoed back, a path) is left as it is.
    """
    if language is None:
        return _localised(value)
    with force_locale(language):
        return _localised(value)


def _localised(value: Any) -> Any:
    if isinstance(value, Text):
        return _translate(value.template, value.params)
    if isinstance(value, str):
        return field_message(value)
    if isinstance(value, dict):
        return {key: _localised(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_localised(item) for item in value]
    return value
