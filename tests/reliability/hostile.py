"""The battery of malformed and hostile requests (the bad-input part of the reliability suite)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.entra import LocalTenant, new_key

WEBHOOK_SECRET = "test-secret-0123456789abcdef0123456789"  # tests.support.procs.app_env's
# What App Service leaves in INCIDENT_WEBHOOK_SECRET when it cannot resolve the Key Vault reference.
UNRESOLVED_SECRET = "@Microsoft.KeyVault(SecretUri=https://kv-x.vault.azure.net/secrets/incident-webhook-secret)"
UNAVAILABLE = {503}
BAD_REQUEST, FORBIDDEN, UNAUTHORIZED = {400, 422}, {403}, {401}
TOO_BIG = {400, 413}


# Spellings of internal hosts that a plain `ipaddress.ip_address` check lets through.
INTERNAL_SPELLINGS = [
    ("decimal IPv4 loopback", "2130706433"), ("hex IPv4 loopback", "0x7f.1"), ("short IPv4 loopback", "127.1"),
    ("zero address", "0"), ("octal IPv4 loopback", "017700000001"), ("full-width dots", "127\uff0e0\uff0e0\uff0e1"),
    ("Azure WireServer", "168.63.129.16"), ("shared address space", "100.64.0.1"),
    ("IPv4-mapped IPv6 loopback", "[::ffff:127.0.0.1]"), ("NAT64 metadata", "[64:ff9b::a9fe:a9fe]"),
    ("non-ASCII host", "h\u00f6oks.example.com"), ("number-like name", "10.0.0.1.2"),
]
# Refused even with CALLBACK_ALLOW_INSECURE=true.
METADATA_SPELLINGS = [
    ("metadata", "169.254.169.254"), ("WireServer", "168.63.129.16"), ("link-local IPv6", "[fe80::1]"),
    ("decimal metadata", "2852039166"), ("IPv4-mapped metadata", "[::ffff:169.254.169.254]"), ("zero", "0"),
]


@dataclass(frozen=True)
class Case:
    """One hostile request and the 4xx statuses its documentation allows."""

    name: str
    path: str
    body: bytes
    expect: set[int]
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    host_answer: bool = False  # refused by the Functions host itself (a bare 401, as on Azure), not by the app


def sign(timestamp: str, body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    """The incident webhook's documented signature: HMAC-SHA256 over `<timestamp>.<body>`."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _item(vm: str, vault: str) -> str:
    group = vm.split("/providers/")[0]
    return (f"{group}/providers/Microsoft.RecoveryServices/vaults/{vault}/backupFabrics/Azure/protectionContainers/"
            "iaasvmcontainerv2;rg;vm/protectedItems/vm;iaasvmcontainerv2;rg;vm")


