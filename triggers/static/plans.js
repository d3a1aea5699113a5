// Plans on the board (docs/board.md, "Plans"): per plan its groups as lanes, in the order they run, with a tile per
// VM (its name, state, phase, progress), and a cancel button that asks first. Reads GET /api/plans and
// GET /api/plans/{id}; cancels with POST /api/plans/{id}/cancel.
const plans = { details: new Map(), order: [], vmIds: new Map() };

// Plans start only through POST /api/plans (docs/api.md, "Plans"), so a plan's source is `http` unless the API says.
const planSource = (plan) => plan.source || "http";

// One round: the list, then each plan that is running, was running, or is new. Returns the Retry-Afters, or null
// when the API wants a key.
async function refreshPlans(status) {
  const params = new URLSearchParams({ top: String(PAGE_SIZE) });
  if (status) params.set("status", status);
  const list = await api(`plans?${params}`);
  if (list.status === 401 || list.status === 403) return null;
  const waits = list.retryAfter === null ? [] : [list.retryAfter];
  if (list.status !== 200) {
    say(`Listing plans answered ${list.status}: ${detailOf(list)}.`);
    return waits;
  }
  const items = list.body.items || [];
  const stale = items.filter((p) => p.status === "running" || !plans.details.has(p.id)
                                 || plans.details.get(p.id).status === "running");
  const answers = await Promise.all(stale.map((p) => api(`plans/${encodeURIComponent(p.id)}`)));
  answers.forEach((answer, n) => {
    if (answer.retryAfter !== null) waits.push(answer.retryAfter);
    rememberPlan(answer.body && answer.body.id ? answer.body : stale[n]);
  });
  plans.order = items.map((p) => p.id);
  return waits;
}

// A running plan's body lists its started VMs; a body without them (a list item, the answer of a cancel) keeps the
// tiles seen last. A VM's ID is known only while it runs and at the end, so it is kept once seen.
function rememberPlan(plan) {
  const before = plans.details.get(plan.id);
  const kept = plan.status === "running" && !(plan.vms || []).length && before ? { ...plan, vms: before.vms } : plan;
  plans.details.set(plan.id, kept);
  for (const vm of kept.vms || []) {
    if (vm.vmId) plans.vmIds.set(`${plan.id}:${vm.index}`, vm.vmId);
  }
  if (kept !== plan) return;  // nothing new was seen of its VMs
  for (const vm of plan.vms || []) {
    if (vm.state === "running" && vm.restoreId) sample(vm.restoreId, vm.progress);
  }
}

// The plan numbers its VMs group after group, so group g holds the next `total` numbers; a VM not started yet has
// no entry in `vms` and is pending.
function lanes(plan) {
  const byIndex = new Map((plan.vms || []).map((vm) => [vm.index, vm]));
  let offset = 0;
  return (plan.groups || []).map((group, g) => {
    const tiles = [];
    for (let i = offset; i < offset + group.total; i += 1) tiles.push(byIndex.get(i) || { index: i, state: "pending" });
    offset += group.total;
    return { group, number: g + 1, tiles };
  });
}

function tile(plan, vm) {
  const id = vm.vmId || plans.vmIds.get(`${plan.id}:${vm.index}`) || "";
  const name = id ? vmName(id) : `VM #${vm.index}`;
  const running = vm.state === "running";
  const pct = typeof vm.progress === "number" ? `${vm.progress.toFixed(1)}%` : "no progress yet";
  return el("li", { class: "tile", "data-index": vm.index, "data-state": vm.state, "data-restore-id": vm.restoreId },
            el("p", { class: "tile-head" }, el("span", { class: "vm", title: id || null }, name), badge(vm.state)),
            running && vm.phase ? el("p", { class: "phase" }, `Phase: ${vm.phase}`) : null,
            running ? el("div", { class: "progress" }, progressBar(vm.progress, `Progress of the restore of ${name}`),
                         el("span", { class: "pct" }, pct)) : null,
            running ? el("p", { class: "eta" }, etaText(vm)) : null,
            vm.error ? el("p", { class: "error" }, el("strong", { class: "code" }, vm.error.code), ": ",
                          el("span", { class: "message" }, vm.error.message)) : null,
            typeof vm.durationSeconds === "number" ? el("p", { class: "took" },
                                                        `took ${minutesText(vm.durationSeconds)}`) : null);
}

