"""What reached Azure: the emulator's request log and job list, and the checks every e2e scenario makes on them.

The expected restore body is derived here from the public request, on its own: the mapping is the contract's
(docs/api.md; DOC-R in /work/shared/azure-backup-api/README.md), written again rather than taken from
`restore/body.py`, so a bug there cannot hide itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

RECOVERY_TYPES = {"restoreDisks": "RestoreDisks", "replaceDisks": "OriginalLocation", "newVm": "AlternateLocation"}
CRR_TRIGGER = "/backupcrossregionrestore"


def _bare(path: str) -> str:
    return path.split("?", 1)[0].rstrip("/").lower()


@dataclass(frozen=True)
class RestorePost:
    """One restore trigger the service received: the primary `…/recoveryPoints/{rp}/restore` or the cross-region
    `…/locations/{region}/backupCrossRegionRestore`."""

    entry: dict[str, Any]

    @property
    def cross_region(self) -> bool:
        return _bare(self.entry["path"]).endswith(CRR_TRIGGER)

    @property
    def restore(self) -> dict[str, Any]:
        """The `IaasVMRestoreRequest` it carried (the `properties`, or the CRR `restoreRequest`)."""
        body = self.entry.get("body") or {}
        return dict(body.get("restoreRequest" if self.cross_region else "properties") or {})

    @property
    def access_details(self) -> dict[str, Any]:
        return dict((self.entry.get("body") or {}).get("crossRegionRestoreAccessDetails") or {})


class AzureLog:
    """The emulator's admin API: `GET /_emulator/requests` (ARM requests, bodies redacted) and `/_emulator/jobs`."""

    def __init__(self, emulator_url: str) -> None:
        self.url = emulator_url

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        """ARM requests with `seq` > `since`, in arrival order."""
        response = requests.get(f"{self.url}/_emulator/requests", timeout=10)
        assert response.status_code == 200, response.text
        return [e for e in response.json()["requests"] if e["seq"] > since]

    def mark(self) -> int:
        """The last `seq` so far: pass it as `since` to see only what comes after."""
        return max((e["seq"] for e in self.requests()), default=0)

    def restore_posts(self, vm_id: str | None = None, since: int = 0) -> list[RestorePost]:
        """Restore triggers that reached the service (not those an injected fault answered), of `vm_id` if given."""
        posts = [RestorePost(e) for e in self.requests(since) if e["method"] == "POST" and not e.get("fault")
                 and (_bare(e["path"]).endswith("/restore") or _bare(e["path"]).endswith(CRR_TRIGGER))]
        if vm_id is None:
            return posts
        return [p for p in posts if str(p.restore.get("sourceResourceId", "")).lower() == vm_id.lower()]

    def cancel_posts(self, job_id: str, since: int = 0) -> list[dict[str, Any]]:
        """`POST …/backupJobs/{job}/cancel` requests (JobCancellations_Trigger) that reached the service."""
        suffix = f"/backupjobs/{job_id}/cancel".lower()
        return [e for e in self.requests(since) if e["method"] == "POST" and _bare(e["path"]).endswith(suffix)
                and not e.get("fault")]

    def jobs(self) -> dict[str, dict[str, Any]]:
        """Every job the emulator holds (primary and CRR), by name."""
        response = requests.get(f"{self.url}/_emulator/jobs", timeout=10)
        assert response.status_code == 200, response.text
        return {str(job["name"]): job for job in response.json()["jobs"]}

    def restore_jobs(self) -> dict[str, dict[str, Any]]:
        """The restore jobs (primary `Restore`, `CrossRegionRestore`), not the seed's backup jobs."""
        return {name: job for name, job in self.jobs().items()
                if job["properties"].get("operation") in ("Restore", "CrossRegionRestore")}

    def job_status(self, job_id: str) -> str:
        jobs = self.jobs()
        assert job_id in jobs, f"job {job_id} is not one the service ran: {sorted(jobs)}"
        return str(jobs[job_id]["properties"]["status"])


