from __future__ import annotations

import pytest

from azbackup.errors import UnsafeUrlError
from azbackup.urlguard import check_url

ARM = "https://management.azure.com"


@pytest.mark.parametrize(
    "url",
    [
        "https://management.azure.com/subscriptions/x/operationsStatus/1?api-version=2017-07-01",
        "https://MANAGEMENT.azure.com/subscriptions/x",
        "https://management.azure.com:443/subscriptions/x",
        "https://centraluseuap.management.azure.com/subscriptions/x/backupCrrOperationsStatus/y?api-version=1",
    ],
)
def test_arm_and_regional_arm_hosts_are_allowed(url: str) -> None:
    assert check_url(url, ARM) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://management.azure.com/subscriptions/x",
        "https://management.azure.com.evil.com/x",
        "https://evilmanagement.azure.com/x",
        "https://a.b.management.azure.com/x",
        "https://management.azure.com@evil.com/x",
        "https://user:pw@management.azure.com/x",
        "https://management.azure.com:8443/x",
        "https://storage.blob.core.windows.net/x?sig=secret",
        "https://evil.com\\@management.azure.com/x",
        "https://management.azure.com/x y",
        "//management.azure.com/x",
        "/subscriptions/x",
        "ftp://management.azure.com/x",
        "https://management.azure.com:abc/x",
        "",
    ],
)
def test_foreign_or_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        check_url(url, ARM)


def test_loopback_emulator_requires_same_port() -> None:
    arm = "http://127.0.0.1:7072"
    assert check_url("http://127.0.0.1:7072/subscriptions/x", arm)
    with pytest.raises(UnsafeUrlError):
        check_url("http://127.0.0.1:7073/subscriptions/x", arm)
    with pytest.raises(UnsafeUrlError):
        check_url("http://1.127.0.0.1:7072/subscriptions/x", arm)


def test_sovereign_cloud_endpoint_admits_its_own_regional_hosts_only() -> None:
    arm = "https://management.usgovcloudapi.net/"
    assert check_url("https://usgovvirginia.management.usgovcloudapi.net/x", arm)
    with pytest.raises(UnsafeUrlError):
        check_url("https://management.azure.com/x", arm)


def test_refusal_message_names_host_but_not_query() -> None:
    with pytest.raises(UnsafeUrlError) as caught:
        check_url("https://evil.example/x?sig=topsecret", ARM)
    assert "evil.example" in str(caught.value)
    assert "topsecret" not in str(caught.value)
