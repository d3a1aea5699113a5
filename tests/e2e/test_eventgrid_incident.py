"""Event Grid (both schemas) and the incident webhook start real restores; bad events start nothing."""

from __future__ import annotations

import requests

from restore.instance_ids import Source, instance_id_for
from tests.e2e.helpers import Stack, example
from tests.support.azure_log import assert_job_ended, assert_one_restore
from tests.support.entra import LocalTenant


def test_cloud_event_starts_a_restore(stack: Stack) -> None:
    data = example("restore-disks.json", stack.ids)
    event = {"specversion": "1.0", "id": "ce-0001", "source": "/contoso/change-pipeline",
             "type": "Contoso.Restore.Requested", "time": "2026-03-01T08:15:00Z", "data": data}
    assert stack.eventgrid(event, "application/cloudevents+json").status_code in (200, 202)
    restore_id = instance_id_for(Source.EVENTGRID, "/contoso/change-pipeline", "ce-0001")
    final = stack.wait_final(restore_id).json()
    assert final["source"] == "eventgrid"
    assert final["status"] == "succeeded", final
    assert_one_restore(stack.azure, data, final)
    assert_job_ended(stack.azure, final, "Completed")


def test_events_of_another_type_or_with_invalid_data_start_nothing(stack: Stack) -> None:
    before = stack.instance_count()
    [event] = example("eventgrid-event.json", stack.ids)
    other_type = {**event, "id": "e-other", "eventType": "Contoso.Something.Else"}
    invalid = {**event, "id": "e-invalid", "data": {"vmId": "not-an-id"}}
    out_of_scope = {**event, "id": "e-scope",
                    "data": {**event["data"], "storageAccountId": stack.ids["OPS_STORAGE_ACCOUNT_ID"]}}
    response = stack.eventgrid([other_type, invalid, out_of_scope])
    assert response.status_code in (200, 202)  # acknowledged: Event Grid must not retry them
    assert stack.instance_count() == before
    assert stack.azure.restore_posts() == []


def test_generic_incident_starts_a_restore_with_its_options(stack: Stack) -> None:
    body = {"incidentId": "INC-2001", **example("selective-disks.json", stack.ids)}
    response = stack.signed_post("/webhooks/incident", body)
    assert response.status_code == 202, response.text
    [started] = response.json()["restores"]
    final = stack.wait_final(started["id"])
    assert final.status_code == 200 and final.json()["request"]["diskLuns"] == [0]
    assert final.json()["source"] == "incident" and final.json()["status"] == "succeeded"
    assert_one_restore(stack.azure, body, final.json())
    assert_job_ended(stack.azure, final.json(), "Completed")


def test_alert_options_come_from_the_default_request_never_from_the_query(stack: Stack) -> None:
    before = stack.instance_count()
    alert = example("azure-monitor-alert.json", stack.ids)
    alert["data"]["essentials"]["alertId"] += "-query"
    refused = stack.signed_post("/webhooks/incident", alert, params={"mode": "replaceDisks", "reason": "from query"})
    assert refused.status_code == 400, refused.text
    assert stack.instance_count() == before
    response = stack.signed_post("/webhooks/incident", alert)
    assert response.status_code == 202, response.text
    final = stack.wait_final(response.json()["restores"][0]["id"]).json()
    assert final["request"]["mode"] == "restoreDisks" and final["request"]["storageAccountId"] == \
        stack.ids["STORAGE_ACCOUNT_ID"]
    default = {"vmId": stack.ids["VM_ID"], "mode": "restoreDisks", "storageAccountId": stack.ids["STORAGE_ACCOUNT_ID"],
               "targetResourceGroupId": stack.ids["TARGET_RG_ID"]}  # INCIDENT_DEFAULT_REQUEST (conftest)
    assert_one_restore(stack.azure, default, final)
    assert_job_ended(stack.azure, final, "Completed")


def test_alert_on_non_vm_targets_is_400_and_starts_nothing(stack: Stack) -> None:
    before = stack.instance_count()
    alert = example("azure-monitor-alert.json", stack.ids)
    alert["data"]["essentials"]["alertTargetIDs"] = [stack.ids["STORAGE_ACCOUNT_ID"]]
    response = stack.signed_post("/webhooks/incident", alert)
    assert response.status_code == 400  # as docs/api.md, "Incident webhook", says
    assert [e["field"] for e in response.json()["errors"]] == ["data.essentials.alertTargetIDs"]
    assert stack.instance_count() == before
    assert stack.azure.restore_posts() == []


def test_an_action_group_entra_token_starts_the_alert_restore_without_a_signature(stack: Stack,
                                                                                    tenant: LocalTenant) -> None:
    alert = example("azure-monitor-alert.json", stack.ids)
    alert["data"]["essentials"]["alertId"] += "-entra"
    posts_before, before = len(stack.restore_posts()), stack.instance_count()

    def post(token: str) -> requests.Response:
        return requests.post(f"{stack.api}/webhooks/incident", json=alert, timeout=30,
                             headers={"Authorization": f"Bearer {token}"})

    refused = post(tenant.token(aud="api://another-app"))
    assert refused.status_code == 401, refused.text
    assert stack.instance_count() == before
    response = post(tenant.token())
    assert response.status_code == 202, response.text
    final = stack.wait_final(response.json()["restores"][0]["id"]).json()
    assert final["source"] == "incident" and final["status"] == "succeeded", final
    assert len(stack.restore_posts()) - posts_before == 1
    assert stack.azure_jobs()[final["jobId"]]["properties"]["status"] == "Completed"
