"""The identity endpoint's last answer in this thread, so that a throttled token request is told apart from a refusal.

azure-identity turns every identity-endpoint answer without a token into `CredentialUnavailableError` /
`ClientAuthenticationError` without the status: MSAL's App Service flow maps any such payload to `invalid_scope`
(`msal/managed_identity.py`, `_obtain_token_on_app_service`) and azure-identity raises on it
(`azure/identity/_internal/msal_managed_identity_client.py`, `_request_token`). The status is still seen by the
credential's azure-core pipeline: `record_answer` is its `raw_response_hook` (azure-core
`azure/core/pipeline/policies/_custom_hook.py`), and the pipeline is synchronous, so the answer is kept per thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IdentityAnswer:
    status: int
    headers: dict[str, str]

    @property
    def is_transient(self) -> bool:
        """429, 408 and 5xx: the IMDS and App Service identity endpoints document them as "retry later"."""
        return self.status in (408, 429) or self.status >= 500


_local = threading.local()


def record_answer(pipeline_response: Any) -> None:
    """`raw_response_hook` of the credential: keep the status and headers of the identity endpoint's answer."""
    http = getattr(pipeline_response, "http_response", None)
    status = getattr(http, "status_code", None)
    if http is not None and isinstance(status, int):
        _local.answer = IdentityAnswer(status, {str(k): str(v) for k, v in dict(http.headers or {}).items()})


def forget_answer() -> None:
    _local.answer = None


def last_answer() -> IdentityAnswer | None:
    """The identity endpoint's last answer in this thread since `forget_answer`, if any."""
    answer: IdentityAnswer | None = getattr(_local, "answer", None)
    return answer
