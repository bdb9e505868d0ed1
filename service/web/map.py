"""The map of regional activity: territories shaded, posts, coverage gaps and conflicts."""

from __future__ import annotations

import json

from flask import Blueprint, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from regions import campaigns, desk
from regions.models import PostStatus
from service.runtime import reading, settings
from service.web import csp_allowing
from service.web.pages import login_required, page_actor, status_label

bp = Blueprint("map", __name__, url_prefix="/map")

PERIODS = ((7, _l("Last 7 days")), (30, _l("Last 30 days")), (90, _l("Last 90 days")),
           (365, _l("Last 12 months")), (0, _l("Any time")))
MEASURES = (("published", _l("Published")), ("pending", _l("Awaiting review")),
            ("late", _l("Late adaptations")), ("failed", _l("Publication failed")))
# The words the page's script shows, already in the page's language.
SCRIPT_WORDS = {
    "posts_shown": _l("%(count)s posts shown in this view."),
    "posts_many": _l("More than %(count)s posts in this view: the list shows the latest."),
    "no_post": _l("No post in this view matches the filters."),
    "territories_shown": _l("%(count)s territories."),
    "open_post": _l("Open the post"),
    "audience": _l("Audience: %(km)s km around the place"),
    "no_text": _l("(no text)"),
    "gaps": _l("%(gaps)s of %(areas)s areas without a published post in the last %(days)s "
               "days."),
    "no_areas": _l("No gazetteer area lies in this territory: import boundaries to see its "
                   "coverage gaps."),
    "conflicts": _l("%(count)s audience conflicts."),
    "load_failed": _l("The map data could not be loaded. Reload the page to try again."),
    "late": _l("late"),
    "no_adaptation": _l("No campaign waits for an adaptation here."),
    "no_recent": _l("No post you may see here."),
    "count_line": _l("%(status)s: %(count)s"),
    "legend_measure": _l("Territories shaded by: %(measure)s (in the period)"),
    "no_deadline": _l("no due date"),
}


def _words() -> str:
    words: dict[str, object] = {key: str(value) for key, value in SCRIPT_WORDS.items()}
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
        campaign_list = [(c.id, c.title) for c in campaigns.list_campaigns(uow.session, actor)]
    shade = dict(MEASURES).get(request.args.get("shade", ""), MEASURES[0][1])
    config = settings()
    basemap = config.basemap_url if config.basemap_origin else ""
    response = make_response(render_template(
        "map/index.html", territories=territories, campaigns=campaign_list, periods=PERIODS,
        measures=MEASURES, statuses=list(PostStatus), args=request.args, basemap=basemap,
        shade_label=shade, words=_words(), is_desk=actor.is_central))
    response.headers["Content-Security-Policy"] = csp_allowing(config.basemap_origin)
    return response
