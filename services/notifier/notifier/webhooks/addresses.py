"""Where a webhook may send: by default only to public addresses, so that a webhook URL cannot reach
the platform's own network (loopback, private, link-local including the cloud metadata address
169.254.169.254, unique-local, multicast, shared, documentation and reserved ranges), however the
address is spelled. An allow-list names the internal targets an administrator admits.

Checked twice: when a webhook is saved (a URL whose host is an address literal, in any spelling
`inet_aton` or IPv6 accepts, is refused at once) and on every connection, on the addresses the name
resolved to (`GuardedResolver`), so a name that resolves to a public address when saved and to a
private one when sent (DNS rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressRefused(OSError):
    """The request was not sent: every address of the target is one the policy refuses."""


@dataclass(frozen=True)
class AddressPolicy:
    """`allowed`: networks admitted although not public (HELPDESK_WEBHOOK_ALLOWED_NETWORKS)."""

    allowed: tuple[Network, ...] = field(default=())

    @classmethod
    def from_setting(cls, networks: Iterable[str]) -> AddressPolicy:
        return cls(
            tuple(
                ipaddress.ip_network(network.strip(), strict=False) for network in networks if network.strip()
            )
        )

    def refusal(self, address: Address) -> str | None:
        """Why a request may not go to this address, or None."""
        if any(address in network for network in self.allowed if network.version == address.version):
            return None
        reason = _not_public(address)
        return f"{address} is {reason}" if reason else None


def _not_public(address: Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None:
            inner = _not_public(embedded)
            return f"an IPv6 spelling of an address that is {inner}" if inner else None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "the unspecified address"
    if isinstance(address, ipaddress.IPv6Address) and address in _UNIQUE_LOCAL:
        return "a unique-local address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")


def literal_address(host: str) -> Address | None:
    """The address a URL's host spells, in any spelling a resolver would accept as a number
    (dotted decimal, octal `0177.0.0.1`, hexadecimal `0x7f.1`, one number `2130706433`, shortened
    `127.1`, IPv6 with or without brackets and zone); None for a host name."""
    host = host.strip().strip("[]").split("%")[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        # The C library's own reading, the one getaddrinfo applies to a numeric host.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def url_refusal(url: str, policy: AddressPolicy) -> str | None:
    """At save time: a URL whose host is an address the policy refuses. A host name is checked when
    sent, on what it resolves to then."""
    host = urlsplit(url).hostname or ""
    address = literal_address(host)
    return policy.refusal(address) if address is not None else None


class GuardedResolver(AbstractResolver):
    """aiohttp connects only to the addresses a resolver returns: this one drops every address the
    policy refuses, and refuses the connection when none is left."""

    def __init__(self, policy: AddressPolicy, resolver: AbstractResolver | None = None) -> None:
        self.policy = policy
        self._resolver = resolver or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._resolver.resolve(host, port, family)
        kept: list[ResolveResult] = []
        refusals: list[str] = []
        for result in found:
            address = ipaddress.ip_address(result["host"].split("%")[0])
            refusal = self.policy.refusal(address)
            if refusal is None:
                kept.append(result)
            else:
                refusals.append(refusal)
        if not kept:
            raise AddressRefused(
                f"{host}: " + "; ".join(dict.fromkeys(refusals)) + " (not allowed for webhooks)"
            )
        return kept

    async def close(self) -> None:
        await self._resolver.close()
