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
        "Authentification requise : envoyez un jeton personnel en `Authorization: Bearer …`.",
    ),
    "auth.invalid_credentials": (
        "The credentials are wrong, expired or revoked.",
        "Les identifiants sont faux, expirés ou révoqués.",
    ),
    "auth.too_many_attempts": (
        "Too many failed logins: wait a few minutes before trying again.",
        "Trop d’échecs de connexion : patientez quelques minutes avant de réessayer.",
    ),
    "auth.csrf_failed": (
        "The form has expired or its security token is missing: reload the page.",
        "Le formulaire a expiré ou son jeton de sécurité manque : rechargez la page.",
    ),
    "forbidden": (
        "Your role does not allow this action.",
        "Votre rôle ne permet pas cette action.",
    ),
    "conflict": (
        "This conflicts with the current state: reload and try again.",
        "Conflit avec l’état actuel : rechargez et réessayez.",
    ),
    "conflict.stale": (
        "Someone changed this since you loaded it: reload and try again.",
        "Quelqu’un l’a modifié depuis son chargement : rechargez et réessayez.",
    ),
    "invalid": (
        "The request is not valid.",
        "La requête n’est pas valide.",
    ),
    "request.invalid": (
        "Some fields are missing or invalid: see `errors`.",
        "Des champs manquent ou sont invalides : voir `errors`.",
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
        "Erreur interne : elle est consignée avec l’identifiant de requête ; merci de la signaler.",
    ),
    "post.publishing": (
        "This post is being published right now: try again in a minute.",
        "Ce post est en cours de publication : réessayez dans une minute.",
    ),
    "user.last_admin": (
        "This is the last active admin: make another user admin first.",
        "C’est le dernier administrateur actif : nommez d’abord un autre administrateur.",
    ),
    "database.not_migrated": (
        "The database schema is not at the newest migration: run `relais db migrate`.",
        "Le schéma de la base n’est pas à jour : lancez `relais db migrate`.",
    ),
    "database.url_invalid": (
        "DATABASE_URL is not a valid PostgreSQL URL.",
        "DATABASE_URL n’est pas une URL PostgreSQL valide.",
    ),
    "regions.error": ("The request could not be carried out.", "La demande n’a pas pu aboutir."),
    "editorial.error": ("The editorial standard is not valid.",
                        "Le standard éditorial n’est pas valide."),
    "editorial.definition_invalid": ("The definition is not valid: see `errors`.",
                                     "La définition n’est pas valide : voir `errors`."),
    "post.validation_failed": (
        "The post breaks rules of its template: the report in `errors` says where and how to fix.",
        "Le post enfreint des règles de son modèle : le rapport dans `errors` dit où et comment "
        "corriger.",
    ),
    "territory.not_member": (
        "You are not a member of this territory.",
        "Vous n’êtes pas membre de ce territoire.",
    ),
    "post.geotag_outside_territory": (
        "The geotag is outside the post's territory: check the point (longitude, latitude).",
        "La géolocalisation est hors du territoire du post : vérifiez le point "
        "(longitude, latitude).",
    ),
    "geodata.error": ("The boundary file cannot be imported.",
                      "Le fichier de contours ne peut pas être importé."),
    "geodata.file_not_found": ("The boundary file does not exist.",
                               "Le fichier de contours n’existe pas."),
    "geodata.file_unreadable": ("The boundary file cannot be read (GeoJSON, GeoPackage or "
                                "Shapefile expected).",
                                "Le fichier de contours est illisible (GeoJSON, GeoPackage ou "
                                "Shapefile attendu)."),
    "geodata.invalid_json": ("The GeoJSON file is not valid JSON.",
                             "Le fichier GeoJSON n’est pas du JSON valide."),
    "geodata.missing_field": ("The code or name field is missing from the file.",
                              "Le champ de code ou de nom manque dans le fichier."),
    "geodata.unknown_crs": ("The file's coordinate system is unknown.",
                            "Le système de coordonnées du fichier est inconnu."),
    "geodata.empty_file": ("The file holds no features.", "Le fichier ne contient aucun objet."),
    "geodata.parent_level_missing": ("Import the parent level first.",
                                     "Importez d’abord le niveau parent."),
    "geodata.features_rejected": ("Some features were rejected: nothing was imported; see "
                                  "`errors`.",
                                  "Des objets ont été refusés : rien n’a été importé ; voir "
                                  "`errors`."),
    "publishing.encryption_key_missing": (
        "Set RELAIS_ENCRYPTION_KEY to store Page tokens in production.",
        "Définissez RELAIS_ENCRYPTION_KEY pour enregistrer les jetons de Page en production.",
    ),
    "publishing.page_not_connected": ("This territory has no Facebook Page connected.",
                                      "Ce territoire n’a pas de Page Facebook connectée."),
    "publishing.post_id_taken": ("This Facebook post is already linked to another post.",
                                 "Ce post Facebook est déjà lié à un autre post."),
    "publishing.retract_failed": ("Facebook refused to delete the post: see `errors`.",
                                  "Facebook a refusé de supprimer le post : voir `errors`."),
    "publishing.token_unreadable": (
        "The stored Page token cannot be decrypted (was the encryption key changed?): "
        "connect the Page again.",
        "Le jeton de Page enregistré ne peut pas être déchiffré (la clé a-t-elle changé ?) : "
        "reconnectez la Page.",
    ),
    "database.unavailable": (
        "The database is unreachable for now: try again shortly.",
        "La base de données est injoignable pour l’instant : réessayez bientôt.",
    ),
    "template.invalid": (
        "The template has {count} problem(s): see `errors`, by path.",
        "Le modèle comporte {count} problème(s) : voir `errors`, par chemin.",
    ),
    "charter.invalid": (
        "The charter has {count} problem(s): see `errors`, by path.",
        "La charte comporte {count} problème(s) : voir `errors`, par chemin.",
    ),
    "template.key_taken": (
        "A template with the key {key} already exists.",
        "Un modèle avec la clé {key} existe déjà.",
    ),
    "template.archived": (
        "The template {key} is archived: it can no longer be edited or published.",
        "Le modèle {key} est archivé : il ne peut plus être modifié ni publié.",
    ),
    "template.already_published": (
        "Version {version} is already published and never changes: edit to start the next one.",
        "La version {version} est publiée et ne change plus : modifiez pour créer la suivante.",
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
