"""A post's link is what Facebook publishes as ``link``: only an absolute web address."""

from __future__ import annotations

import pytest

from regions.errors import InvalidInput
from regions.posts import checked_link, checked_media


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>",
    "ftp://example.org/a", "www.example.org", "/relative/path", "https://", "http:///x",
    "https://exa mple.org", "https://example.org/\u202eevil", "http://[::1", "x" * 2001,
], ids=lambda link: link[:24])
def test_a_link_that_is_not_an_absolute_web_address_is_refused(link):
    with pytest.raises(InvalidInput) as refused:
        checked_link(link)
    assert list(refused.value.errors) == ["link"]


@pytest.mark.parametrize("link, kept", [
    ("https://example.org/forum?x=1&y=2", "https://example.org/forum?x=1&y=2"),
    ("  HTTP://Example.org \n", "HTTP://Example.org"),
    ("https://[2001:db8::1]:8443/p", "https://[2001:db8::1]:8443/p"),
])
def test_a_web_address_is_kept_without_surrounding_spaces(link, kept):
    assert checked_link(link) == kept


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "data:image/png;base64,AAAA", "//evil.example/x.png", "image.png",
    "https://exa mple.org/x.png", "", None, 42,
], ids=repr)
def test_an_image_address_that_is_not_an_absolute_web_address_is_refused(url):
    with pytest.raises(InvalidInput) as refused:
        checked_media([{"url": url, "alt": "La façade"}])
    assert list(refused.value.errors) == ["media"]


def test_an_image_description_longer_than_the_apis_limit_is_refused():
    checked_media([{"url": "https://example.org/a.jpg", "alt": "x" * 1000}])
    with pytest.raises(InvalidInput) as refused:
        checked_media([{"url": "https://example.org/a.jpg", "alt": "x" * 1001}])
    assert list(refused.value.errors) == ["media"]


def test_images_are_kept_as_url_and_alt_only_without_spaces_around_the_address():
    assert checked_media([{"url": " https://example.org/a.jpg\n", "alt": " Façade ",
                           "onerror": "alert(1)"}, {"url": "http://example.org/b.png"}]) == [
        {"url": "https://example.org/a.jpg", "alt": " Façade "},
        {"url": "http://example.org/b.png", "alt": ""}]
