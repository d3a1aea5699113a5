// Shared by the board's scripts (docs/board.md): building elements, and how IDs, points and times are written.
// triggers/board.py joins dom.js, plans.js, approvals.js, drills.js and board.js, in that order, into the page's one script.
const $ = (id) => document.getElementById(id);
// Every status is written out and carries a symbol of its own; colour only repeats it (docs/board.md).
const SYMBOL = { running: "\u25B6", succeeded: "\u2714", failed: "\u2716", cancelled: "\u25A0", pending: "\u25CB",
                 skipped: "\u21B7", validated: "\u2611", awaitingApproval: "\u2016" };

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

function badge(status, text = status) {
  return el("span", { class: "badge", "data-status": status }, `${SYMBOL[status] || "?"} ${text}`);
}

function rows(pairs) {
  return el("dl", {}, ...pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-field": k }, v)]));
}

const lastSegment = (id) => (id ? id.replace(/\/+$/, "").split("/").pop() : "");

// A VM's name from its VM ID or its backup item ID (`vm;iaasvmcontainerv2;{rg};{name}`).
const vmName = (id) => lastSegment(id || "").replace(/^vm;iaasvmcontainerv2;[^;]+;/i, "");

function pointText(point) {
  if (!point) return "not chosen yet";
  const time = point.time ? new Date(point.time).toLocaleString() : "";
  return [point.name, time, point.type].filter(Boolean).join(" \u00B7 ");
}

const timeText = (value) => (value ? new Date(value).toLocaleString() : "");

function relative(date) {
  const minutes = Math.round((date.getTime() - Date.now()) / 60000);
  if (minutes < 1) return `under a minute (${date.toLocaleTimeString()})`;
  return `about ${minutes} min (${date.toLocaleTimeString()})`;
}

function progressBar(value, label) {
  const bar = el("progress", { max: 100, "aria-label": label });
  if (typeof value === "number") bar.value = value;
  return bar;
}

function say(text) { $("status-line").textContent = text; }

function detailOf(answer) { return (answer.body && answer.body.detail) || "no detail"; }

function errorPart(error) {
  if (!error) return null;
  const recs = (error.recommendations || []).map((r) => el("li", {}, r));
  return el("div", { class: "error" },
            el("p", {}, el("strong", { class: "code" }, error.code), ": ", el("span", { class: "message" }, error.message)),
            recs.length ? el("p", {}, "Recommendations:") : null,
            recs.length ? el("ul", { class: "recommendations" }, ...recs) : null);
}

// The buttons of a card carry `data-action` and `data-id`, so the focus survives a re-render (board.js, render).
const findAction = (action, id) =>
  document.querySelector(`button[data-action="${action}"][data-id="${CSS.escape(id || "")}"]`);

const countsText = (counts) => Object.entries(counts || {}).map(([s, n]) => `${n} ${s}`).join(", ");

function minutesText(seconds) {
  if (typeof seconds !== "number") return null;
  return seconds < 90 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`;
}
