# azd postdeploy hook: create the Event Grid subscription once the restore_from_event function exists.
$ErrorActionPreference = 'Stop'
$current = (azd env get-value DEPLOY_EVENT_SUBSCRIPTION 2>$null)
if ($current -eq 'true') {
    Write-Host 'Event Grid subscription already managed by infra (DEPLOY_EVENT_SUBSCRIPTION=true).'
    exit 0
}
Write-Host 'Function code is deployed; provisioning the Event Grid subscription to restore_from_event...'
azd env set DEPLOY_EVENT_SUBSCRIPTION true
azd provision --no-prompt
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
