"""Webhook target policy: every spelling of an inward address is refused, public ones pass."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.settings import Settings, SettingsError
from regions.webhook_targets import (
    TargetPolicy,
    WebhookTargetRefused,
    is_public,
    literal_address,
)

FORBIDDEN_NETWORKS = [ipaddress.ip_network(net) for net in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "224.0.0.0/4", "240.0.0.0/4",
)]
FORBIDDEN_V6_NETWORKS = [ipaddress.ip_network(net) for net in (
    "::1/128", "::/128", "fc00::/7", "fe80::/10", "ff00::/8", "2001:db8::/32",
)]
POLICY = TargetPolicy(resolve=lambda host, port: [])


def refused(host: str, policy: TargetPolicy = POLICY) -> bool:
    try:
        policy.check_url(f"http://{host}/hook")
    except WebhookTargetRefused:
        return True
    return False


@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.1", "0x7f000001", "0x7f.0.0.1", "2130706433", "0177.0.0.1",
    "017700000001", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "169.254.169.254",
    "[fe80::]", "[fe80::1%25eth0]", "224.0.0.1", "0.0.0.0", "0", "10.0.0.1", "172.16.0.1",
    "172.31.255.255", "192.168.0.1", "100.64.0.1", "100.127.255.254", "[fc00::1]",
    "[fd00::1]", "[::]", "[2002:7f00:1::]", "[64:ff9b::a9fe:a9fe]", "255.255.255.255",
    "127.0.0.1.",
])
def test_every_forbidden_address_form_is_refused(host):
    assert refused(host)


def ipv4_in(networks):
    return st.sampled_from(networks).flatmap(lambda net: st.integers(
        int(net.network_address), int(net.broadcast_address)).map(ipaddress.IPv4Address))


def spellings(address: ipaddress.IPv4Address) -> list[str]:
    """The ways the C library accepts to write one IPv4 address."""
    value, octets = int(address), address.packed
    return [
        str(address), str(value), hex(value), "0" + oct(value)[2:],
        ".".join("0" + oct(o)[2:] if o else "0" for o in octets),
        ".".join(hex(o) for o in octets),
        f"{octets[0]}.{int.from_bytes(octets[1:], 'big')}",
        f"{octets[0]}.{octets[1]}.{int.from_bytes(octets[2:], 'big')}",
        f"[::ffff:{address}]", f"[64:ff9b::{address}]",
        f"[2002:{octets[0]:02x}{octets[1]:02x}:{octets[2]:02x}{octets[3]:02x}::1]",
    ]


@given(ipv4_in(FORBIDDEN_NETWORKS))
def test_inward_ipv4_addresses_are_refused_in_every_spelling(address):
    for host in spellings(address):
        assert refused(host), host


@given(ipv4_in(FORBIDDEN_NETWORKS))
def test_the_spellings_mean_what_the_c_library_reads(address):
    for host in spellings(address)[:8]:
        assert literal_address(host) == address
        assert ipaddress.IPv4Address(socket.inet_aton(host)) == address


@given(st.sampled_from(FORBIDDEN_V6_NETWORKS).flatmap(lambda net: st.integers(
    int(net.network_address), int(net.broadcast_address)).map(ipaddress.IPv6Address)))
def test_inward_ipv6_addresses_are_refused(address):
    assert refused(f"[{address}]")


@given(st.ip_addresses(v=4).filter(lambda a: not any(a in n for n in FORBIDDEN_NETWORKS)))
def test_public_ipv4_addresses_are_accepted_unless_special(address):
    assert refused(str(address)) == (not is_public(address))
    if address.is_global and not address.is_reserved:
        assert not refused(str(address))


@given(ipv4_in(FORBIDDEN_NETWORKS))
def test_a_name_resolving_inward_is_refused(address):
    policy = TargetPolicy(resolve=lambda host, port: ["93.184.215.14", str(address)])
    assert refused("hooks.partner.example", policy)  # one inward answer is enough


def test_a_name_resolving_to_public_addresses_is_accepted():
    policy = TargetPolicy(resolve=lambda host, port: ["93.184.215.14", "2606:4700::1111"])
    assert not refused("hooks.partner.example", policy)


def test_an_unresolvable_name_is_refused_saying_so():
    with pytest.raises(WebhookTargetRefused) as caught:
        POLICY.check_url("https://nowhere.invalid/hook")
    assert "cannot be resolved" in str(caught.value.errors["url"][0])


def test_the_allow_list_lets_internal_receivers_in_and_nothing_else():
    policy = TargetPolicy.from_setting(["10.20.0.0/16", "::1/128"],
                                       resolve=lambda host, port: ["10.20.3.4"])
    assert not refused("10.20.1.1", policy)
    assert not refused("[::ffff:10.20.1.1]", policy)
    assert not refused("receiver.internal", policy)
    assert not refused("[::1]", policy)
    assert refused("10.21.0.1", policy)
    assert refused("127.0.0.1", policy)


def test_unspecified_and_multicast_stay_refused_whatever_the_allow_list():
    policy = TargetPolicy.from_setting(["0.0.0.0/0", "::/0"])
    assert refused("0.0.0.0", policy) and refused("224.0.0.1", policy)
    assert refused("[::]", policy) and refused("[ff02::1]", policy)
    assert not refused("10.0.0.1", policy)


@pytest.mark.parametrize("url", [
    "ftp://93.184.215.14/", "file:///etc/passwd", "gopher://93.184.215.14/",
    "http://user:secret@93.184.215.14/", "http:///nohost", "http://[::1/",
])
def test_urls_that_are_not_plain_http_to_a_host_are_refused(url):
    with pytest.raises(WebhookTargetRefused):
        POLICY.check_url(url)


def test_the_allow_list_setting_is_read_as_networks():
    settings = Settings.from_env({"RELAIS_WEBHOOK_ALLOWED_NETWORKS": "10.0.0.0/8, 127.0.0.1,"})
    assert settings.webhook_allowed_networks == ("10.0.0.0/8", "127.0.0.1/32")
    with pytest.raises(SettingsError, match="RELAIS_WEBHOOK_ALLOWED_NETWORKS.*'intranet'"):
        Settings.from_env({"RELAIS_WEBHOOK_ALLOWED_NETWORKS": "10.0.0.0/8,intranet"})
