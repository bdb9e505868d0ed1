"""What the demo group writes: its charter, three templates, two campaigns and fifty posts.

The group is a fictional energy utility, Énergie Commune, with regional directorates and local
agencies (the demo territories of :mod:`service.demo`). Links go to ``energie-commune.example``,
a domain that cannot exist. :mod:`service.demo_stories` plays these through the use cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NBSP = "\u00a0"
SITE = "https://www.energie-commune.example"
SIGNATURE = "Énergie Commune, l’énergie près de chez vous."

CHARTER: dict[str, Any] = {"rules": [
    {"id": "termes-interdits", "type": "terms.forbidden", "params": {"terms": [
        "gratuit*", "promo*", "meilleur prix", "sans risque", "moins cher*",
        {"term": "garanti*", "exceptions": ["garantie légale"]},
    ]}},
    {"id": "mention-groupe", "type": "disclaimer.required",
     "params": {"text": SIGNATURE.rstrip("."), "at_end": True}},
]}

_PLACE_RULES: list[dict[str, Any]] = [
    {"id": "geotag", "type": "geo.geotag_required"},
    {"id": "dans-le-territoire", "type": "geo.inside_territory"},
    {"id": "liens-du-groupe", "type": "links.allowed_domains",
     "params": {"domains": ["energie-commune.example"]}},
    {"id": "suivi-des-liens", "type": "links.tracking", "severity": "warning",
     "params": {"params": ["utm_source"]}},
    {"id": "pas-de-raccourcisseur", "type": "links.no_shorteners"},
    {"id": "typographie", "type": "typography.french", "severity": "warning"},
]

TEMPLATES: dict[str, dict[str, Any]] = {
    "annonce-evenement": {
        "name": "Annonce d’événement local", "network": "facebook", "language": "fr",
        "timezone": "Europe/Paris",
        "body": (f"{{evenement}}{NBSP}: rendez-vous le {{date}} à {{lieu}}. {{details}}\n"
                 f"Plus d’informations{NBSP}: {{lien}}\n#EnergieCommune #PrèsDeChezVous\n"
                 + SIGNATURE),
        "slots": [
            {"name": "evenement", "label": "Événement", "type": "text", "max_length": 80},
            {"name": "date", "label": "Date", "type": "date"},
            {"name": "lieu", "label": "Lieu", "type": "text", "max_length": 80},
            {"name": "details", "label": "Détails", "type": "text", "max_length": 280},
            {"name": "lien", "label": "Lien vers la page", "type": "url"},
        ],
        "rules": [
            {"id": "hashtag-groupe", "type": "hashtags.required",
             "params": {"tags": ["#EnergieCommune"]}},
            {"id": "trois-hashtags-max", "type": "hashtags.max", "severity": "warning",
             "params": {"max": 3}},
            {"id": "longueur", "type": "length", "params": {"max": 600}},
            {"id": "rayon", "type": "geo.radius", "params": {"min_km": 1, "max_km": 30}},
            {"id": "delai", "type": "time.lead", "params": {"min_minutes": 120}},
            {"id": "heures", "type": "time.hours", "severity": "warning",
             "params": {"start": "08:00", "end": "20:00"}},
            *_PLACE_RULES,
        ],
    },
    "avis-travaux": {
        "name": "Avis de travaux ou de coupure", "network": "facebook", "language": "fr",
        "timezone": "Europe/Paris",
        "body": (f"Travaux sur le réseau{NBSP}: {{nature}} à {{commune}}, {{quand}}. "
                 f"{{consignes}}\nSuivez le chantier{NBSP}: {{lien}}\n#EnergieCommune #Travaux\n"
                 + SIGNATURE),
        "slots": [
            {"name": "nature", "label": "Nature des travaux", "type": "choice", "choices": [
                "coupure d’électricité programmée", "remplacement de compteurs",
                "renforcement du réseau", "élagage près des lignes"]},
            {"name": "commune", "label": "Commune", "type": "text", "max_length": 60},
            {"name": "quand", "label": "Quand", "type": "text", "max_length": 80},
            {"name": "consignes", "label": "Consignes aux habitants", "type": "text",
             "max_length": 250},
            {"name": "lien", "label": "Lien vers la page", "type": "url"},
        ],
        "rules": [
            {"id": "hashtags-travaux", "type": "hashtags.required",
             "params": {"tags": ["#EnergieCommune", "#Travaux"]}},
            {"id": "longueur", "type": "length", "params": {"max": 500}},
            {"id": "rayon-obligatoire", "type": "geo.radius",
             "params": {"min_km": 1, "max_km": 15, "required": True}},
            {"id": "preavis-48h", "type": "time.lead", "params": {"min_minutes": 2880}},
            *_PLACE_RULES,
        ],
    },
    "forum-emploi": {
        "name": "Recrutement local et forum emploi", "network": "facebook", "language": "fr",
        "timezone": "Europe/Paris",
        "body": (f"Énergie Commune recrute à {{ville}}{NBSP}: {{postes}}. Rencontrons-nous "
                 f"{{rendez_vous}}. {{details}}\nCandidatez{NBSP}: {{lien}}\n"
                 f"#EnergieCommune #Emploi\n" + SIGNATURE),
        "slots": [
            {"name": "ville", "label": "Ville", "type": "text", "max_length": 60},
            {"name": "postes", "label": "Postes proposés", "type": "text", "max_length": 120},
            {"name": "rendez_vous", "label": "Rendez-vous", "type": "text", "max_length": 100},
            {"name": "details", "label": "Détails", "type": "text", "max_length": 250,
             "required": False},
            {"name": "lien", "label": "Lien vers la page", "type": "url"},
        ],
        "rules": [
            {"id": "hashtags-emploi", "type": "hashtags.required",
             "params": {"tags": ["#EnergieCommune", "#Emploi"]}},
            {"id": "longueur", "type": "length", "params": {"max": 550}},
            {"id": "rayon", "type": "geo.radius", "params": {"max_km": 40}},
            {"id": "delai", "type": "time.lead", "params": {"min_minutes": 10}},
            {"id": "semaine", "type": "time.hours", "severity": "warning",
             "params": {"start": "08:00", "end": "19:00", "weekdays": [1, 2, 3, 4, 5]}},
            *_PLACE_RULES,
        ],
    },
}


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign of the desk; dates are days from the seeding (negative: in the past)."""

    key: str
    title: str
    template: str
    slots: dict[str, str]
    targets: tuple[str, ...]
    window_days: float
    deadline_days: float


