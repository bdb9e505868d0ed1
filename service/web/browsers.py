"""A signed-in browser named as its owner knows it (« Chrome sur Linux »), from its User-Agent.

The parsing is ua-parser's (the reference rules, kept up to date by its maintainers, pure
Python); only the names shown are ours: « Safari », not « Mobile Safari », the iPhone rather
than « iOS ». Whatever it does not recognise is shown as it came.
"""

from __future__ import annotations

from flask_babel import gettext as _
from ua_parser import Result, parse

# ua-parser's families as people call them (mobile variants are the same browser to them).
BROWSERS = {"Mobile Safari": "Safari", "Mobile Safari UI/WKWebView": "Safari",
            "Chrome Mobile": "Chrome", "Chrome Mobile iOS": "Chrome",
            "Chrome Mobile WebView": "Chrome", "Chromium": "Chromium", "HeadlessChrome": "Chrome",
            "Firefox Mobile": "Firefox", "Firefox iOS": "Firefox", "Edge Mobile": "Edge"}
SYSTEMS = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
APPLE_DEVICES = ("iPhone", "iPad", "iPod")


def browser_name(user_agent: str | None) -> str | None:
    """« Firefox sur Windows », « Safari sur iPhone », or the raw string (None if none)."""
    if not user_agent:
        return None
    found = parse(user_agent)
    if found.user_agent is None or found.user_agent.family == "Other":
        return user_agent
    browser = BROWSERS.get(found.user_agent.family, found.user_agent.family)
    system = _system(found)
    return _("%(browser)s on %(system)s", browser=browser, system=system) if system else browser


def _system(found: Result) -> str | None:
    if found.os is None or found.os.family == "Other":
        return None
    if found.os.family == "iOS" and found.device and found.device.family in APPLE_DEVICES:
        return found.device.family
    return SYSTEMS.get(found.os.family, found.os.family)
