#!/usr/bin/env bash
# Smoke test of a deployed orchestrator, run after `azd up` (docs/deploy.md, "Check a real deployment"): it starts
# ONE restore that cannot change anything and reads its result.
#
# Why this request: the API has no dry-run or validate-only mode (docs/api.md). So the restore names an explicit
# recovery point that cannot exist ("smoke-<time>-no-such-point"; Azure Backup names recovery points with digits).
# The orchestration then reads the protected item, its vault and that recovery point, and fails in phase
# selectingRecoveryPoint with Azure Backup's "recovery point not found" error, before any validation or trigger
# call: only GETs reach Azure, nothing is written. A refusal by the app itself (400/403) would prove less: it never
# reaches the identity, the task hub or ARM.
#
# A pass proves: the HTTP front door and its function key; the app settings load; Durable Functions runs (task hub
# in storage through the identity); the managed identity gets ARM tokens for ARM_ENDPOINT; Backup Operator lets it
# read the vault's protected item and recovery points; a failed restore surfaces the ARM error code as a 422.
#
# Usage: SMOKE_PROTECTED_ITEM_ID=<a protected item of a vault in RESTORE_VAULT_IDS> scripts/smoke.sh
# Needs bash, curl and python3; az and azd (signed in) unless the SMOKE_* values below are given:
#   SMOKE_BASE_URL                  default https://<AZURE_FUNCTION_APP_HOSTNAME of the azd environment>
#   SMOKE_FUNCTION_KEY              default the app's default function key (az functionapp keys list)
#   SMOKE_TARGET_RESOURCE_GROUP_ID  default the first of RESTORE_TARGET_RESOURCE_GROUP_IDS
#   SMOKE_STORAGE_ACCOUNT_ID        default a name in the target group: every restore must name a staging account
#                                   (docs/api.md), but this one stops before anything reads it
#   SMOKE_TIMEOUT_SECONDS           default 600 (a cold start of the app plus a few ARM reads)
# Exit status: 0 passed, 1 the deployment answered wrongly, 2 missing configuration.
set -euo pipefail

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
usage() { echo "smoke.sh: $*" >&2; exit 2; }
azd_value() { azd env get-value "$1" 2>/dev/null || true; }
# json FILE PATH: the value at a dotted PATH of a JSON file ("" when absent).
json() {
  python3 - "$1" "$2" <<'PY'
import json, sys
value = json.load(open(sys.argv[1]))
for part in sys.argv[2].split("."):
    value = value.get(part) if isinstance(value, dict) else None
print("" if value is None else value)
PY
}
# header FILE NAME: the last value of a response header (curl -D), case-insensitive.
header() { tr -d '\r' < "$1" | awk -v name="$(echo "$2" | tr 'A-Z' 'a-z')" -F': ' \
  'tolower($1) == name { sub(/^[^:]*: /, ""); value = $0 } END { print value }'; }

item="${SMOKE_PROTECTED_ITEM_ID:-}"
[ -n "$item" ] || usage "set SMOKE_PROTECTED_ITEM_ID to a protected item ID (.../vaults/<vault>/backupFabrics/Azure/protectionContainers/<container>/protectedItems/<item>)"
base="${SMOKE_BASE_URL:-}"
if [ -z "$base" ]; then
  host="$(azd_value AZURE_FUNCTION_APP_HOSTNAME)"
  [ -n "$host" ] || usage "no AZURE_FUNCTION_APP_HOSTNAME in the azd environment (run azd up) and no SMOKE_BASE_URL"
  base="https://$host"
fi
key="${SMOKE_FUNCTION_KEY:-}"
if [ -z "$key" ]; then
  app="$(azd_value AZURE_FUNCTION_APP_NAME)"
  group="$(azd_value AZURE_RESOURCE_GROUP)"
  [ -n "$app" ] && [ -n "$group" ] || usage "no AZURE_FUNCTION_APP_NAME / AZURE_RESOURCE_GROUP in the azd environment and no SMOKE_FUNCTION_KEY"
  subscription="$(azd_value AZURE_SUBSCRIPTION_ID)"
  key="$(az functionapp keys list ${subscription:+--subscription "$subscription"} --resource-group "$group" \
    --name "$app" --query functionKeys.default --output tsv)" || usage "could not read the function key with az"
