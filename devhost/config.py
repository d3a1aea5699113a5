"""Host settings: command line plus environment (auth keys, worker pool size, task hub name)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class HostConfig:
    host: str = "127.0.0.1"
    port: int = 7071
    app: str = "function_app"
    db: Path = Path(".devhost/devhost.db")
    time_scale: float = 1.0
    enforce_keys: bool = False
    function_key: str = "local-function-key"
    master_key: str = "local-master-key"
    activity_workers: int = 16
    orchestration_workers: int = 8
    task_hub: str = "DevHostHub"
    clock_file: Path | None = None
    # The extension's RPC endpoint listens on its own loopback port (LocalHttpListener.cs: http://127.0.0.1:17071/
    # durabletask/), never on the public one. With keys enforced the host does the same (devhost/__main__.py);
    # without, the RPC routes are served on the public port too, as everything is open then.
    rpc_port: int | None = None

    @property
    def local_origin(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def rpc_origin(self) -> str:
        """Where the durable client binding's `rpcBaseUrl` points: the loopback RPC listener when there is one."""
        return f"http://127.0.0.1:{self.rpc_port}" if self.rpc_port else self.local_origin

    @classmethod
    def from_env(cls, host: str, port: int, app: str, db: Path, time_scale: float,
                 clock_file: Path | None = None) -> HostConfig:
        env = os.environ
        return cls(
            host=host, port=port, app=app, db=db, time_scale=time_scale, clock_file=clock_file,
            enforce_keys=env.get("DEVHOST_ENFORCE_KEYS", "false").strip().lower() in TRUE,
            function_key=env.get("DEVHOST_FUNCTION_KEY", cls.function_key),
            master_key=env.get("DEVHOST_MASTER_KEY", cls.master_key),
            activity_workers=max(1, int(env.get("DEVHOST_MAX_ACTIVITY_WORKERS", "16"))),
            orchestration_workers=max(1, int(env.get("DEVHOST_MAX_ORCHESTRATION_WORKERS", "8"))),
            task_hub=env.get("TASK_HUB_NAME") or env.get("DEVHOST_TASK_HUB", cls.task_hub))


def key_from(query: dict[str, str], headers: dict[str, str]) -> str | None:
    """The key a caller presents: `code` query parameter or `x-functions-key` header, as on Azure."""
    return query.get("code") or headers.get("x-functions-key")


def is_authorized(config: HostConfig, level: str, presented: str | None) -> bool:
    """Azure's rule: anonymous is open; function accepts a function or master key; admin only the master key."""
    if not config.enforce_keys or level == "anonymous":
        return True
    if level == "admin":
        return presented == config.master_key
    return presented in (config.function_key, config.master_key)
