"""The map of regional activity: territories shaded, posts, coverage gaps and conflicts."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Blueprint, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from regions import campaigns, desk, post_queries
from regions.models import PostStatus
from service.runtime import reading, settings
from service.web import csp_allowing
from service.web.pages import login_required, page_actor, row_id, status_label

bp = Blueprint("map", __name__, url_prefix="/map")

PERIODS = ((7, _l("Last 7 days")), (30, _l("Last 30 days")), (90, _l("Last 90 days")),
           (365, _l("Last 12 months")), (0, _l("Any time")))
MEASURES = (("published", _l("Published")), ("pending", _l("Awaiting review")),
            ("late", _l("Late adaptations")), ("failed", _l("Publication failed")))
# The territory table's columns: the property of each territory the script shows, its title.
TABLE_COLUMNS = (*MEASURES, ("posts", _l("All posts")))
# The words the page's script shows, already in the page's language.
SCRIPT_WORDS = {
    "posts_many": _l("More than %(count)s posts in this view: the list shows the latest."),
    "no_post": _l("No post in this view matches the filters."),
    "open_post": _l("Open the post"),
    "audience": _l("Audience: %(km)s km around the place"),
    "no_text": _l("(no text)"),
    "post_name": _l("Post #%(id)s"),
    "no_areas": _l("No gazetteer area lies in this territory: import boundaries to see its "
                   "coverage gaps."),
    "load_failed": _l("The map data could not be loaded. Reload the page to try again."),
    "panel_failed": _l("This territory’s figures could not be loaded (no answer from the "
                       "server). Choose it again to retry."),
    "post_failed": _l("This post could not be loaded (no answer from the server). Click it "
                      "again to retry."),
    "territory": _l("Territory"),
    "late": _l("late"),
    "no_adaptation": _l("No campaign waits for an adaptation here."),
    "no_recent": _l("No post you may see here."),
    "count_line": _l("%(status)s: %(count)s"),
    "legend_measure": _l("Territories shaded by: %(measure)s (in the period)"),
    "no_deadline": _l("no due date"),
}
COUNT = "%(count)s"  # a placeholder the script fills, kept through ngettext
# The words that agree with a number: each is rendered in the plural forms of the page's
# language, its placeholders kept, and the script picks one with Intl.PluralRules.
SCRIPT_PLURALS: dict[str, Callable[[int], str]] = {
    "posts_shown": lambda n: ngettext("%(count)s post shown in this view.",
                                      "%(count)s posts shown in this view.", n, count=COUNT),
    "territories_shown": lambda n: ngettext("%(count)s territory.", "%(count)s territories.", n,
                                            count=COUNT),
    "conflicts": lambda n: ngettext("%(count)s audience conflict.",
                                    "%(count)s audience conflicts.", n, count=COUNT),
    "gaps": lambda n: ngettext(
        "%(gaps)s of %(areas)s areas without a published post in the last %(days)s days.",
        "%(gaps)s of %(areas)s areas without a published post in the last %(days)s days.", n,
        gaps="%(gaps)s", areas="%(areas)s", days="%(days)s"),
}
# Intl.PluralRules' categories, each with a number that falls in it in French and English.
PLURAL_CATEGORIES = (("one", 1), ("many", 1_000_000), ("other", 2))


def _words() -> str:
    words: dict[str, object] = {key: str(value) for key, value in SCRIPT_WORDS.items()}
    for key, render in SCRIPT_PLURALS.items():
        words[key] = {category: render(n) for category, n in PLURAL_CATEGORIES}
    words["statuses"] = {status.value: status_label(status) for status in PostStatus}
    words["measures"] = {key: str(label) for key, label in MEASURES}
    return json.dumps(words, ensure_ascii=False)


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """The map, its filters (kept in the address), a territory panel and a list alternative."""
    actor = page_actor()
    with reading() as uow:
        territories = desk.territory_choices(uow.session)
        campaign_list = campaigns.filter_choices(
            uow.session, actor, selected=row_id(request.args.get("campaign")))
    # Someone who sees published posts only is offered no other state, and no measure or
    # column (awaiting review, late, failed) that could only read zero for them.
    seen = post_queries.statuses_seen(actor)
    everything = seen == frozenset(PostStatus)
    measures = MEASURES if everything else MEASURES[:1]
    shade = dict(measures).get(request.args.get("shade", ""), measures[0][1])
    config = settings()
    basemap = config.basemap_url if config.basemap_origin else ""
    response = make_response(render_template(
        "map/index.html", territories=territories, campaigns=campaign_list, periods=PERIODS,
        measures=measures, statuses=[s for s in PostStatus if s in seen], args=request.args,
        basemap=basemap, shade_label=shade, words=_words(), is_desk=actor.is_central,
        columns=TABLE_COLUMNS if everything else TABLE_COLUMNS[:1] + TABLE_COLUMNS[-1:]))
    response.headers["Content-Security-Policy"] = csp_allowing(config.basemap_origin)
    return response