fi
target="${SMOKE_TARGET_RESOURCE_GROUP_ID:-$(azd_value RESTORE_TARGET_RESOURCE_GROUP_IDS | cut -d, -f1 | tr -d ' ')}"
[ -n "$target" ] || usage "set SMOKE_TARGET_RESOURCE_GROUP_ID (or RESTORE_TARGET_RESOURCE_GROUP_IDS in the azd environment)"
staging="${SMOKE_STORAGE_ACCOUNT_ID:-$target/providers/Microsoft.Storage/storageAccounts/smokenotread}"
deadline=$(( $(date +%s) + ${SMOKE_TIMEOUT_SECONDS:-600} ))
stamp="$(date -u +%Y%m%dT%H%M%SZ)"

# call METHOD URL [BODY_FILE]: the HTTP status; body in $work/body, headers in $work/headers.
call() {
  local args=(--silent --show-error --max-time 60 -X "$1" -o "$work/body" -D "$work/headers" -w '%{http_code}'
              -H "x-functions-key: $key" -H "Accept: application/json")
  [ $# -lt 3 ] || args+=(-H "Content-Type: application/json" -H "Idempotency-Key: smoke-$stamp" --data-binary "@$3")
  curl "${args[@]}" "$2"
}

echo "1/3 health: GET $base/api/health"
status="$(call GET "$base/api/health")" || fail "no answer from $base"
[ "$status" = 200 ] || fail "GET /api/health answered $status: $(cat "$work/body")"

point="smoke-$stamp-no-such-point"
python3 - "$item" "$point" "$target" "$staging" > "$work/request.json" <<'PY'
import json, sys
item, point, target, staging = sys.argv[1:]
print(json.dumps({"protectedItemId": item, "recoveryPointId": point, "mode": "restoreDisks",
                  "targetResourceGroupId": target, "storageAccountId": staging,
                  "reason": "scripts/smoke.sh: a recovery point that cannot exist; must fail before any trigger"}))
PY
echo "2/3 start: POST $base/api/restores (recoveryPointId $point)"
status="$(call POST "$base/api/restores" "$work/request.json")" || fail "no answer from $base"
case "$status" in
  202) ;;
  400|403) fail "the app refused the request ($status), so nothing reached Azure: $(cat "$work/body")" ;;
  *) fail "POST /api/restores answered $status: $(cat "$work/body")" ;;
esac
location="$(header "$work/headers" Location)"
[ -n "$location" ] || fail "202 without a Location header"

echo "3/3 result: polling $location"
while :; do
  wait_s="$(header "$work/headers" Retry-After)"
  case "$wait_s" in ''|*[!0-9]*) wait_s=5 ;; esac
  [ "$wait_s" -le 30 ] || wait_s=30
  [ $(( $(date +%s) + wait_s )) -le "$deadline" ] || fail "still running after ${SMOKE_TIMEOUT_SECONDS:-600} s: $(cat "$work/body")"
  sleep "$wait_s"
  status="$(call GET "$location")" || fail "no answer from $location"
  [ "$status" = 202 ] || break
done

phase="$(json "$work/body" phase)"
code="$(json "$work/body" error.code)"
message="$(json "$work/body" error.message)"
[ "$status" = 422 ] || fail "expected 422 (failed restore), got $status: $(cat "$work/body")"
case "$code" in
  *AuthorizationFailed*|*Forbidden*) fail "ARM refused the identity ($code: $message). Check the role assignments in docs/deploy.md, RBAC" ;;
esac
[ "$phase" = selectingRecoveryPoint ] || fail "expected a failure while selecting the recovery point, got phase '$phase' ($code: $message)"
case "$code" in
  *RecoveryPoint*) ;;
  *) fail "expected Azure Backup's recovery-point-not-found error, got '$code': $message" ;;
esac
echo "PASS: the restore failed where it must, before any trigger: $code"
echo "      (identity, ARM, Backup Operator read on the vault, Durable task hub and the API all work)"
