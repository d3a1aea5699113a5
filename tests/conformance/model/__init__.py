"""An independent model of how the Durable Functions extension runs a Python orchestrator on Azure Storage.

Written from the sources, not from `devhost/` (it imports nothing of it): `dotnet` (the Task semantics DTFx relies
on), `dtfx` (DurableTask.Core's context, retry interceptor and executor), `extension` (the orchestration context
and the out-of-process shim), `backend` (Azure Storage queues, instances and the HTTP API), `worker` (the Python
worker's call into the SDK).
"""