// As for a restore: the board's own estimate from the progress it saw (board.js, eta).
function etaText(vm) {
  const when = vm.restoreId ? eta(vm.restoreId) : null;
  if (when) return `ETA ${relative(when)}`;
  return typeof vm.progress === "number" ? "ETA: estimating\u2026" : "ETA: waiting for the job";
}

// The plan's: the latest of its running VMs' estimates, once every one of them has one.
function planEta(plan) {
  const running = (plan.vms || []).filter((vm) => vm.state === "running");
  const whens = running.map((vm) => (vm.restoreId ? eta(vm.restoreId) : null));
  if (!running.length || whens.some((w) => !w)) return null;
  return new Date(Math.max(...whens.map((w) => w.getTime())));
}

function lane(plan, { group, number, tiles }) {
  const counts = countsText(group.counts);
  const size = `${group.total} VM${group.total === 1 ? "" : "s"}`;
  const running = plan.status === "running" && plan.group === group.name;
  return el("li", { class: "lane", "data-group": group.name, "data-running": running ? "true" : null },
            el("h4", {}, `${number}. ${group.name}`, running ? el("span", { class: "now" }, " (running now)") : null,
               el("span", { class: "lane-counts" }, ` \u2014 ${size}${counts ? `: ${counts}` : ""}`)),
            el("ul", { class: "tiles", "aria-label": `VMs of group ${group.name}` }, ...tiles.map((vm) => tile(plan, vm))));
}

function problemsPart(problems) {
  if (!problems || !problems.length) return null;
  return el("ul", { class: "problems" }, ...problems.map((p) => el("li", {}, el("code", {}, p.field), `: ${p.reason}`)));
}

function planCard(plan) {
  const status = plan.status;
  const running = status === "running";
  const counts = countsText(plan.counts);
  const info = rows([["Phase", plan.phase], ["VMs", `${plan.total}${counts ? ` (${counts})` : ""}`],
                     ["Source", planSource(plan)], ["Started", timeText(plan.createdAt)],
                     ["ETA", running && planEta(plan) ? relative(planEta(plan)) : null],
                     ["Total recovery time", plan.summary ? minutesText(plan.summary.totalSeconds) : null]]);
  const laneList = lanes(plan);
  const cancel = running && !plan.cancelRequested
    ? el("button", { type: "button", class: "cancel-plan", "data-action": "cancel-plan", "data-id": plan.id },
         `Cancel the plan ${plan.id}`)
    : null;
  return el("li", { class: "plan", "data-id": plan.id, "data-status": status },
            el("h3", {}, el("span", { class: "plan-name" }, `Plan ${plan.id}`), badge(status),
               plan.dryRun ? el("span", { class: "tag" }, "dry run: nothing is triggered") : null),
            info, errorPart(plan.error), problemsPart(plan.problems),
            laneList.length
              ? el("ol", { class: "lanes", "aria-label": `Groups of plan ${plan.id}, in the order they run` },
                   ...laneList.map((l) => lane(plan, l)))
              : el("p", { class: "note" }, running ? "Finding the plan's VMs\u2026" : "No VM was found."),
            running && plan.cancelRequested
              ? el("p", { class: "note" }, "Cancel requested: no more restores start; the running ones are cancelled.")
              : null,
            cancel);
}

function renderPlans(source, status) {
  const shown = plans.order.map((id) => plans.details.get(id))
    .filter((p) => p && (!source || planSource(p) === source) && (!status || p.status === status));
  $("plans").replaceChildren(...shown.map(planCard));
  $("plans-empty").hidden = shown.length > 0;
  const counts = {};
  shown.forEach((p) => { counts[p.status] = (counts[p.status] || 0) + 1; });
  $("plan-counts").textContent = `(${countsText(counts) || "none"})`;
}

$("plans").addEventListener("click", (event) => {
  const button = event.target.closest("button.cancel-plan");
  const plan = button && plans.details.get(button.dataset.id);
  if (!plan) return;
  askToCancel({
    id: plan.id, action: "cancel-plan", path: `plans/${encodeURIComponent(plan.id)}/cancel`, reason: false,
    title: "Cancel this plan?", keep: "Keep the plan running", yes: "Cancel the plan",
    text: `Cancel plan ${plan.id}? No more of its restores start, and every running one is cancelled, its Azure `
      + "job too.",
    remember: rememberPlan,
  });
});
