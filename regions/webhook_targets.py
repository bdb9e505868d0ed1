"""Where webhooks may go: public addresses only, checked at registration and at every connection.

A webhook URL is chosen by a person but fetched by the server, so it must never let that person
reach what only the server can reach (loopback, the private network, the cloud metadata service).
Every address a URL's host stands for is checked: IP literals in every spelling the C library
accepts (``127.1``, ``0x7f000001``, ``2130706433``, ``0177.0.0.1``, ``[::ffff:127.0.0.1]``) and
every answer of the DNS. The check runs again inside the HTTP connection, on the answers used to
connect, so a name that resolves inward later (DNS rebinding) is refused when it matters.
Networks listed in ``RELAIS_WEBHOOK_ALLOWED_NETWORKS`` are allowed on purpose (internal
receivers); unspecified and multicast addresses never are.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import connection as urllib3_connection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util.connection import create_connection

from editorial.errors import N_
from regions.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Beyond Python's tables, which keep a few anycast services of this block global.
IETF_PROTOCOL_ASSIGNMENTS = ipaddress.IPv4Network("192.0.0.0/24")
ALLOWED_SCHEMES = ("http", "https")


class WebhookTargetRefused(InvalidInput):
    """A webhook URL leads (or now leads) to an address that is not public."""

    code = "webhooks.target_refused"


def resolve_with_dns(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6)."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in answers))


def literal_address(host: str) -> Address | None:
    """The address a host written as an IP literal stands for, in any accepted spelling.

    Beyond the dotted-quad and IPv6 forms, the C library (and so every HTTP client) accepts
    ``127.1``, ``0x7f.0.0.1``, ``2130706433`` and ``0177.0.0.1`` (octal) as IPv4 addresses.
    """
    bare = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        pass
    if bare and all(part and _is_c_number(part) for part in bare.split(".")):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            return None
    return None


def _is_c_number(part: str) -> bool:
    lowered = part.lower()
    if lowered.startswith("0x"):
        return all(char in "0123456789abcdef" for char in lowered[2:])
    return lowered.isdigit()


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, Teredo), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def is_public(address: Address) -> bool:
    """Whether an address belongs to the public internet (IANA's special-purpose registry)."""
    inner = embedded_ipv4(address)
    if inner is not None and not is_public(inner):
        return False
    if address in IETF_PROTOCOL_ASSIGNMENTS:
        return False
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_loopback
        or address.is_link_local or address.is_unspecified or address.is_private
    )


@dataclass(frozen=True)
class TargetPolicy:
    """Which addresses webhooks may reach: public ones, plus the allowed networks."""

    allowed_networks: tuple[Network, ...] = ()
    resolve: Resolver = field(default=resolve_with_dns)

    @classmethod
    def from_setting(cls, networks: Iterable[str], resolve: Resolver = resolve_with_dns
                     ) -> TargetPolicy:
        """A policy from CIDR strings (``RELAIS_WEBHOOK_ALLOWED_NETWORKS``)."""
        return cls(tuple(ipaddress.ip_network(net, strict=False) for net in networks), resolve)

    def permits(self, address: Address) -> bool:
        """Whether a connection to this address is allowed."""
        if address.is_unspecified or address.is_multicast:
            return False  # never a receiver, whatever the allow-list says
        inner = embedded_ipv4(address)
        for candidate in (address, inner) if inner is not None else (address,):
            if any(candidate.version == net.version and candidate in net
                   for net in self.allowed_networks):
                return True
        return is_public(address)

    def addresses(self, host: str, port: int) -> list[Address]:
        """The checked addresses of ``host``; refuses when any of them is not permitted."""
        literal = literal_address(host)
        if literal is not None:
            found = [literal]
        else:
            try:
                found = [ipaddress.ip_address(a.split("%", 1)[0])
                         for a in self.resolve(host, port)]
            except (OSError, UnicodeError, ValueError):
                found = []
            if not found:
                raise WebhookTargetRefused(
                    f"The webhook host {host} cannot be resolved.", params={"host": host},
                    errors={"url": [N_("{host} cannot be resolved.", host=host)]})
        for address in found:
            if not self.permits(address):
                raise WebhookTargetRefused(
                    f"The webhook host {host} leads to {address}, which is not a public "
                    "address.", params={"host": host, "address": str(address)},
                    errors={"url": [N_(
                        "{host} leads to {address}, which is not a public address (an "
                        "internal receiver needs its network in RELAIS_WEBHOOK_ALLOWED_NETWORKS).",
                        host=host, address=str(address))]})
        return found

    def check_url(self, url: str) -> None:
        """Refuse a URL whose scheme is not HTTP(S) or whose host is not permitted."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            parts, port = urlsplit(""), 0
        if parts.scheme not in ALLOWED_SCHEMES or not parts.hostname or parts.username:
            raise WebhookTargetRefused(
                "A webhook URL needs an http(s) scheme and a host, without credentials.",
                errors={"url": [N_("Give an http:// or https:// address with a host name "
                                   "and no user name or password.")]})
        self.addresses(parts.hostname, port)

    def session(self) -> requests.Session:
        """An HTTP session whose every new connection goes only to permitted addresses."""
        http = requests.Session()
        http.trust_env = False  # an environment proxy would connect for us, unchecked
        adapter = _GuardedAdapter(self)
        http.mount("http://", adapter)
        http.mount("https://", adapter)
        return http


def _connect(policy: TargetPolicy, conn: Any) -> socket.socket:
    """Open the connection's socket to the first reachable permitted address of its host."""
    failure: OSError | None = None
    for address in policy.addresses(conn._dns_host, conn.port):
        try:
            return create_connection(
                (str(address), conn.port), conn.timeout, source_address=conn.source_address,
                socket_options=conn.socket_options)
        except OSError as exc:
            failure = exc
    raise NewConnectionError(conn, f"Failed to connect: {failure}")


def _guarded_pools(policy: TargetPolicy) -> dict[str, type[HTTPConnectionPool]]:
    """Pool classes whose connections resolve and check their host on every connect."""

    class GuardedHTTPConnection(urllib3_connection.HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(policy, self)

    class GuardedHTTPSConnection(urllib3_connection.HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(policy, self)  # TLS still verifies the certificate for the host

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    return {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: TargetPolicy) -> None:
        self._policy = policy
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _guarded_pools(self._policy)
