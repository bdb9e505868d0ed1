"""Error messages in French and English, looked up by stable error code."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("fr", "en")

# code -> (English, French). Placeholders are filled from the error's params when present.
MESSAGES: dict[str, tuple[str, str]] = {
    "not_found": (
        "Not found.",
        "Introuvable.",
    ),
    "route.not_found": (
        "There is no such address in the Relais API.",
        "Cette adresse n’existe pas dans l’API Relais.",
    ),
    "method_not_allowed": (
        "This method is not allowed here.",
        "Cette méthode n’est pas permise ici.",
    ),
    "auth.required": (
        "Authentication required: send a personal token as `Authorization: Bearer …`.",
        "Authentification requise : envoyez un jeton personnel en `Authorization: Bearer …`.",
    ),
    "auth.invalid_credentials": (
        "The credentials are wrong, expired or revoked.",
        "Les identifiants sont faux, expirés ou révoqués.",
    ),
    "auth.too_many_attempts": (
        "Too many failed logins: wait a few minutes before trying again.",
        "Trop d’échecs de connexion : patientez quelques minutes avant de réessayer.",
    ),
    "auth.csrf_failed": (
        "The form has expired or its security token is missing: reload the page.",
        "Le formulaire a expiré ou son jeton de sécurité manque : rechargez la page.",
    ),
    "forbidden": (
        "Your role does not allow this action.",
        "Votre rôle ne permet pas cette action.",
    ),
    "conflict": (
        "This conflicts with the current state: reload and try again.",
        "Conflit avec l’état actuel : rechargez et réessayez.",
    ),
    "conflict.stale": (
        "Someone changed this since you loaded it: reload and try again.",
        "Quelqu’un l’a modifié depuis son chargement : rechargez et réessayez.",
    ),
    "invalid": (
        "The request is not valid.",
        "La requête n’est pas valide.",
    ),
    "request.invalid": (
        "Some fields are missing or invalid: see `errors`.",
        "Des champs manquent ou sont invalides : voir `errors`.",
    ),
    "request.malformed_json": (
        "The request body is not valid JSON.",
        "Le corps de la requête n’est pas du JSON valide.",
    ),
    "request.unsupported_media_type": (
        "Send the request body as JSON (Content-Type: application/json).",
        "Envoyez le corps de la requête en JSON (Content-Type: application/json).",
    ),
    "request.too_large": (
        "The request body is too large.",
        "Le corps de la requête est trop volumineux.",
    ),
    "http.error": (
        "The request could not be handled.",
        "La requête n’a pas pu être traitée.",
    ),
    "server.error": (
        "Internal error: it has been logged with the request id; please report it.",
        "Erreur interne : elle est consignée avec l’identifiant de requête ; merci de la signaler.",
    ),
    "database.unavailable": (
        "The database is unreachable for now: try again shortly.",
        "La base de données est injoignable pour l’instant : réessayez bientôt.",
    ),
    "template.invalid": (
        "The template has {count} problem(s): see `errors`, by path.",
        "Le modèle comporte {count} problème(s) : voir `errors`, par chemin.",
    ),
    "charter.invalid": (
        "The charter has {count} problem(s): see `errors`, by path.",
        "La charte comporte {count} problème(s) : voir `errors`, par chemin.",
    ),
    "template.key_taken": (
        "A template with the key {key} already exists.",
        "Un modèle avec la clé {key} existe déjà.",
    ),
    "template.archived": (
        "The template {key} is archived: it can no longer be edited or published.",
        "Le modèle {key} est archivé : il ne peut plus être modifié ni publié.",
    ),
    "template.already_published": (
        "Version {version} is already published and never changes: edit to start the next one.",
        "La version {version} est publiée et ne change plus : modifiez pour créer la suivante.",
    ),
    "template.not_published": (
        "The template {key} has no published version to follow.",
        "Le modèle {key} n’a pas de version publiée à suivre.",
    ),
}


def pick_language(accept_language: Any, default: str) -> str:
    """The best of fr/en for a werkzeug ``accept_languages`` header value."""
    best = accept_language.best_match(LANGUAGES) if accept_language else None
    return best or default


def message_for(code: str, language: str, params: dict[str, Any] | None = None) -> str | None:
    """The localised message for ``code``, or None when the catalogue has none."""
    entry = MESSAGES.get(code)
    if entry is None:
        return None
    text = entry[0] if language == "en" else entry[1]
    try:
        return text.format(**(params or {}))
    except (KeyError, IndexError, ValueError):
        return text