CAMPAIGNS = (
    CampaignSpec(
        "economies", "Semaine des économies d’énergie", "annonce-evenement",
        {"evenement": "Atelier économies d’énergie",
         "details": "Nos conseillers vous aident à lire votre facture et à réduire votre "
                    "consommation cet hiver.",
         "lien": f"{SITE}/economies?utm_source=facebook"},
        ("demo-lyon", "demo-villeurbanne", "demo-marseille", "demo-aix", "demo-lille",
         "demo-rennes"),
        window_days=9, deadline_days=6),
    CampaignSpec(
        "grand-froid", "Plan grand froid : renforcement du réseau", "avis-travaux",
        {"nature": "renforcement du réseau",
         "consignes": "Aucune coupure n’est prévue. La circulation peut être alternée près "
                      "du chantier.",
         "lien": f"{SITE}/travaux?utm_source=facebook"},
        ("demo-lyon", "demo-marseille", "demo-lille", "demo-rennes"),
        window_days=-3, deadline_days=-2),
)


@dataclass(frozen=True)
class PostSpec:
    """One demo post and the story that brings it to its state.

    ``spot`` is (km east, km north) of the territory's centre and the audience radius in km;
    ``days``/``hour`` give the wished publication (days from the seeding, local hour).
    ``review`` is the desk's comment (changes requested, rejection) and ``revised`` the
    author's new ``details`` when a request for changes was answered before approval.
    """

    territory: str
    author: str
    story: str
    source: str  # a template key, or "campaign:<key>"
    slots: dict[str, str]
    spot: tuple[float, float, float]
    days: float
    hour: int = 10
    review: str | None = None
    revised: str | None = None
    notes: tuple[tuple[str, str], ...] = field(default=())


def _event(evenement: str, date: str, lieu: str, details: str, page: str) -> dict[str, str]:
    return {"evenement": evenement, "date": date, "lieu": lieu, "details": details,
            "lien": f"{SITE}/{page}?utm_source=facebook"}


