// The restore board (docs/board.md). Talks only to the public API, with the caller's function key sent as the
// x-functions-key header (kept in sessionStorage, never in a URL); polls no sooner than the API's Retry-After and
// not at all while the tab is hidden.
"use strict";
(() => {
  const KEY_STORE = "vmrestore.board.functionKey";
  const DEFAULT_WAIT_S = 15;   // when no answer carried a Retry-After (nothing running)
  const MAX_WAIT_S = 600;      // never wait longer than this, however large the Retry-After
  const PAGE_SIZE = 50;
  const SYMBOL = { running: "\u25B6", succeeded: "\u2714", failed: "\u2716", cancelled: "\u25A0" };
  const $ = (id) => document.getElementById(id);
  const state = { details: new Map(), samples: new Map(), timer: null, nextAt: 0, polls: 0, busy: false,
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

  // --- polling -------------------------------------------------------------------------------------------------
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
      const waits = await refresh();
      if (waits === null) return;
      render();
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

  // One round: the list, then each restore that is running or not seen yet. Returns the Retry-Afters, or null when
  // the API wants a key.
  async function refresh() {
    const params = new URLSearchParams({ top: String(PAGE_SIZE) });
    if ($("filter-status").value) params.set("status", $("filter-status").value);
    const list = await api(`restores?${params}`);
    if (list.status === 401 || list.status === 403) { askForKey(); return null; }
    const waits = list.retryAfter === null ? [] : [list.retryAfter];
    if (list.status !== 200) {
      say(`Listing restores answered ${list.status}: ${(list.body && list.body.detail) || "no detail"}.`);
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
    if (restore.status !== "running" || typeof restore.progress !== "number") return;
    const samples = state.samples.get(restore.id) || [];
    const last = samples[samples.length - 1];
    if (!last || last.progress !== restore.progress) samples.push({ at: Date.now(), progress: restore.progress });
    state.samples.set(restore.id, samples.slice(-20));
  }

  // ETA from the progress seen so far: the rate between the first and the last sample, applied to what is left.
  function eta(restore) {
    const samples = state.samples.get(restore.id) || [];
    if (samples.length < 2) return null;
    const first = samples[0], last = samples[samples.length - 1];
    const rate = (last.progress - first.progress) / (last.at - first.at);
    if (!(rate > 0)) return null;
    return new Date(last.at + (100 - last.progress) / rate);
  }

  // --- rendering -----------------------------------------------------------------------------------------------
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value !== null && value !== undefined) node.setAttribute(name, String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const lastSegment = (id) => (id ? id.replace(/\/+$/, "").split("/").pop() : "");

  function vmOf(restore) {
    const request = restore.request || {};
    const id = request.vmId || request.protectedItemId || "";
    return { id, name: lastSegment(id).replace(/^vm;iaasvmcontainerv2;[^;]+;/i, "") || "(unknown VM)" };
  }

  function pointText(point) {
    if (!point) return "not chosen yet";
    const time = point.time ? new Date(point.time).toLocaleString() : "";
    return [point.name, time, point.type].filter(Boolean).join(" \u00B7 ");
  }

  function relative(date) {
    const minutes = Math.round((date.getTime() - Date.now()) / 60000);
    if (minutes < 1) return `under a minute (${date.toLocaleTimeString()})`;
    return `about ${minutes} min (${date.toLocaleTimeString()})`;
  }

  function progressPart(restore, vm) {
    const value = typeof restore.progress === "number" ? restore.progress : null;
    if (restore.status !== "running" && value === null) return null;  // ended before its job reported progress
    const bar = el("progress", { max: 100, "aria-label": `Progress of the restore of ${vm.name}` });
    if (value !== null) bar.value = value;
    const when = restore.status === "running" ? eta(restore) : null;
    const etaText = restore.status !== "running" ? null
      : when ? `ETA ${relative(when)}` : value === null ? "ETA: waiting for the job" : "ETA: estimating\u2026";
    return el("div", { class: "progress" }, bar,
              el("span", { class: "pct" }, value === null ? "no progress yet" : `${value.toFixed(1)}%`),
              etaText === null ? null : el("span", { class: "eta" }, etaText));
  }

  function errorPart(error) {
    if (!error) return null;
    const recs = (error.recommendations || []).map((r) => el("li", {}, r));
    return el("div", { class: "error" },
              el("p", {}, el("strong", { class: "code" }, error.code), ": ", el("span", { class: "message" }, error.message)),
              recs.length ? el("p", {}, "Recommendations:") : null,
              recs.length ? el("ul", { class: "recommendations" }, ...recs) : null);
  }

  function card(restore) {
    const vm = vmOf(restore);
    const status = restore.status;
    const rows = [["Phase", restore.phase], ["Source", restore.source || "unknown"],
                  ["Recovery point", pointText(restore.recoveryPoint)],
                  ["Started", restore.createdAt ? new Date(restore.createdAt).toLocaleString() : ""],
                  ["Job", restore.jobId || "not started"]];
    const list = el("dl", {}, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-field": k }, v)]));
    const cancel = status === "running"
      ? el("button", { type: "button", class: "cancel", "data-id": restore.id }, `Cancel the restore of ${vm.name}`)
      : null;
    return el("li", { class: "card", "data-id": restore.id, "data-status": status },
              el("h3", {}, el("span", { class: "vm", title: vm.id }, vm.name),
                 el("span", { class: "badge", "data-status": status }, `${SYMBOL[status] || "?"} ${status}`)),
              el("p", { class: "id" }, restore.id), list, progressPart(restore, vm), errorPart(restore.error), cancel);
  }

  function render() {
    const source = $("filter-source").value;
    const status = $("filter-status").value;
    const shown = (state.order || []).map((id) => state.details.get(id))
      .filter((r) => r && (!source || r.source === source) && (!status || r.status === status));
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.id : null;
    $("restores").replaceChildren(...shown.map(card));
    if (focused) {
      const again = document.querySelector(`#restores button.cancel[data-id="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
    $("empty").hidden = shown.length > 0;
    const counts = {};
    shown.forEach((r) => { counts[r.status] = (counts[r.status] || 0) + 1; });
    $("counts").textContent = `(${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(", ") || "none"})`;
  }

  function say(text) { $("status-line").textContent = text; }

  // --- key -----------------------------------------------------------------------------------------------------
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

  // --- cancel --------------------------------------------------------------------------------------------------
  $("restores").addEventListener("click", (event) => {
    const button = event.target.closest("button.cancel");
    if (!button) return;
    const restore = state.details.get(button.dataset.id);
    if (!restore) return;
    state.confirming = restore.id;
    state.returnFocus = restore.id;
    $("confirm-text").textContent = `Cancel the restore of ${vmOf(restore).name} (${restore.id})? `
      + "A restore job already running in Azure is cancelled too.";
    $("confirm-reason").value = "";
    $("confirm").showModal();
  });

  $("confirm").addEventListener("close", () => {
    state.confirming = null;
    const again = document.querySelector(`#restores button.cancel[data-id="${CSS.escape(state.returnFocus || "")}"]`);
    if (again) again.focus();
  });

  $("confirm-keep").addEventListener("click", () => $("confirm").close());

  $("confirm-yes").addEventListener("click", async () => {
    const id = state.confirming;
    const reason = $("confirm-reason").value.trim();
    $("confirm").close();
    if (!id) return;
    const answer = await api(`restores/${encodeURIComponent(id)}/cancel`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(reason ? { reason } : {}),
    });
    if (answer.status === 401) return askForKey();
    if (answer.status === 202) say(`Cancel requested for ${id}.`);
    else say(`Cancel of ${id} answered ${answer.status}: ${(answer.body && answer.body.detail) || ""}`);
    if (answer.body && answer.body.id) remember(answer.body);
    render();
    schedule(answer.retryAfter === null ? DEFAULT_WAIT_S : answer.retryAfter);
  });

  // --- filters and visibility ----------------------------------------------------------------------------------
  // A filter applies at once to what is shown; the next poll (at its Retry-After) asks the API with it.
  $("filter-status").addEventListener("change", render);
  $("filter-source").addEventListener("change", render);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") pause(); else resume();
  });

  poll();
})();
