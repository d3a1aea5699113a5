// Drill runs on the board (docs/board.md, "Drills"): per restore drill its schedule, next run and last run (status,
// phase, per-VM restore and validation, cleanup, the recovery time and point achieved). Reads GET /api/drills,
// which answers no Retry-After: the board's other reads set the pace.
const drills = { items: [], listed: false };

// Drill statuses are passed | failed | running; validation and cleanup use pending | passed | failed | skipped.
const DRILL_STATUS = { passed: "succeeded", failed: "failed", running: "running", pending: "pending",
                       skipped: "skipped" };
const drillBadge = (status) => badge(DRILL_STATUS[status] || "pending", status || "never run");

// Returns [] (no Retry-After of its own), or null when the API wants a key.
async function refreshDrills() {
  const answer = await api("drills");
  if (answer.status === 401 || answer.status === 403) return null;
  if (answer.status !== 200) {
    say(`Listing drills answered ${answer.status}: ${detailOf(answer)}.`);
    return [];
  }
  drills.items = answer.body.drills || [];
  drills.listed = true;
  return [];
}

function drillVm(vm) {
  const name = vm.vm || vmName(vm.vmId);
  const validation = vm.validation && typeof vm.validation === "object" ? vm.validation.status : vm.validation;
  return el("li", { class: "tile", "data-vm": name },
            el("span", { class: "tile-name" }, name),
            rows([["Restore", vm.restoreStatus], ["Validation", validation]]),
            validation ? drillBadge(validation) : null);
}

function lastRunPart(run) {
  if (!run) return el("p", { class: "note" }, "Never run.");
  const cleanup = run.cleanup || {};
  const vms = run.vms || [];
  return el("div", { class: "drill-run", "data-id": run.id },
            el("h4", {}, `Last run ${run.id} `, drillBadge(run.status)),
            rows([["Phase", run.phase], ["Started by", run.startedBy], ["Started", timeText(run.startedAt)],
                  ["Ended", timeText(run.endedAt)], ["Cleanup", cleanup.status]]),
            errorPart(run.error),
            vms.length ? el("ul", { class: "tiles", "aria-label": `VMs of drill run ${run.id}` }, ...vms.map(drillVm))
              : null);
}

function drillCard(item) {
  const def = item.definition || {};
  return el("li", { class: "drill", "data-name": def.name },
            el("h3", {}, `Drill ${def.name}`),
            rows([["Schedule", def.timeZone ? `${def.schedule} (${def.timeZone})` : def.schedule],
                  ["Next run", timeText(item.nextRun)]]),
            lastRunPart(item.lastRun));
}

function renderDrills(status) {
  const shown = drills.items.filter((d) => !status || (d.lastRun && DRILL_STATUS[d.lastRun.status] === status));
  $("drills-section").hidden = !drills.listed || drills.items.length === 0;
  $("drills").replaceChildren(...shown.map(drillCard));
  $("drills-empty").hidden = shown.length > 0;
}
