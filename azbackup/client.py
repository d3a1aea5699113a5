"""The Azure Backup ARM client: one method per REST operation a VM restore needs. Never sleeps on a 202."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ValidationError

from azbackup import ids, resources
from azbackup.config import ClientConfig
from azbackup.errors import ResponseError
from azbackup.identity import record_answer
from azbackup.models_common import (
    ResourceGroup,
    TaggedResource,
    TaggedResourceList,
    TrackedResource,
    TrackedResourceList,
)
from azbackup.models_crr import (
    AadProperties,
    BackupStatus,
    CrossRegionRestoreRequest,
    CrrAccessToken,
    CrrAccessTokenResource,
    CrrJobRequest,
    ProtectedItem,
    ProtectedItemList,
)
from azbackup.models_job import Job, JobList
from azbackup.models_restore import (
    BackupStatusRequest,
    IaasVmRestoreRequest,
    RestoreRequestResource,
    ValidateIaasVmRestoreOperationRequest,
    ValidateOperationRequest,
    ValidateOperationsResponse,
    ValidationResult,
)
from azbackup.models_rp import RecoveryPoint, RecoveryPointList
from azbackup.polling import (
    OperationState,
    TrackedOperation,
    has_retry_after,
    parse_retry_after,
    state_from_response,
    tracking_from_headers,
)
from azbackup.transport import ArmTransport, TokenCredential
from azbackup.urlguard import check_url

M = TypeVar("M", bound=BaseModel)

_PATH_SAFE = "/;:@!$&'()*+,=-._~"
_MAX_PAGES = 1000
_PROVIDER = "providers/Microsoft.RecoveryServices"
# Stable api-versions of the two resource GETs the client makes outside Azure Backup (region lookups).
VM_API_VERSION = "2024-07-01"
VAULT_API_VERSION = "2024-04-01"
# Microsoft.Resources `Resources_ListByResourceGroup` and `ResourceGroups_Get`
# (specification/resources/.../stable/2021-04-01/resources.json).
RESOURCES_API_VERSION = "2021-04-01"
_PAGE_MODELS = RecoveryPointList | JobList | ProtectedItemList | TrackedResourceList | TaggedResourceList


def _default_credential(config: ClientConfig) -> TokenCredential:
    from azure.identity import DefaultAzureCredential  # imported late: slow, and not needed in tests

    if config.managed_identity_client_id:
        return DefaultAzureCredential(managed_identity_client_id=config.managed_identity_client_id,
                                      raw_response_hook=record_answer)
    return DefaultAzureCredential(raw_response_hook=record_answer)


def _parse(model: type[M], response: requests.Response) -> M:
    try:
        return model.model_validate(response.json())
    except (ValueError, ValidationError) as exc:
        raise ResponseError(
            response.status_code,
            "InvalidResponseBody",
            f"could not read {model.__name__} from the response",
            request_id=response.headers.get("x-ms-request-id"),
        ) from exc


class BackupClient:
    """Azure Backup (Recovery Services) REST client for Azure VM restores.

    All methods raise `azbackup.errors.BackupError` subclasses (`ResponseError`, `TransportError`,
    `UnsafeUrlError`, `AuthenticationError`, `InvalidResourceIdError`).
    """

    def __init__(
        self,
        config: ClientConfig,
        credential: TokenCredential | None = None,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._base = config.arm_endpoint.rstrip("/")
        self._http = ArmTransport(
            config, credential or _default_credential(config), session or requests.Session(), sleep
        )

    # -- plumbing ---------------------------------------------------------------------------------------------

    def _url(self, path: str, *, crr: bool = False, filter: str | None = None) -> str:
        version = self.config.crr_api_version if crr else self.config.api_version
        url = f"{self._base}{quote(path, safe=_PATH_SAFE)}?api-version={quote(version, safe='')}"
        if filter:
            url += f"&$filter={quote(filter, safe='')}"
        return url

    def _location(self, subscription: str, region: str) -> str:
        sub = ids.subscription_of(subscription)
        return f"/subscriptions/{sub}/{_PROVIDER}/locations/{ids.check_segment('region', region.lower())}"

    def _tracked(self, response: requests.Response) -> TrackedOperation:
        cfg = self.config
        return tracking_from_headers(response.headers, cfg.retry_after_default, cfg.retry_after_max)

    def _paged(
        self, model: type[_PAGE_MODELS], method: str, url: str, body: Mapping[str, Any] | None
    ) -> Iterator[Any]:
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            page = _parse(model, self._http.request(method, url, body=body))
            yield from page.value
            if not page.next_link or page.next_link in seen:
                return
            seen.add(page.next_link)
            # nextLink is followed as-is with GET (as the azure SDK does, also for POST lists), only on ARM.
            url, method, body = check_url(page.next_link, self.config.arm_endpoint), "GET", None

    # -- resource lookups -------------------------------------------------------------------------------------

    def get_resource_location(self, resource_id: str) -> str:
        """The region of a VM or vault (`VirtualMachines_Get` / `Vaults_Get`, only `location` is read).

        Raises:
            InvalidResourceIdError: the ID is neither a VM nor a Recovery Services vault.
        """
        version = VM_API_VERSION if "/virtualmachines/" in resource_id.lower() else VAULT_API_VERSION
        if version == VM_API_VERSION:
            ids.parse_vm_id(resource_id)
        else:
            ids.parse_vault_id(resource_id)
        url = f"{self._base}{quote(resource_id, safe=_PATH_SAFE)}?api-version={version}"
        body = _parse(TrackedResource, self._http.request("GET", url))
        return body.location.lower().replace(" ", "")

    def get_location_from_arm(self, resource_id: str) -> str | None:
        """The region of a vault or VM as ARM's own resource list has it (`Resources_ListByResourceGroup`, filtered
        on the resource type): ARM answers it from its replicated metadata, not the resource's provider, so it works
        while the resource's region is down. None when the group lists no such resource.

        Raises:
            InvalidResourceIdError: the ID is neither a VM nor a Recovery Services vault.
        """
        parsed: ids.VmId | ids.VaultId
        if "/virtualmachines/" in resource_id.lower():
            parsed, kind = ids.parse_vm_id(resource_id), "Microsoft.Compute/virtualMachines"
        else:
            parsed, kind = ids.parse_vault_id(resource_id), "Microsoft.RecoveryServices/vaults"
        group = ids.resource_group_id(parsed.subscription_id, parsed.resource_group)
        query = quote(f"resourceType eq '{kind}'", safe="")
        url = f"{self._base}{quote(group, safe=_PATH_SAFE)}/resources?api-version={RESOURCES_API_VERSION}" \
              f"&$filter={query}"
        for resource in self._paged(TrackedResourceList, "GET", url, None):
            if (resource.id or "").lower() == parsed.id.lower():
                return str(resource.location).lower().replace(" ", "")
        return None

    def list_vms(self, resource_group_id: str) -> list[TaggedResource]:
        """The VMs of a resource group with their tags (`VirtualMachines_List`, every `nextLink`: azure-rest-api-specs
        `specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2024-07-01/virtualMachine.json`).

        Raises:
            InvalidResourceIdError: the ID is not a resource group.
        """
        sub, group = ids.parse_resource_group_id(resource_group_id)
        path = f"{ids.resource_group_id(sub, group)}/providers/Microsoft.Compute/virtualMachines"
        url = f"{self._base}{quote(path, safe=_PATH_SAFE)}?api-version={VM_API_VERSION}"
        return list(self._paged(TaggedResourceList, "GET", url, None))

    def get_resource_group_tags(self, vm_id: str) -> dict[str, str]:
        """The tags of the resource group that holds (or held) a VM (`ResourceGroups_Get`).

        Raises:
            InvalidResourceIdError: not a VM ID; NotFoundError: the group is gone (`ResourceGroupNotFound`).
        """
        vm = ids.parse_vm_id(vm_id)
        group = ids.resource_group_id(vm.subscription_id, vm.resource_group)
        url = f"{self._base}{quote(group, safe=_PATH_SAFE)}?api-version={RESOURCES_API_VERSION}"
        return dict(_parse(ResourceGroup, self._http.request("GET", url)).tags)

    def list_group_resources(self, group_id: str, filter: str) -> list[TrackedResource]:
        """Resources_ListByResourceGroup with an OData `$filter` (every `nextLink`)."""
        query = quote(filter, safe="")
        url = f"{self._base}{quote(group_id, safe=_PATH_SAFE)}/resources?api-version={RESOURCES_API_VERSION}" \
              f"&$filter={query}"
        return list(self._paged(TrackedResourceList, "GET", url, None))

    def list_vaults(self, subscription_id: str) -> list[TrackedResource]:
        """The Recovery Services vaults of a subscription (`Vaults_ListBySubscriptionId`, every `nextLink`)."""
        sub = ids.subscription_of(subscription_id)
        url = f"{self._base}/subscriptions/{sub}/{_PROVIDER}/vaults?api-version={VAULT_API_VERSION}"
        return list(self._paged(TrackedResourceList, "GET", url, None))

    def get_arm_resource(self, resource_id: str, expand: str | None = None) -> dict[str, Any]:
        """GET a VM, disk, NIC or blob container (the api-version its type needs, `azbackup/resources.py`).

        Raises: InvalidResourceIdError (another type), NotFoundError (gone), other `BackupError`s.
        """
        url = f"{self._base}{quote(resource_id, safe=_PATH_SAFE)}?api-version={resources.api_version_of(resource_id)}"
        if expand:
            url += f"&$expand={quote(expand, safe='')}"
        body = self._http.request("GET", url).json()
        return body if isinstance(body, dict) else {}

    def delete_arm_resource(self, resource_id: str) -> int:
        """DELETE a VM, disk, NIC or blob container; the status (200/202: deleted or deleting, 204: was not there).

        Raises: InvalidResourceIdError (another type), other `BackupError`s (a 409 while a disk is attached, ...).
        """
        url = f"{self._base}{quote(resource_id, safe=_PATH_SAFE)}?api-version={resources.api_version_of(resource_id)}"
        return self._http.request("DELETE", url).status_code

    # -- primary region ---------------------------------------------------------------------------------------

    def get_backup_status(self, region: str, vm_id: str) -> BackupStatus:
        """Whether a VM is protected and by which vault/container/item (`BackupStatus_Get`)."""
        vm = ids.parse_vm_id(vm_id)
        url = self._url(f"{self._location(vm.subscription_id, region)}/backupStatus")
        body = BackupStatusRequest(resource_id=vm_id).to_wire()
        return _parse(BackupStatus, self._http.request("POST", url, body=body))

    def get_protected_item(self, item_id: str) -> ProtectedItem:
        """A protected item (`ProtectedItems_Get`)."""
        ids.parse_protected_item_id(item_id)
        return _parse(ProtectedItem, self._http.request("GET", self._url(item_id)))

    def list_protected_items(self, vault_id: str, filter: str | None = None) -> list[ProtectedItem]:
        """The protected items of a vault (`BackupProtectedItems_List`, every `nextLink`)."""
        vault = ids.parse_vault_id(vault_id)
        return list(self._paged(ProtectedItemList, "GET", self._url(f"{vault.id}/backupProtectedItems",
                                                                     filter=filter), None))

    def list_recovery_points(self, item_id: str, filter: str | None = None, crr: bool = False) -> list[RecoveryPoint]:
        """All recovery points of an item, every `nextLink` followed (`RecoveryPoints_List` / `...Crr_List`)."""
        ids.parse_protected_item_id(item_id)
        url = self._url(f"{item_id}/recoveryPoints", crr=crr, filter=filter)
        return list(self._paged(RecoveryPointList, "GET", url, None))

    def get_recovery_point(self, item_id: str, rp_name: str, crr: bool = False) -> RecoveryPoint:
        """One recovery point (`RecoveryPoints_Get` / `RecoveryPointsCrr_Get`)."""
        rp = ids.recovery_point_id(
            ids.parse_protected_item_id(item_id).id, ids.check_segment("recoveryPoints", rp_name)
        )
        url = self._url(rp, crr=crr)
        return _parse(RecoveryPoint, self._http.request("GET", url))

    def _validate_body(self, rp_id: str, body: IaasVmRestoreRequest) -> dict[str, Any]:
        ids.parse_recovery_point_id(rp_id)
        props = ValidateIaasVmRestoreOperationRequest(restore_request=body)
        return ValidateOperationRequest(id=rp_id, properties=props).to_wire()

    def validate_restore(self, vault_id: str, rp_id: str, body: IaasVmRestoreRequest) -> list[ValidationResult]:
        """Problems the service finds with a restore request; empty means valid (`Operation_Validate`)."""
        url = self._url(f"{ids.parse_vault_id(vault_id).id}/backupValidateOperation")
        response = self._http.request("POST", url, body=self._validate_body(rp_id, body))
        return _parse(ValidateOperationsResponse, response).results

    def trigger_validate_restore(self, vault_id: str, rp_id: str, body: IaasVmRestoreRequest) -> TrackedOperation:
        """Start an asynchronous validation (`ValidateOperation_Trigger`)."""
        url = self._url(f"{ids.parse_vault_id(vault_id).id}/backupTriggerValidateOperation")
        return self._tracked(self._http.request("POST", url, body=self._validate_body(rp_id, body)))

    def trigger_restore(
        self, item_id: str, rp_name: str, body: IaasVmRestoreRequest, auxiliary_token: str | None = None,
        auxiliary_tenant_id: str | None = None,
    ) -> TrackedOperation:
        """Start a restore (`Restores_Trigger`); returns where to follow it.

        `auxiliary_token` (or one fetched here for `auxiliary_tenant_id`, so it never leaves the client) goes in
        `x-ms-authorization-auxiliary` for a vault protected by a Resource Guard in another tenant.
        """
        if auxiliary_tenant_id and not auxiliary_token:
            auxiliary_token = self._http.auxiliary_token(auxiliary_tenant_id)
        rp = ids.recovery_point_id(
            ids.parse_protected_item_id(item_id).id, ids.check_segment("recoveryPoints", rp_name)
        )
        headers = {"x-ms-authorization-auxiliary": f"Bearer {auxiliary_token}"} if auxiliary_token else None
        payload = RestoreRequestResource(properties=body).to_wire()
        response = self._http.request(
            "POST", self._url(f"{rp}/restore"), body=payload, headers=headers, secrets=(auxiliary_token,)
        )
        return self._tracked(response)

    def get_operation(self, url: str) -> OperationState:
        """Where a tracked operation stands, from its status URL or result URL (followed as received, ARM only).

        Raises:
            UnsafeUrlError: the URL is not on the ARM endpoint; nothing was sent.
        """
        response = self._http.request("GET", check_url(url, self.config.arm_endpoint))
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                body = None
        cfg = self.config
        return state_from_response(
            response.status_code, body, response.headers, cfg.retry_after_default, cfg.retry_after_max
        )

    def get_job(self, vault_id: str, job_id: str) -> Job:
        """A backup job (`JobDetails_Get`)."""
        return self.read_job(vault_id, job_id)[0]

    def read_job(self, vault_id: str, job_id: str) -> tuple[Job, int | None]:
        """A backup job (`JobDetails_Get`) and the `Retry-After` its answer named, if any (a poller's floor)."""
        url = self._url(f"{ids.parse_vault_id(vault_id).id}/backupJobs/{ids.check_segment('backupJobs', job_id)}")
        return self._read_job(self._http.request("GET", url))

    def _read_job(self, response: requests.Response) -> tuple[Job, int | None]:
        cfg = self.config
        wait = (parse_retry_after(response.headers, cfg.retry_after_default, cfg.retry_after_max)
                if has_retry_after(response.headers) else None)
        return _parse(Job, response), wait

    def list_jobs(self, vault_id: str, filter: str | None = None) -> list[Job]:
        """A vault's jobs matching `filter`, every `nextLink` followed (`BackupJobs_List`)."""
        url = self._url(f"{ids.parse_vault_id(vault_id).id}/backupJobs", filter=filter)
        return list(self._paged(JobList, "GET", url, None))

    def cancel_job(self, vault_id: str, job_id: str) -> TrackedOperation:
        """Ask the service to cancel a job (`JobCancellations_Trigger`)."""
        url = self._url(
            f"{ids.parse_vault_id(vault_id).id}/backupJobs/{ids.check_segment('backupJobs', job_id)}/cancel"
        )
        return self._tracked(self._http.request("POST", url))

    # -- cross-region restore (api-version = config.crr_api_version) -------------------------------------------

    def get_aad_properties(self, region: str, subscription_id: str) -> AadProperties:
        """The secondary region's AAD properties (`AadProperties_Get`).

        `subscription_id` may be a bare ID or any resource ID in the subscription (e.g. the vault ID).
        """
        url = self._url(f"{self._location(subscription_id, region)}/backupAadProperties", crr=True)
        return _parse(AadProperties, self._http.request("GET", url))

    def get_crr_access_token(self, item_id: str, rp_name: str, aad: AadProperties) -> CrrAccessToken:
        """A CRR access token for one recovery point (`RecoveryPoints_GetAccessToken`). A secret: keep it local."""
        rp = ids.recovery_point_id(
            ids.parse_protected_item_id(item_id).id, ids.check_segment("recoveryPoints", rp_name)
        )
        body = {"properties": aad.properties.to_wire()}
        response = self._http.request("POST", self._url(f"{rp}/accessToken", crr=True), body=body)
        return _parse(CrrAccessTokenResource, response).properties

    def trigger_cross_region_restore(
        self, region: str, token: CrrAccessToken, body: IaasVmRestoreRequest, subscription_id: str | None = None
    ) -> TrackedOperation:
        """Start a restore in the secondary region (`CrossRegionRestore_Trigger`).

        `subscription_id` defaults to the token's subscription (the vault's), else the source VM's.
        """
        sub = subscription_id or token.subscription_id or body.source_resource_id
        if not sub:
            raise ValueError("subscription_id is required when neither the token nor the body names one")
        url = self._url(f"{self._location(sub, region)}/backupCrossRegionRestore", crr=True)
        payload = CrossRegionRestoreRequest(cross_region_restore_access_details=token, restore_request=body).to_wire()
        response = self._http.request("POST", url, body=payload, secrets=(token.access_token_string,))
        return self._tracked(response)

    def list_crr_protected_items(self, vault_id: str, filter: str | None = None) -> list[ProtectedItem]:
        """The vault's protected items as its secondary region knows them (`BackupProtectedItemsCrr_List`)."""
        url = self._url(f"{ids.parse_vault_id(vault_id).id}/backupProtectedItems", crr=True, filter=filter)
        return list(self._paged(ProtectedItemList, "GET", url, None))

    # `CrrJobRequest.resourceId` is the vault's ID, as az CLI (custom.py `show_job`, `list_jobs`: `CrrJobRequest(
    # resource_id=vault.id, ...)`) and Az PowerShell (GetAzureRmRecoveryServicesBackupJobDetails.cs:
    # `jobRequest.ResourceId = VaultId`) send it; the swagger examples' VM ID is not what the tools use.

    def get_crr_job(self, region: str, vault_id: str, job_name: str) -> Job:
        """A cross-region restore job in the secondary region (`BackupCrrJobDetails_Get`)."""
        return self.read_crr_job(region, vault_id, job_name)[0]

    def read_crr_job(self, region: str, vault_id: str, job_name: str) -> tuple[Job, int | None]:
        """A cross-region restore job (`BackupCrrJobDetails_Get`) and the `Retry-After` its answer named, if any."""
        vault = ids.parse_vault_id(vault_id).id
        url = self._url(f"{self._location(vault, region)}/backupCrrJob", crr=True)
        body = CrrJobRequest(resource_id=vault, job_name=job_name).to_wire()
        return self._read_job(self._http.request("POST", url, body=body))

    def list_crr_jobs(self, region: str, vault_id: str, filter: str | None = None) -> list[Job]:
        """A vault's cross-region restore jobs in the secondary region (`BackupCrrJobs_List`)."""
        vault = ids.parse_vault_id(vault_id).id
        url = self._url(f"{self._location(vault, region)}/backupCrrJobs", crr=True, filter=filter)
        return list(self._paged(JobList, "POST", url, CrrJobRequest(resource_id=vault).to_wire()))
