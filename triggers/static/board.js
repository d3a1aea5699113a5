// The restore board (docs/board.md). Talks only to the public API, with the caller's function key sent as the
// x-functions-key header (kept in sessionStorage, never in a URL); polls no sooner than the API's Retry-After and
// not at all while the tab is hidden. Restores, cancel, the key and polling live here; plans.js and approvals.js
// add their sections to each round.
const KEY_STORE = "vmrestore.board.functionKey";
const DEFAULT_WAIT_S = 15;   // when no answer carried a Retry-After (nothing running)
const MAX_WAIT_S = 600;      // never wait longer than this, however large the Retry-After
const PAGE_SIZE = 50;
const state = { details: new Map(), samples: new Map(), order: [], timer: null, nextAt: 0, polls: 0, busy: false,
                needKey: false, confirming: null, returnFocus: null };

const key = () => sessionStorage.getItem(KEY_STORE) || "";

async function api(path, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (key()) headers["x-functions-key"] = key();
  const response = await fetch(path, { ...options, headers, cache: "no-store", credentials: "omit" });
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  return { status: response.status, body, retryAfter: retryAfterSeconds(response.headers.get("Retry-After")) };
}

function retryAfterSeconds(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}

// --- polling ---------------------------------------------------------------------------------------------------
function schedule(seconds) {
  clearTimeout(state.timer);
  const wait = Math.min(MAX_WAIT_S, Math.max(1, seconds));
  state.nextAt = Date.now() + wait * 1000;
  if (document.visibilityState === "hidden") return pause();
  document.body.dataset.polling = "waiting";
  state.timer = setTimeout(poll, wait * 1000);
}

function pause() {
  clearTimeout(state.timer);
  state.timer = null;
  document.body.dataset.polling = "paused";
  say("Paused while this tab is hidden.");
}

function resume() {
  if (state.needKey || state.busy) return;
  const wait = Math.max(0, (state.nextAt - Date.now()) / 1000);
  document.body.dataset.polling = "waiting";
  clearTimeout(state.timer);
  state.timer = setTimeout(poll, wait * 1000);
}

async function poll() {
  if (document.visibilityState === "hidden") return pause();
  if (state.busy) return;
  state.busy = true;
  state.polls += 1;
  document.body.dataset.polls = String(state.polls);
  document.body.dataset.polling = "polling";
  try {
    const restoreWaits = await refresh();
    const planWaits = restoreWaits === null ? null : await refreshPlans($("filter-status").value);
    const drillWaits = planWaits === null ? null : await refreshDrills();
    if (restoreWaits === null || planWaits === null || drillWaits === null) { askForKey(); return; }
    render();
    const waits = [...restoreWaits, ...planWaits];
    const wait = waits.length ? Math.max(...waits) : DEFAULT_WAIT_S;
    say(`Updated ${new Date().toLocaleTimeString()}; next update in ${Math.round(wait)} s.`);
    schedule(wait);
  } catch (err) {
    say(`The API could not be reached (${err.message}); trying again in ${DEFAULT_WAIT_S} s.`);
    schedule(DEFAULT_WAIT_S);
  } finally {
    state.busy = false;
  }
}

// One round of restores: the list, then each restore that is running or not seen yet. Returns the Retry-Afters, or
// null when the API wants a key.
async function refresh() {
  const params = new URLSearchParams({ top: String(PAGE_SIZE) });
  if ($("filter-status").value) params.set("status", $("filter-status").value);
  const list = await api(`restores?${params}`);
  if (list.status === 401 || list.status === 403) return null;
  const waits = list.retryAfter === null ? [] : [list.retryAfter];
  if (list.status !== 200) {
    say(`Listing restores answered ${list.status}: ${detailOf(list)}.`);
    return waits.length ? waits : [DEFAULT_WAIT_S];
  }
  const items = list.body.items || [];
  const stale = items.filter((i) => i.status === "running" || !state.details.has(i.id)
                                   || state.details.get(i.id).status === "running");
  const answers = await Promise.all(stale.map((i) => api(`restores/${encodeURIComponent(i.id)}`)));
  answers.forEach((answer, n) => {
    if (answer.retryAfter !== null) waits.push(answer.retryAfter);
    if (answer.body && answer.body.id) remember(answer.body);
    else state.details.set(stale[n].id, stale[n]);
  });
  state.order = items.map((i) => i.id);
  return waits;
}

function remember(restore) {
  state.details.set(restore.id, restore);
  if (restore.status === "running") sample(restore.id, restore.progress);
}

// The progress of a running restore (a plan's too, by its restore ID) each time it changed, with when it was seen.
function sample(id, progress) {
  if (typeof progress !== "number") return;
  const samples = state.samples.get(id) || [];
  const last = samples[samples.length - 1];
  if (!last || last.progress !== progress) samples.push({ at: Date.now(), progress });
  state.samples.set(id, samples.slice(-20));
}

// ETA from the progress seen so far: the rate between the first and the last sample, applied to what is left. The
// board's own clock and samples, so it holds whatever the server's clock says.
function eta(id) {
  const samples = state.samples.get(id) || [];
  if (samples.length < 2) return null;
  const first = samples[0], last = samples[samples.length - 1];
  const rate = (last.progress - first.progress) / (last.at - first.at);
  if (!(rate > 0)) return null;
  return new Date(last.at + (100 - last.progress) / rate);
}

// --- rendering -------------------------------------------------------------------------------------------------
function vmOf(restore) {
  const request = restore.request || {};
  const id = request.vmId || request.protectedItemId || "";
  return { id, name: vmName(id) || "(unknown VM)" };
}

