"""IPv6 spellings of private IPv4 addresses, and the deprecated site-local range, are not public.

``ipaddress``'s ``is_global`` calls ``::127.0.0.1``, ``::ffff:0:10.0.0.1``, ``64:ff9b::10.0.0.1``,
``64:ff9b:1::a00:1``, ``2002:7f00:1::`` and ``fec0::1`` global; each reaches a private or loopback IPv4
host (or a site's own network), so the guard decodes the IPv4 address and judges that.
"""

from __future__ import annotations

import ipaddress

import pytest

from finefake.crawlers.guard import address_error, embedded_ipv4, is_public_address


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",  # IPv4-compatible
        "::10.0.0.1",
        "::ffff:0:127.0.0.1",  # IPv4-translated (RFC 2765)
        "::ffff:0:192.168.1.1",
        "64:ff9b::127.0.0.1",  # NAT64 well-known prefix
        "64:ff9b::a9fe:a9fe",  # 169.254.169.254, the cloud metadata service
        "64:ff9b:1::10.0.0.1",  # NAT64 local-use prefix
        "64:ff9b:1:ffff::c0a8:101",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2002:c0a8:0101:1::1",  # 6to4 of 192.168.1.1
        "fec0::1",  # site-local
        "feff:ffff::1",
    ],
)
def test_embedded_private_ipv4_and_site_local_are_refused(monkeypatch, address):
    assert not is_public_address(ipaddress.ip_address(address))
    assert address_error(f"http://[{address}]/") == "private_address"
    monkeypatch.setattr(
        "socket.getaddrinfo", lambda host, port, *a, **k: [(10, 1, 6, "", (address, port or 80, 0, 0))]
    )
    assert address_error("http://innocent.example/") == "private_address"


@pytest.mark.parametrize(
    ("address", "inner"),
    [
        ("::8.8.8.8", "8.8.8.8"),
        ("::ffff:0:8.8.8.8", "8.8.8.8"),
        ("64:ff9b::8.8.8.8", "8.8.8.8"),
        ("64:ff9b:1::808:808", "8.8.8.8"),
        ("2002:0808:0808::1", "8.8.8.8"),
    ],
)
def test_embedded_public_ipv4_is_decoded_and_allowed(address, inner):
    ip = ipaddress.ip_address(address)
    assert str(embedded_ipv4(ip)) == inner and is_public_address(ip)


def test_plain_public_ipv6_is_still_public():
    assert is_public_address(ipaddress.ip_address("2001:4860:4860::8888"))
    assert embedded_ipv4(ipaddress.ip_address("2001:4860:4860::8888")) is None
