#!/bin/sh
# azd postdeploy hook: create the Event Grid subscription once the restore_from_event function exists.
set -eu
current="$(azd env get-value DEPLOY_EVENT_SUBSCRIPTION 2>/dev/null || true)"
if [ "$current" = "true" ]; then
  echo "Event Grid subscription already managed by infra (DEPLOY_EVENT_SUBSCRIPTION=true)."
  exit 0
fi
echo "Function code is deployed; provisioning the Event Grid subscription to restore_from_event..."
azd env set DEPLOY_EVENT_SUBSCRIPTION true
azd provision --no-prompt