function progressPart(restore, vm) {
  const value = typeof restore.progress === "number" ? restore.progress : null;
  if (restore.status !== "running" && value === null) return null;  // ended before its job reported progress
  if (awaiting(restore)) return null;  // nothing started yet: the approval card says what will be
  const when = restore.status === "running" ? eta(restore.id) : null;
  const etaText = restore.status !== "running" ? null
    : when ? `ETA ${relative(when)}` : value === null ? "ETA: waiting for the job" : "ETA: estimating\u2026";
  return el("div", { class: "progress" }, progressBar(value, `Progress of the restore of ${vm.name}`),
            el("span", { class: "pct" }, value === null ? "no progress yet" : `${value.toFixed(1)}%`),
            etaText === null ? null : el("span", { class: "eta" }, etaText));
}

function card(restore) {
  const vm = vmOf(restore);
  const status = restore.status;
  const list = rows([["Phase", restore.phase], ["Source", restore.source || "unknown"],
                     ["Recovery point", pointText(restore.recoveryPoint)], ["Started", timeText(restore.createdAt)],
                     ["Job", restore.jobId || "not started"]]);
  const cancel = status === "running"
    ? el("button", { type: "button", class: "cancel", "data-action": "cancel-restore", "data-id": restore.id },
         `Cancel the restore of ${vm.name}`)
    : null;
  return el("li", { class: "card", "data-id": restore.id, "data-status": status },
            el("h3", {}, el("span", { class: "vm", title: vm.id }, vm.name), badge(status)),
            el("p", { class: "id" }, restore.id), list, progressPart(restore, vm), errorPart(restore.error),
            awaiting(restore) ? el("p", { class: "note" }, "Waiting for approval: see \u201CWaiting for approval\u201D.")
              : null,
            cancel);
}

function render() {
  const source = $("filter-source").value;
  const status = $("filter-status").value;
  const active = document.activeElement;
  const focused = active && active.dataset && active.dataset.action ? [active.dataset.action, active.dataset.id] : null;
  const shown = state.order.map((id) => state.details.get(id))
    .filter((r) => r && (!source || r.source === source) && (!status || r.status === status));
  $("restores").replaceChildren(...shown.map(card));
  $("empty").hidden = shown.length > 0;
  const counts = {};
  shown.forEach((r) => { counts[r.status] = (counts[r.status] || 0) + 1; });
  $("counts").textContent = `(${countsText(counts) || "none"})`;
  renderApprovals(shown);
  renderPlans(source, status);
  renderDrills(status);
  const again = focused && findAction(...focused);
  if (again) again.focus();
}

// --- key -------------------------------------------------------------------------------------------------------
function askForKey() {
  state.needKey = true;
  clearTimeout(state.timer);
  document.body.dataset.polling = "key";
  $("key-panel").hidden = false;
  $("key-error").textContent = key() ? "The API refused this key (401). Enter another one." : "";
  say("Waiting for a function key.");
  $("key-input").focus();
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORE, $("key-input").value.trim());
  $("key-input").value = "";
  $("key-panel").hidden = true;
  state.needKey = false;
  poll();
});

$("forget-key").addEventListener("click", () => { sessionStorage.removeItem(KEY_STORE); askForKey(); });

// --- cancel (of a restore here, of a plan from plans.js) -------------------------------------------------------
function askToCancel(request) {
  state.confirming = request;
  state.returnFocus = [request.action, request.id];  // the button that asked; focus goes back to it
  $("confirm-title").textContent = request.title;
  $("confirm-text").textContent = request.text;
  $("confirm-keep").textContent = request.keep;
  $("confirm-yes").textContent = request.yes;
  $("confirm-reason-row").hidden = !request.reason;
  $("confirm-reason").value = "";
  $("confirm").showModal();
}

$("restores").addEventListener("click", (event) => {
  const button = event.target.closest("button.cancel");
  const restore = button && state.details.get(button.dataset.id);
  if (!restore) return;
  askToCancel({
    id: restore.id, action: "cancel-restore", path: `restores/${encodeURIComponent(restore.id)}/cancel`,
    reason: true, title: "Cancel this restore?", keep: "Keep it running", yes: "Cancel the restore",
    text: `Cancel the restore of ${vmOf(restore).name} (${restore.id})? A restore job already running in Azure is `
      + "cancelled too.",
    remember,
  });
});

$("confirm").addEventListener("close", () => {
  state.confirming = null;
  const again = state.returnFocus && findAction(...state.returnFocus);
  if (again) again.focus();
});

$("confirm-keep").addEventListener("click", () => $("confirm").close());

$("confirm-yes").addEventListener("click", async () => {
  const request = state.confirming;
  const reason = $("confirm-reason").value.trim();
  $("confirm").close();
  if (!request) return;
  const answer = await api(request.path, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(reason && request.reason ? { reason } : {}),
  });
  if (answer.status === 401) return askForKey();
  if (answer.status === 202) say(`Cancel requested for ${request.id}.`);
  else say(`Cancel of ${request.id} answered ${answer.status}: ${detailOf(answer)}.`);
  if (answer.body && answer.body.id) request.remember(answer.body);
  render();
  schedule(answer.retryAfter === null ? DEFAULT_WAIT_S : answer.retryAfter);
});

// --- filters and visibility ------------------------------------------------------------------------------------
// A filter applies at once to what is shown; the next poll (at its Retry-After) asks the API with it.
$("filter-status").addEventListener("change", render);
$("filter-source").addEventListener("change", render);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") pause(); else resume();
});

poll();