def _works(nature: str, commune: str, quand: str, consignes: str, page: str) -> dict[str, str]:
    return {"nature": nature, "commune": commune, "quand": quand, "consignes": consignes,
            "lien": f"{SITE}/travaux/{page}?utm_source=facebook"}


def _jobs(ville: str, postes: str, rendez_vous: str, details: str, page: str
          ) -> dict[str, str]:
    return {"ville": ville, "postes": postes, "rendez_vous": rendez_vous, "details": details,
            "lien": f"{SITE}/emploi/{page}?utm_source=facebook"}


# An event's date is "J+n", n days after the post's publication; a published post's event
# comes after the seeding's tenth day, when the ambassadors' kits end: never in the past.
_CHANGES = "Merci d’ajouter l’adresse exacte et l’horaire de fin, puis renvoyez-la."
POSTS = (
    # -- published: on the fake Pages of Lyon, Marseille and Lille -----------------------
    PostSpec("demo-lyon", "lyon", "published", "annonce-evenement", _event(
        "Portes ouvertes de l’agence", "J+16", "l’agence de la Part-Dieu",
        "Venez découvrir nos offres d’énergie locale et rencontrer l’équipe.", "lyon-po"),
        (1.0, 0.5, 10), -6, notes=(("desk", "Très bien, publiée telle quelle."),)),
    PostSpec("demo-lyon", "contrib-lyon", "published", "forum-emploi", _jobs(
        "Lyon", "six techniciens réseau en alternance", "au forum de l’alternance, Halle Tony "
        "Garnier", "Accueil de 9 h à 17 h, venez avec votre CV.", "lyon-alternance"),
        (0.5, -3.0, 20), -4, review="Précisez les horaires d’accueil, s’il vous plaît.",
        revised="Accueil de 9 h à 17 h, venez avec votre CV et vos questions."),
    PostSpec("demo-lyon", "lyon", "published", "avis-travaux", _works(
        "remplacement de compteurs", "Caluire-et-Cuire", "du 3 au 7 du mois", "Un technicien "
        "passe chez vous : un avis de passage est déposé deux jours avant.", "caluire"),
        (1.5, 5.0, 4), -2, hour=9),
    PostSpec("demo-lyon", "lyon", "published", "campaign:grand-froid", {
        "commune": "Vénissieux", "quand": "jusqu’à la fin du mois"}, (4.0, -8.0, 6), -3),
    PostSpec("demo-marseille", "marseille", "published", "annonce-evenement", _event(
        "Balade des énergies renouvelables", "J+15", "la plage du Prado",
        "Une promenade commentée de deux heures autour des panneaux solaires du quartier.",
        "balade"), (1.0, -4.0, 12), -5, hour=11),
    PostSpec("demo-marseille", "marseille", "published", "avis-travaux", _works(
        "élagage près des lignes", "Allauch", "mardi et mercredi matin", "Les routes restent "
        "ouvertes ; merci de ne pas stationner sous les lignes.", "allauch"),
        (9.0, 4.0, 5), -1, hour=8),
    PostSpec("demo-marseille", "marseille", "published", "forum-emploi", _jobs(
        "Marseille", "des conseillers clientèle bilingues", "au salon de l’emploi du Parc "
        "Chanot", "", "marseille-conseil"), (2.0, -2.0, 25), -8, hour=14),
    PostSpec("demo-lille", "lille", "published", "annonce-evenement", _event(
        "Café énergie", "J+17", "la médiathèque de Roubaix", "Échangez avec nos conseillers "
        "autour d’un café sur les aides à la rénovation.", "cafe-roubaix"),
        (8.0, 6.0, 8), -7, hour=9),
    PostSpec("demo-lille", "lille", "published", "avis-travaux", _works(
        "coupure d’électricité programmée", "Villeneuve-d’Ascq", "jeudi de 9 h à 12 h",
        "Débranchez vos appareils sensibles avant la coupure.", "vda"),
        (7.0, -2.0, 3), -2, hour=8, review="Indiquez la durée de la coupure, merci.",
        revised="Coupure de trois heures : débranchez vos appareils sensibles avant."),
    PostSpec("demo-lille", "lille", "published", "forum-emploi", _jobs(
        "Lille", "quatre chargés d’affaires", "jeudi au forum Lille Grand Palais",
        "Postes en CDI, ouverts aux débutants.", "lille-affaires"), (0.5, -1.0, 15), -9,
        hour=15),
    # -- failed: the Rennes Page's token has expired ------------------------------------
    PostSpec("demo-rennes", "rennes", "failed", "annonce-evenement", _event(
        "Visite du parc solaire", "J+5", "la ferme solaire de Bruz", "Inscription obligatoire, "
        "visite d’une heure guidée par nos techniciens.", "bruz"), (-3.0, -10.0, 15), -1),
    PostSpec("demo-rennes", "rennes", "failed", "avis-travaux", _works(
        "renforcement du réseau", "Cesson-Sévigné", "du lundi au vendredi", "La rue de "
        "Rennes est fermée à la circulation pendant les travaux.", "cesson"),
        (6.0, 0.5, 3), -2, hour=9),
    PostSpec("demo-rennes", "rennes", "failed", "forum-emploi", _jobs(
        "Rennes", "des monteurs de réseau", "mercredi à l’agence de Rennes Centre", "",
        "rennes-monteurs"), (0.0, 0.5, 20), -3, hour=11),
    # -- scheduled: approved, waiting for their time ------------------------------------
    PostSpec("demo-lyon", "lyon", "scheduled", "annonce-evenement", _event(
        "Fête de la lumière durable", "J+0", "la place des Terreaux", "Des ateliers pour les "
        "familles sur les éclairages économes.", "lumiere"), (0.2, 0.8, 5), 3, hour=17),
    PostSpec("demo-lyon", "contrib-lyon", "scheduled", "forum-emploi", _jobs(
        "Villefranche", "des électriciens", "samedi au forum de l’emploi de Villefranche", "",
        "villefranche"), (-8.0, 30.0, 15), 5),
    PostSpec("demo-marseille", "marseille", "scheduled", "avis-travaux", _works(
        "remplacement de compteurs", "Aubagne", "la semaine prochaine", "Un avis de passage "
        "est déposé dans votre boîte aux lettres.", "aubagne"), (16.0, 0.0, 6), 6, hour=9),
    PostSpec("demo-lille", "lille", "scheduled", "annonce-evenement", _event(
        "Conférence sur la rénovation", "J+0", "l’hôtel de ville de Tourcoing",
        "Entrée libre dans la limite des places disponibles.", "tourcoing"),
        (4.0, 10.0, 10), 4, hour=18),
    PostSpec("demo-lille", "lille", "scheduled", "campaign:economies", {
        "date": "J+0", "lieu": "l’agence de Lille Flandres"}, (0.3, 0.3, 10), 9),
    PostSpec("demo-rennes", "rennes", "scheduled", "annonce-evenement", _event(
        "Atelier vélo et énergie", "J+0", "la maison de quartier de Villejean",
        "Apprenez à recharger votre vélo électrique malin.", "villejean"),
        (-2.0, 2.0, 5), 7, hour=15),
    # -- approved: the agencies have no Facebook Page yet ---------------------------------
    PostSpec("demo-villeurbanne", "lyon", "approved", "annonce-evenement", _event(
        "Permanence énergie", "J+0", "la mairie de Villeurbanne", "Nos conseillers répondent "
        "à vos questions sans rendez-vous.", "permanence"), (0.0, 1.0, 3), 2, hour=9),
    PostSpec("demo-villeurbanne", "lyon", "approved", "forum-emploi", _jobs(
        "Villeurbanne", "des apprentis techniciens", "au campus de la Doua",
        "Rencontre avec nos apprentis actuels.", "doua"), (1.0, 2.0, 4), 6, hour=11),
    PostSpec("demo-villeurbanne", "lyon", "approved", "avis-travaux", _works(
        "coupure d’électricité programmée", "Villeurbanne (Gratte-Ciel)", "mardi de 14 h à "
        "16 h", "Les feux de circulation restent alimentés.", "gratte-ciel"),
        (0.5, -0.5, 1.5), 8, hour=14),
    PostSpec("demo-aix", "marseille", "approved", "annonce-evenement", _event(
        "Exposition sur l’hydrogène", "J+0", "la Cité du livre d’Aix", "Une exposition pour "
        "comprendre l’énergie de demain.", "hydrogene"), (0.5, 0.5, 6), 5, hour=10),
    PostSpec("demo-aix", "marseille", "approved", "forum-emploi", _jobs(
        "Aix-en-Provence", "des ingénieurs réseau", "au forum des métiers de l’énergie",
        "", "aix-ingenieurs"), (-1.0, 1.0, 8), 4, hour=10),
    # -- submitted: in the desk's queue, some with audience conflicts ----------------------
    PostSpec("demo-lyon", "lyon", "submitted", "annonce-evenement", _event(
        "Marché des producteurs locaux", "J+0", "la place Bellecour", "Nos producteurs "
        "d’énergie citoyenne présentent leurs projets.", "marche"), (2.0, 0.0, 8), 4,
        notes=(("desk", "Même jour que l’atelier de Villeurbanne : voyons si l’on décale."),)),
    PostSpec("demo-villeurbanne", "lyon", "submitted", "annonce-evenement", _event(
        "Atelier isolation", "J+0", "la Maison du citoyen", "Deux heures pour apprendre à "
        "isoler portes et fenêtres.", "isolation"), (-0.5, 0.5, 3), 4, hour=14),
    PostSpec("demo-lyon", "lyon", "submitted", "campaign:economies", {
        "date": "J+0", "lieu": "l’agence de la Part-Dieu"}, (1.0, 0.5, 12), 9),
    PostSpec("demo-lyon", "contrib-lyon", "submitted", "forum-emploi", _jobs(
        "Givors", "des agents de maintenance", "vendredi à la mairie de Givors",
        "Vous pouvez venir sans rendez-vous", "givors"), (-2.0, -20.0, 10), 5, hour=9),
    PostSpec("demo-marseille", "marseille", "submitted", "annonce-evenement", _event(
        "Journée du solaire", "J+0", "l’entrée du parc Borély", "Démonstrations de panneaux et de "
        "batteries domestiques.", "solaire"), (3.0, 8.0, 15), 5,
        notes=(("marseille", "Le parc nous confirme l’emplacement demain."),)),
    PostSpec("demo-aix", "marseille", "submitted", "annonce-evenement", _event(
        "Conférence climat", "J+0", "l’amphithéâtre de la Manufacture", "Entrée libre, "
        "échanges avec nos ingénieurs.", "climat"), (-1.0, -1.0, 6), 5, hour=17),
    PostSpec("demo-marseille", "marseille", "submitted", "campaign:grand-froid", {
        "commune": "La Ciotat", "quand": "à partir de lundi"}, (25.0, -10.0, 5), 3, hour=9),
    PostSpec("demo-lille", "lille", "submitted", "avis-travaux", _works(
        "élagage près des lignes", "Lambersart", "lundi toute la journée", "Stationnement "
        "interdit avenue de l’Hippodrome.", "lambersart"), (-3.0, 1.0, 2), 6, hour=8),
    PostSpec("demo-rennes", "rennes", "submitted", "forum-emploi", _jobs(
        "Saint-Malo", "des techniciens d’intervention", "au forum de l’emploi maritime", "",
        "saint-malo"), (-5.0, 30.0, 25), 8),
    # -- changes requested -----------------------------------------------------------------
    PostSpec("demo-villeurbanne", "lyon", "changes_requested", "campaign:economies", {
        "date": "J+0", "lieu": "la mairie"}, (0.2, 0.2, 3), 9, review=_CHANGES,
        notes=(("lyon", "Je mets l’adresse complète demain matin."),)),
    PostSpec("demo-lyon", "contrib-lyon", "changes_requested", "annonce-evenement", _event(
        "Concours de dessin", "J+0", "l’agence de Vaise", "Les enfants dessinent la ville de "
        "demain.", "dessin"), (-1.5, 2.5, 5), 6,
        review="Qui peut participer ? Indiquez l’âge des enfants et la date limite."),
    PostSpec("demo-marseille", "marseille", "changes_requested", "forum-emploi", _jobs(
        "Marseille", "des stagiaires", "au job dating de la Joliette", "", "joliette"),
        (-1.0, 1.5, 5), 7, review="Précisez la durée des stages et le niveau d’études."),
    PostSpec("demo-lille", "lille", "changes_requested", "annonce-evenement", _event(
        "Visite de la centrale biomasse", "J+0", "Lomme", "Visite guidée de l’unité.",
        "biomasse"), (-5.0, 0.0, 10), 8, review="Ajoutez le point de rendez-vous exact."),
    PostSpec("demo-rennes", "rennes", "changes_requested", "avis-travaux", _works(
        "coupure d’électricité programmée", "Saint-Grégoire", "jeudi matin", "Prévoyez vos "
        "appareils médicaux sur batterie.", "saint-gregoire"), (1.0, 5.0, 2), 9, hour=8,
        review="Donnez l’heure de fin et le numéro d’assistance pour les patients à domicile."),
    # -- drafts ----------------------------------------------------------------------------
    PostSpec("demo-marseille", "marseille", "draft", "campaign:economies", {
        "date": "J+0", "lieu": "l’agence du Vieux-Port"}, (0.5, 0.0, 10), 9),
    PostSpec("demo-rennes", "rennes", "draft", "campaign:grand-froid", {
        "commune": "Rennes", "quand": "cette semaine"}, (0.0, 0.0, 5), 4, hour=9),
    PostSpec("demo-lyon", "lyon", "draft", "annonce-evenement", _event(
        "Animation pour les familles", "J+0", "la roseraie du parc de la Tête d’Or",
        "Animation gratuite pour les enfants, goûter offert.", "tete-or"), (0.5, 2.5, 6), 10),
    PostSpec("demo-lyon", "contrib-lyon", "draft", "avis-travaux", _works(
        "renforcement du réseau", "Bron", "en mars", "", "bron"), (6.0, -2.0, 4), 12),
    PostSpec("demo-aix", "marseille", "draft", "forum-emploi", _jobs(
        "Aix-en-Provence", "des alternants", "bientôt", "", "aix-alternants"),
        (0.0, 0.0, 8), 11),
    PostSpec("demo-lille", "lille", "draft", "annonce-evenement", _event(
        "Nuit de l’énergie", "J+0", "la gare Saint-Sauveur", "Concerts alimentés par des "
        "vélos générateurs.", "nuit"), (0.2, -0.5, 5), 12, hour=20),
    PostSpec("demo-rennes", "rennes", "draft", "annonce-evenement", _event(
        "Journée portes ouvertes", "J+0", "l’agence de Rennes Centre", "", "rennes-po"),
        (0.0, 0.5, 10), 10),
    # -- rejected and withdrawn ------------------------------------------------------------
    PostSpec("demo-lyon", "lyon", "rejected", "annonce-evenement", _event(
        "Soirée partenaires", "J+0", "un restaurant du Vieux-Lyon", "Soirée réservée à nos "
        "partenaires.", "partenaires"), (-0.5, 0.5, 2), 5, hour=19,
        review="Événement privé : il n’a pas sa place sur la Page publique."),
    PostSpec("demo-marseille", "marseille", "rejected", "avis-travaux", _works(
        "renforcement du réseau", "Marseille", "un jour prochain", "Rien à signaler.",
        "marseille"), (0.0, 0.0, 15), 6, hour=9,
        review="Sans date ni quartier précis, cet avis inquiéterait toute la ville."),
    PostSpec("demo-lille", "lille", "rejected", "forum-emploi", _jobs(
        "Lille", "des stagiaires non rémunérés", "toute l’année", "", "stages"),
        (0.0, 0.0, 30), 7, review="Nous ne publions pas d’offre de stage non rémunéré."),
    PostSpec("demo-lyon", "lyon", "withdrawn", "avis-travaux", _works(
        "élagage près des lignes", "Écully", "la semaine prochaine", "Chantier reporté.",
        "ecully"), (-6.0, 2.0, 3), 6, hour=9,
        notes=(("lyon", "Chantier reporté au printemps : je retire l’avis."),)),
    PostSpec("demo-aix", "marseille", "withdrawn", "annonce-evenement", _event(
        "Ciné-débat", "J+0", "la salle Le Mazarin", "Projection suivie d’un débat.",
        "cine"), (0.3, -0.3, 4), 6, hour=20),
)
