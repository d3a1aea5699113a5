"""Which hosts a callback may reach (pure): globally routable unicast addresses, never metadata or link-local.

Hosts are refused when they are not ASCII (an IDN must come as punycode: `127。0。0。1` with full-width dots is
`127.0.0.1` once IDNA-mapped), and a host that "ends in a number" must be an IPv4 address in any of the forms
resolvers accept (`2130706433`, `0x7f.1`, `127.1`, `0`), as the WHATWG URL Standard's host parser reads them
(https://url.spec.whatwg.org/#concept-ipv4-parser), so no spelling of an internal address slips through as a name.
A DNS name is checked again on send, on every address it resolves to (activities/callback.py).
"""

from __future__ import annotations

import ipaddress
import re
import socket

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Refused even with CALLBACK_ALLOW_INSECURE: Azure's WireServer / host agent (168.63.129.16, public but answered
# by the host: https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16), the instance
# metadata service (169.254.169.254, also link-local) and its IPv6 form on other clouds.
METADATA_ADDRESSES: frozenset[Address] = frozenset(
    ipaddress.ip_address(a) for a in ("168.63.129.16", "169.254.169.254", "fd00:ec2::254"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix: the last 32 bits are an IPv4 address
_INTERNAL_NAMES = ("localhost", "localhost.localdomain")
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")
_NUMBER = re.compile(r"(0x[0-9a-f]*|[0-9]+)\Z", re.IGNORECASE)
_IPV4_PART = re.compile(r"(0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)\Z", re.IGNORECASE)


def _ends_in_number(host: str) -> bool:
    labels = host.rstrip(".").split(".")
    return bool(labels) and bool(_NUMBER.match(labels[-1]))


def literal_address(host: str) -> Address | None:
    """The address `host` spells (IPv6, dotted quad or any shorter/hex/octal IPv4 form), or None for a name."""
    bare = host.strip("[]").rstrip(".") if host else host
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    parts = bare.split(".")
    if 1 <= len(parts) <= 4 and all(_IPV4_PART.match(p) for p in parts):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare))  # the same forms as the C resolver
        except OSError:
            return None
    return None


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, 6to4 or NAT64 IPv6 address."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(address: Address, allow_internal: bool) -> str | None:
    """Why a callback must not connect to `address`, or None. `allow_internal`: loopback and private are allowed."""
    embedded = embedded_ipv4(address)
    candidates: list[Address] = [embedded, address] if embedded is not None else [address]
    for candidate in candidates:
        if candidate in METADATA_ADDRESSES or candidate.is_link_local:
            return "must not point to a link-local or metadata address"
        if candidate.is_multicast or candidate.is_unspecified or candidate.is_reserved:
            return "must point to a unicast address"
        if not allow_internal and not candidate.is_global:
            return "must point to a globally routable address (not loopback, private or shared)"
    return None


def host_problem(host: str, allow_internal: bool) -> str | None:
    """Why a callback URL's host is refused before any lookup, or None."""
    if not host.isascii():
        return "host must be ASCII (give an international name as punycode, xn--...)"
    address = literal_address(host)
    if address is not None:
        return address_problem(address, allow_internal)
    lowered = host.lower().rstrip(".")
    if _ends_in_number(lowered):
        return "host ends in a number but is not an IPv4 address"
    if not allow_internal and (lowered in _INTERNAL_NAMES or lowered.endswith(_INTERNAL_SUFFIXES)):
        return "must not point to a loopback, private or link-local host"
    return None
