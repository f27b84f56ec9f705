"""The SSRF guard (issue 17, part 4): every spelling of a non-public address is refused, by default,
at save time for address literals and on the resolved addresses when sent; the allow-list admits
what an administrator names."""

from __future__ import annotations

import ipaddress

import pytest

from notifier.webhooks.addresses import AddressPolicy, literal_address, url_refusal

REFUSED = [
    ("http://127.0.0.1/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://2130706433/", "loopback"),
    ("http://0177.0.0.1/", "loopback"),
    ("http://0x7f.0.0.1/", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://017700000001/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "IPv6 spelling"),
    ("http://[::ffff:7f00:1]/", "IPv6 spelling"),
    ("http://[2002:7f00:1::]/", "IPv6 spelling"),
    ("http://10.0.0.1/", "private"),
    ("http://172.16.5.4:8080/hook", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://0251.0376.0251.0376/", "link-local"),
    ("http://[fe80::1%25eth0]/", "link-local"),
    ("http://[fd12:3456::1]/", "unique-local"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://100.64.0.1/", "not a public address"),
    ("http://198.18.0.1/", "private"),
    ("http://240.0.0.1/", "private"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_every_spelling_of_a_non_public_address_is_refused(url: str, reason: str) -> None:
    refusal = url_refusal(url, AddressPolicy())
    assert refusal is not None and reason in refusal, refusal


@pytest.mark.parametrize(
    "url", ["https://93.184.215.14/hook", "https://[2606:4700::1111]/", "https://hooks.example.com/x"]
)
def test_public_addresses_and_host_names_pass_at_save_time(url: str) -> None:
    assert url_refusal(url, AddressPolicy()) is None


def test_the_allow_list_admits_the_networks_it_names_and_nothing_beside() -> None:
    policy = AddressPolicy.from_setting(["127.0.0.1/32", " 10.20.0.0/16 ", ""])
    assert url_refusal("http://127.0.0.1:9000/", policy) is None
    assert url_refusal("http://2130706433/", policy) is None  # the same address, spelled otherwise
    assert url_refusal("http://10.20.3.4/", policy) is None
    assert url_refusal("http://127.0.0.2/", policy) is not None
    assert url_refusal("http://10.21.0.1/", policy) is not None


@pytest.mark.parametrize(
    ("host", "address"),
    [("0x7f.1", "127.0.0.1"), ("3232235777", "192.168.1.1"), ("[::1]", "::1"), ("example.com", None)],
)
def test_literal_addresses_are_read_as_a_resolver_reads_them(host: str, address: str | None) -> None:
    expected = ipaddress.ip_address(address) if address else None
    assert literal_address(host) == expected
