// Restores waiting for approval (docs/board.md, "Approvals"): what each will do, and Approve / Reject, which ask for
// the approver's name (`by`) and a reason, then send POST /api/restores/{id}/approve or /reject {by, reason?}.
const BY_STORE = "vmrestore.board.approver";  // the name typed last, so it need not be typed again in this tab
const DECISION = {
  approve: { title: "Approve this restore?", yes: "Approve the restore", done: "approved",
             text: "It triggers the restore in Azure as shown." },
  reject: { title: "Reject this restore?", yes: "Reject the restore", done: "rejected",
            text: "It ends cancelled; nothing is triggered in Azure." },
};
const deciding = { verb: null, id: null };

const awaiting = (restore) => restore.status === "running" && restore.phase === "awaitingApproval"
  && Boolean(restore.approval) && !restore.approval.record;

function targetsPart(targets) {
  const entries = Object.entries(targets || {});
  if (!entries.length) return null;
  return el("div", { class: "targets" }, el("p", {}, "Targets:"),
            el("ul", {}, ...entries.map(([name, value]) => el("li", { "data-target": name },
                                                                el("span", { class: "k" }, `${name}: `), value))));
}

function approvalCard(restore) {
  const approval = restore.approval;
  const plan = approval.plan || {};
  const name = vmName(plan.sourceId) || vmOf(restore).name;
  const expires = approval.expiresAt ? new Date(approval.expiresAt) : null;
  const info = rows([
    ["Mode", plan.mode], ["Region", plan.crossRegion ? "cross-region (the vault's secondary region)" : "primary region"],
    ["Source", plan.sourceId], ["Recovery point", pointText(plan.recoveryPoint)],
    ["Validation", plan.validation === "passed" ? "passed: the service found no problem"
      : "skipped (cross-region, or VALIDATE_BEFORE_RESTORE=false)"],
    ["Approvers", approval.approvers && approval.approvers.length ? approval.approvers.join(", ")
      : "anyone with the function key"],
    ["Asked", timeText(approval.requestedAt)],
    ["Expires", expires ? `${expires.toLocaleString()}; then it ends cancelled (ApprovalTimedOut)` : null],
  ]);
  const button = (verb, text) => el("button", { type: "button", class: verb, "data-action": verb, "data-id": restore.id },
                                    text);
  return el("li", { class: "approval", "data-id": restore.id, "data-status": "awaitingApproval" },
            el("h3", {}, el("span", { class: "vm", title: plan.sourceId || null }, name),
               badge("awaitingApproval", "awaiting approval")),
            el("p", { class: "id" }, restore.id), info, targetsPart(plan.targets),
            el("div", { class: "actions" }, button("approve", `Approve the restore of ${name}`),
               button("reject", `Reject the restore of ${name}`)));
}

function renderApprovals(restores) {
  const shown = restores.filter(awaiting);
  $("approvals").replaceChildren(...shown.map(approvalCard));
  $("approvals-section").hidden = shown.length === 0;
  $("approval-counts").textContent = `(${shown.length})`;
}

function askToDecide(verb, restore) {
  const name = vmName((restore.approval.plan || {}).sourceId) || vmOf(restore).name;
  Object.assign(deciding, { verb, id: restore.id });
  $("decide-title").textContent = DECISION[verb].title;
  $("decide-text").textContent = `${DECISION[verb].title.replace("this restore", `the restore of ${name}`)} `
    + `(${restore.id}) ${DECISION[verb].text}`;
  $("decide-yes").textContent = DECISION[verb].yes;
  $("decide-yes").className = verb === "reject" ? "danger" : "primary";
  $("decide-by").value = sessionStorage.getItem(BY_STORE) || "";
  $("decide-reason").value = "";
  $("decide-error").textContent = "";
  $("decide").showModal();
}

$("approvals").addEventListener("click", (event) => {
  const button = event.target.closest("button.approve, button.reject");
  const restore = button && state.details.get(button.dataset.id);
  if (restore && awaiting(restore)) askToDecide(button.dataset.action, restore);
});

$("decide").addEventListener("close", () => {
  const again = findAction(deciding.verb, deciding.id);
  if (again) again.focus();
});

$("decide-back").addEventListener("click", () => $("decide").close());

$("decide-yes").addEventListener("click", async () => {
  const { verb, id } = deciding;
  const by = $("decide-by").value.trim();
  const reason = $("decide-reason").value.trim();
  if (!by) {
    $("decide-error").textContent = "Enter your name: the API records who decided (by).";
    $("decide-by").focus();
    return;
  }
  const answer = await api(`restores/${encodeURIComponent(id)}/${verb}`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(reason ? { by, reason } : { by }),
  });
  if (answer.status === 400 || answer.status === 403) {  // a wrong name or reason: say why, let it be fixed
    const fields = ((answer.body && answer.body.errors) || []).map((e) => `${e.field}: ${e.reason}`).join("; ");
    const why = `${detailOf(answer)}${fields ? ` (${fields})` : ""}`;
    $("decide-error").textContent = `The API refused it (${answer.status}): ${why}.`;
    return;
  }
  $("decide").close();
  if (answer.status === 401) return askForKey();
  if (answer.status === 202) {
    sessionStorage.setItem(BY_STORE, by);
    say(`Restore ${id} ${DECISION[verb].done} by ${by}.`);
  } else {
    say(`The ${verb} of ${id} answered ${answer.status}: ${detailOf(answer)}.`);
  }
  if (answer.body && answer.body.id) remember(answer.body);
  render();
  schedule(answer.retryAfter === null ? DEFAULT_WAIT_S : answer.retryAfter);
});