def expected_restore(request: dict[str, Any]) -> dict[str, Any]:
    """The fields of `IaasVMRestoreRequest` a public restore request fixes, None where the body must not set one."""
    mode = request.get("mode", "restoreDisks")
    identity = request.get("restoreIdentityId")
    luns = [] if request.get("osDiskOnly") else request.get("diskLuns")
    fields: dict[str, Any] = {
        "objectType": "IaasVMRestoreWithRehydrationRequest" if request.get("rehydration") else "IaasVMRestoreRequest",
        "recoveryType": RECOVERY_TYPES[mode],
        "restoreDiskLunList": luns,
        "storageAccountId": None if identity else request.get("storageAccountId"),
        "zones": request.get("zones"),
        "identityInfo": {"isSystemAssignedIdentity": False, "managedIdentityResourceId": identity} if identity
        else None,
        "identityBasedRestoreDetails": {"targetStorageAccountId": request["storageAccountId"]}
        if identity and request.get("storageAccountId") else None,
    }
    if mode == "replaceDisks":  # the original VM: no target fields (DOC-R "Replace disks")
        return {**fields, "targetResourceGroupId": None, "targetVirtualMachineId": None, "subnetId": None,
                "virtualNetworkId": None}
    fields["targetResourceGroupId"] = request.get("targetResourceGroupId")
    if mode == "newVm":
        fields |= {"targetVirtualMachineId": f"{request['targetResourceGroupId']}/providers/Microsoft.Compute/"
                                             f"virtualMachines/{request['targetVmName']}",
                   "subnetId": request.get("targetSubnetId"), "virtualNetworkId": request.get("targetVnetId")}
    else:
        fields |= {"targetVirtualMachineId": None, "subnetId": None, "virtualNetworkId": None}
    rehydration = request.get("rehydration")
    if rehydration:
        fields["recoveryPointRehydrationInfo"] = {"rehydrationPriority": rehydration.get("priority", "Standard"),
                                                  "rehydrationRetentionDuration":
                                                      f"P{rehydration.get('durationDays', 15)}D"}
    return fields


def mismatches(post: RestorePost, request: dict[str, Any], recovery_point: str | None = None,
               vm_id: str | None = None) -> dict[str, Any]:
    """Field → (sent, expected) for every field of the body that does not match the request (`vm_id`: the VM when
    the request names it by its protected item only)."""
    sent = post.restore
    vm_id = vm_id or request["vmId"]
    expected = expected_restore(request)
    if recovery_point is not None:
        expected["recoveryPointId"] = recovery_point
    wrong = {}
    for name, want in expected.items():
        got = sent.get(name)
        if name == "identityBasedRestoreDetails" and isinstance(got, dict):
            got = {k: v for k, v in got.items() if k != "objectType"}
        if _norm(got) != _norm(want):
            wrong[name] = (got, want)
    if str(sent.get("sourceResourceId", "")).lower() != vm_id.lower():
        wrong["sourceResourceId"] = (sent.get("sourceResourceId"), vm_id)
    if post.cross_region != bool(request.get("crossRegion")):
        wrong["crossRegion"] = (post.cross_region, bool(request.get("crossRegion")))
    if post.cross_region and post.access_details.get("accessTokenString") != "***":
        wrong["accessTokenString"] = ("not redacted", "***")
    return wrong


def _norm(value: Any) -> Any:
    """ARM IDs compare case-insensitively; an empty list of zones is as absent as None."""
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def assert_one_restore(log: AzureLog, request: dict[str, Any], result: dict[str, Any] | None = None,
                       since: int = 0, vm_id: str | None = None) -> RestorePost:
    """Exactly one restore POST of the request's VM reached Azure, carrying what the request asked for (and the
    recovery point the result names)."""
    vm_id = vm_id or request["vmId"]
    posts = log.restore_posts(vm_id, since)
    assert len(posts) == 1, f"{len(posts)} restore POSTs of {vm_id} reached Azure, not one: " \
                            f"{[p.entry['path'] for p in posts]}"
    point = (result or {}).get("recoveryPoint") or {}
    wrong = mismatches(posts[0], request, point.get("name"), vm_id)
    assert wrong == {}, f"the restore POST does not match the request (sent, expected): {wrong}"
    return posts[0]


def assert_job_ended(log: AzureLog, result: dict[str, Any], status: str) -> None:
    """The job the API reports is the service's, and it ended as the API says."""
    assert result.get("jobId"), f"no job ID in {result}"
    assert log.job_status(str(result["jobId"])) == status


def assert_cancelled_in_azure(log: AzureLog, job_id: str, since: int = 0) -> None:
    """A cancel POST for the job reached Azure and the service's job is `Cancelled`."""
    assert len(log.cancel_posts(job_id, since)) == 1, f"cancel POSTs of {job_id}: {log.cancel_posts(job_id, since)}"
    assert log.job_status(job_id) == "Cancelled"
