"""A local stand-in for a Microsoft Entra tenant: its published key set on 127.0.0.1 and tokens signed by it.

The key set is served where Entra publishes it, `/{tenant}/discovery/v2.0/keys`, so the app is configured with
`INCIDENT_AAD_AUTHORITY=<url>` exactly as with the real authority host. Tokens carry the claims an Azure Monitor
action group's secure webhook token carries (v2.0: `azp`; v1.0: `appid`).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

TENANT = "72f988bf-0000-4000-8000-0000000000aa"
AUDIENCE = "api://vm-restore-incident"
AZURE_MONITOR_APP_ID = "461e8683-5575-4561-ac7f-899cc907d62a"  # independent of triggers/entra.py on purpose


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class LocalTenant:
    """Serves the tenant's key set; `token(...)` signs a token with its key (or another, to test refusals)."""

    tenant_id: str = TENANT
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    requests: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def authority(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return f"{self.authority}/{self.tenant_id}/v2.0"

    def settings(self, audience: str = AUDIENCE) -> dict[str, str]:
        """The app settings that make the incident webhook accept this tenant's tokens."""
        return {"INCIDENT_AAD_TENANT_ID": self.tenant_id, "INCIDENT_AAD_AUDIENCE": audience,
                "INCIDENT_AAD_AUTHORITY": self.authority}

    def key_set(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "kty": "RSA"}]}

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {"aud": AUDIENCE, "iss": self.issuer, "tid": self.tenant_id, "azp": AZURE_MONITOR_APP_ID,
                "iat": now, "nbf": now, "exp": now + 3600, "sub": uuid.uuid4().hex, "ver": "2.0"}
        return {k: v for k, v in {**base, **changes}.items() if v is not None}

    def token(self, key: rsa.RSAPrivateKey | None = None, kid: str | None = None, **changes: Any) -> str:
        """An RS256 token; `changes` replace claims (None drops one)."""
        return jwt.encode(self.claims(**changes), key or self.key, algorithm="RS256",
                          headers={"kid": kid or self.kid})

    def unsigned_token(self, **changes: Any) -> str:
        """`alg: none` with the right claims: must never be accepted."""
        def part(value: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
        return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': self.kid})}.{part(self.claims(**changes))}."

    def __enter__(self) -> LocalTenant:
        tenant = self
        keys_path = f"/{self.tenant_id}/discovery/v2.0/keys"

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                tenant.requests.append(self.path)
                body = json.dumps(tenant.key_set()).encode() if self.path == keys_path else b"{}"
                self.send_response(200 if self.path == keys_path else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