def restore_cases(good: dict[str, Any], foreign_vm: str, foreign_storage: str) -> list[Case]:
    """Bad bodies for POST /api/restores; `good` is a valid in-scope request, the foreign IDs are out of scope."""
    def bad(name: str, expect: set[int] = BAD_REQUEST, **changes: Any) -> Case:
        return Case(name, "/api/restores", _json({**good, **changes}), expect)

    vm = good["vmId"]
    deep = b"[" * 100_000 + b"]" * 100_000
    return [
        Case("non-JSON body", "/api/restores", b"restore my vm please", BAD_REQUEST),
        Case("truncated JSON", "/api/restores", b'{"vmId": "/subscriptions/', BAD_REQUEST),
        Case("empty body", "/api/restores", b"", BAD_REQUEST),
        Case("JSON array", "/api/restores", b"[]", BAD_REQUEST),
        Case("JSON string", "/api/restores", b'"restore"', BAD_REQUEST),
        Case("JSON null", "/api/restores", b"null", BAD_REQUEST),
        Case("empty object", "/api/restores", b"{}", BAD_REQUEST),
        Case("deeply nested JSON", "/api/restores", deep, TOO_BIG | BAD_REQUEST),
        Case("oversize body (2 MiB reason)", "/api/restores", _json({**good, "reason": "x" * 2**21}), TOO_BIG),
        bad("vmId wrong type (int)", vmId=12345),
        bad("vmId wrong type (list)", vmId=[vm]),
        bad("crossRegion wrong type", crossRegion="maybe"),
        bad("diskLuns wrong type", diskLuns="0,1"),
        bad("diskLuns out of range", diskLuns=[99]),
        bad("mode unknown", mode="deleteEverything"),
        bad("recoveryPointPolicy unknown", recoveryPointPolicy="oldest"),
        bad("unknown field", dropDatabase=True),
        bad("vmId not a resource ID", vmId="my-vm"),
        bad("vmId truncated", vmId="/subscriptions/11111111-1111-1111-1111-111111111111"),
        bad("vmId path traversal", vmId=vm + "/../../../providers/Microsoft.Compute/disks/x"),
        bad("vmId is a storage account", vmId=good["storageAccountId"]),
        bad("vmId with query string", vmId=vm + "?api-version=2019-05-13"),
        bad("storageAccountId is a VM", storageAccountId=vm),
        bad("before not a time", before="yesterday"),
        bad("maxAge not a duration", maxAge="forever"),
        bad("rehydration days out of range", rehydration={"priority": "Standard", "durationDays": 99}),
        bad("rehydration priority unknown", rehydration={"priority": "Ultra", "durationDays": 15}),
        bad("reason too long", reason="r" * 5000),
        bad("callbackUrl plain http", callbackUrl="http://example.com/hook"),
        bad("callbackUrl loopback", callbackUrl="https://127.0.0.1/hook"),
        bad("callbackUrl private 10/8", callbackUrl="https://10.0.0.5/hook"),
        bad("callbackUrl link-local metadata", callbackUrl="https://169.254.169.254/metadata/identity"),
        bad("callbackUrl localhost", callbackUrl="https://localhost/hook"),
        bad("callbackUrl IPv6 loopback", callbackUrl="https://[::1]/hook"),
        bad("callbackUrl not http", callbackUrl="file:///etc/passwd"),
        *[bad(f"callbackUrl {what}", callbackUrl=f"https://{host}/hook") for what, host in INTERNAL_SPELLINGS],
        bad("crossRegion as the string true with replaceDisks", mode="replaceDisks", storageAccountId=None,
            crossRegion="true"),
        bad("osDiskOnly as 1", osDiskOnly=1),
        bad("vmId with a right-to-left override", vmId=vm + "\u202e"),
        bad("vmId with a NUL", vmId=vm + "\x00"),
        bad("diskEncryptionSetId with KELVIN SIGN for k", diskEncryptionSetId=vm.split("/providers/")[0]
            + "/providers/Microsoft.Compute/dis\u212aEncryptionSets/des"),
        bad("maxAge beyond any retention", maxAge="P999999999D"),
        bad("approval timeout past one day", approval={"required": True, "timeout": "P2D"}),
        bad("approval timeout of years", approval={"required": True, "timeout": "P9999Y"}),
        bad("subnet of a vnet that equals targetVnetId only by Unicode case folding", mode="newVm",
            targetVmName="vm-hostile", targetResourceGroupId=vm.split("/providers/")[0],
            targetVnetId=vm.split("/providers/")[0] + "/providers/Microsoft.Network/virtualNetworks/vnet-\u212aey",
            targetSubnetId=vm.split("/providers/")[0] + "/providers/Microsoft.Network/virtualNetworks/vnet-key"
                                                        "/subnets/default"),
        bad("recoveryPointId of another item", vmId=None, protectedItemId=_item(vm, "vault-a"),
            recoveryPointId=_item(vm, "vault-b") + "/recoveryPoints/1"),
        bad("vmId out of scope", FORBIDDEN, vmId=foreign_vm),
        bad("storageAccountId out of scope", FORBIDDEN, storageAccountId=foreign_storage),
        bad("target resource group out of scope", FORBIDDEN,
            targetResourceGroupId="/subscriptions/99999999-9999-9999-9999-999999999999/resourceGroups/rg-x"),
        bad("unknown subscription", FORBIDDEN,
            vmId="/subscriptions/99999999-9999-9999-9999-999999999999/resourceGroups/rg/providers/"
                 "Microsoft.Compute/virtualMachines/vm"),
        bad("idempotencyKey wrong type", idempotencyKey=42),
        Case("unknown restore status", "/api/restores/does-not-exist", b"", {404}, method="GET"),
        Case("sub-orchestration ID as restore", "/api/restores/x:job", b"", {404}, method="GET"),
        Case("cancel unknown restore", "/api/restores/does-not-exist/cancel", b"", {404}),
    ]


def insecure_callback_cases(good: dict[str, Any]) -> list[Case]:
    """Callback URLs that stay refused when CALLBACK_ALLOW_INSECURE=true (http and loopback pass there)."""
    return [Case(f"insecure mode: callbackUrl {what}", "/api/restores",
                 _json({**good, "callbackUrl": f"http://{host}/hook"}), BAD_REQUEST)
            for what, host in METADATA_SPELLINGS]


def unresolved_secret_cases(good: dict[str, Any]) -> list[Case]:
    """With INCIDENT_WEBHOOK_SECRET = UNRESOLVED_SECRET: the literal reference is no key; the webhook answers 503."""
    path, now = "/api/webhooks/incident", str(int(time.time()))
    body = _json({"incidentId": "INC-hostile-kv", **good})
    headers = {"X-Signature-Timestamp": now, "X-Signature": sign(now, body, UNRESOLVED_SECRET)}
    return [Case("webhook signed with the unresolved Key Vault reference", path, body, UNAVAILABLE, headers=headers),
            Case("webhook unsigned while the secret is unresolved", path, body, UNAVAILABLE)]


def webhook_cases(good: dict[str, Any], foreign_vm: str) -> list[Case]:
    """Unsigned, badly signed, stale and replayed requests to the incident webhook, and signed bad bodies."""
    path, now = "/api/webhooks/incident", str(int(time.time()))
    body = _json({"incidentId": "INC-hostile-1", **good})
    stale = str(int(time.time()) - 3600)

    def signed(name: str, raw: bytes, expect: set[int], ts: str = now, sig: str | None = None,
               query: str = "") -> Case:
        headers = {"X-Signature-Timestamp": ts, "X-Signature": sig or sign(ts, raw), "Content-Type": "application/json"}
        return Case(name, path + query, raw, expect, headers=headers)

    alert = _json({"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {
        "alertId": "/subscriptions/x/providers/Microsoft.AlertsManagement/alerts/hostile-1",
        "monitorCondition": "Fired",
        "alertTargetIDs": [good["vmId"]]}}})

    return [
        Case("webhook without signature", path, body, UNAUTHORIZED),
        signed("webhook signature of another body", body, UNAUTHORIZED, sig=sign(now, b"{}")),
        signed("webhook signed with the wrong secret", body, UNAUTHORIZED, sig=sign(now, body, "guess")),
        signed("webhook signature not hex", body, UNAUTHORIZED, sig="sha256=zz-not-hex"),
        signed("webhook replayed an hour later", body, UNAUTHORIZED, ts=stale, sig=sign(stale, body)),
        signed("webhook signature replayed with a new timestamp", body, UNAUTHORIZED, sig=sign(stale, body)),
        signed("webhook timestamp not a number", body, UNAUTHORIZED, ts="yesterday", sig=sign("yesterday", body)),
        signed("webhook signed non-JSON", b"<alert/>", BAD_REQUEST),
        signed("webhook signed body without a VM", _json({"incidentId": "INC-hostile-2"}), BAD_REQUEST),
        signed("webhook signed body, unsigned query mode=replaceDisks", body, BAD_REQUEST, query="?mode=replaceDisks"),
        signed("webhook signed body, unsigned query callbackUrl", body, BAD_REQUEST,
               query="?callbackUrl=https%3A%2F%2Fattacker.example%2Fhook"),
        signed("webhook signed alert, unsigned query options", alert, BAD_REQUEST,
               query="?mode=replaceDisks&storageAccountId=x"),
        signed("webhook signed out-of-scope VM", _json({"incidentId": "INC-hostile-3", **good, "vmId": foreign_vm}),
               FORBIDDEN | BAD_REQUEST),
    ]


def entra_cases(good: dict[str, Any], tenant: LocalTenant) -> list[Case]:
    """Bearer tokens an Azure Monitor secure webhook did not send (the stack accepts `tenant`'s tokens): all 401."""
    path = "/api/webhooks/incident"
    alert = _json({"schemaId": "azureMonitorCommonAlertSchema", "data": {"essentials": {
        "alertId": "/subscriptions/x/providers/Microsoft.AlertsManagement/alerts/hostile-entra",
        "monitorCondition": "Fired", "alertTargetIDs": [good["vmId"]]}}})
    now = int(time.time())
    tokens = [
        ("another audience", tenant.token(aud="api://another-app")),
        ("another issuer", tenant.token(iss="https://login.microsoftonline.com/"
                                             "0b6c8a3e-1111-4222-8333-444455556666/v2.0")),
        ("another tenant's tid", tenant.token(tid="0b6c8a3e-1111-4222-8333-444455556666")),
        ("another application (azp)", tenant.token(azp="00000000-1111-2222-3333-444444444444")),
        ("v1 token of another application (appid)", tenant.token(azp=None, appid="00000000-1111-2222-3333-4444")),
        ("expired", tenant.token(exp=now - 3600, iat=now - 7200)),
        ("signed by an unpublished key", tenant.token(key=new_key(), kid="not-published")),
        ("signed by another key under the tenant's kid", tenant.token(key=new_key())),
        ("alg none", tenant.unsigned_token()),
        ("not a JWT", "definitely-not-a-token"),
    ]
    generic = _json({"incidentId": "INC-hostile-entra", **good, "mode": "replaceDisks"})
    return [*[Case(f"webhook bearer token: {what}", path, alert, UNAUTHORIZED,
                   headers={"Authorization": f"Bearer {token}"}) for what, token in tokens],
            Case("webhook valid bearer token with a generic body choosing replaceDisks", path, generic, BAD_REQUEST,
                 headers={"Authorization": f"Bearer {tenant.token()}"})]


def alias_key_cases(order: dict[str, Any], function_key: str) -> list[Case]:
    """With keys enforced: the durable API and its RPC alias on the public port take the master key only."""
    body = _json(order)
    cases = []
    for route in ("/durabletask/orchestrators/restore_vm/hostile-alias",
                  "/runtime/webhooks/durabletask/orchestrators/restore_vm/hostile-webhook"):
        for what, key in (("a function key", function_key), ("a wrong key", "guess")):
            cases.append(Case(f"durable start at {route.split('/orchestrators')[0]} with {what}", route, body,
                              UNAUTHORIZED, headers={"x-functions-key": key}, host_answer=True))
    cases.append(Case("durable instance list at the RPC alias with a function key", "/durabletask/instances/",
                      b"", UNAUTHORIZED, method="GET", headers={"x-functions-key": function_key}, host_answer=True))
    return cases
