// The dispatcher console: queue, alerts, live map and schedule board, live-updated.
import { api, countdown, el, hhmm, liveEvents, requireUser, session, syncClock } from "./api.js";
import { drawBoard } from "./board.js";
import { drawMap, legend } from "./map.js";

const auth = session();
const $ = (id) => document.getElementById(id);
const main = $("main");
const state = { queue: [], selected: 0, board: null, timezone: "UTC", technicians: [], pending: null, role: null };

const me = await requireUser(auth, { main, form: $("login") });
state.role = me.role;
state.canDispatch = me.permissions.includes("order:dispatch");
$("who").textContent = `${me.name} (${me.role})`;
if (!me.permissions.includes("order:list")) {
  // The same permission table as the API: a technician has no business on the console.
  main.replaceChildren(el("p", { class: "error", role: "alert", id: "refused" },
    `A ${me.role} may not use the dispatcher console.`, " ", el("a", { href: "/technician" }, "Open the technician app")));
} else {
  await start();
}

async function start() {
  bindKeys();
  legend($("map-legend"));
  await refresh();
  setInterval(tickCountdowns, 1000);
  let timer = null;
  let mapTimer = null;
  liveEvents(auth, "/web/api/events", (name) => {
    if (name === "TechnicianPosition") {
      // Positions arrive all the time: they move dots on the map, nothing else.
      if (!mapTimer) mapTimer = setTimeout(() => { mapTimer = null; refreshMap(); }, 1000);
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(refresh, 250); // a burst of events (one move re-times a route) -> one refresh
  }, (up) => {
    $("live-status").textContent = up ? "live" : "reconnecting…";
    $("live-status").className = `live ${up ? "on" : "off"}`;
  });
}

async function refresh() {
  const [queue, alerts, board, map] = await Promise.all([
    api(auth, "/web/api/queue"), api(auth, "/web/api/alerts"), api(auth, "/web/api/board"), api(auth, "/web/api/map"),
  ]);
  syncClock(board.now);
  state.timezone = board.timezone;
  state.board = board;
  state.technicians = board.technicians;
  state.queue = queue;
  renderQueue();
  renderAlerts(alerts);
  drawBoard($("board"), board, { onDrop: askMove, onOpen: openOrder, readOnly: !state.canDispatch });
  drawMap($("map"), map, { tileUrl: main.dataset.tileUrl, onOrder: openOrder, labels: map.technicians.length <= 15 });
  main.dataset.ready = String(Date.now());
}

async function refreshMap() {
  const map = await api(auth, "/web/api/map");
  drawMap($("map"), map, { tileUrl: main.dataset.tileUrl, onOrder: openOrder, labels: map.technicians.length <= 15 });
}

function renderQueue() {
  const filter = $("queue-filter").value.trim().toLowerCase();
  const rows = state.queue.filter((o) => !filter || JSON.stringify(o).toLowerCase().includes(filter));
  state.selected = Math.min(state.selected, Math.max(0, rows.length - 1));
  $("queue").replaceChildren(...rows.map((order, i) => el("li", {
    role: "option", id: `q-${order.id}`, "aria-selected": String(i === state.selected),
    dataset: { order: order.id }, onclick: () => openOrder(order.id),
  },
  el("span", { class: `prio ${order.priority}` }, order.priority),
  el("span", {}, el("b", {}, order.id), " ", order.service_type, el("br"),
    el("small", { class: `sla-${order.sla_state}` }, order.unassigned ? "unassigned" : `${order.status} · ${order.technician_id}`, " · SLA ", order.sla_state.replace("_", " "))),
  el("span", { class: "countdown", dataset: { deadline: order.deadline || "" } }, countdown(order.deadline).text))));
  $("queue").setAttribute("aria-activedescendant", rows[state.selected] ? `q-${rows[state.selected].id}` : "");
  tickCountdowns();
}

function tickCountdowns() {
  for (const node of document.querySelectorAll(".countdown")) {
    const { text, late } = countdown(node.dataset.deadline || null);
    node.textContent = text;
    node.classList.toggle("late", late);
  }
}

function renderAlerts(alerts) {
  const open = alerts.filter((a) => !a.acknowledged_by).length;
  $("alert-count").textContent = open;
  $("alerts").replaceChildren(...alerts.map((alert) => el("li", {
    class: `${alert.severity}${alert.acknowledged_by ? " acked" : ""}`, dataset: { alert: alert.id },
  },
  el("span", {}, alert.text, alert.acknowledged_by ? ` (ack: ${alert.acknowledged_by})` : ""),
  el("span", { class: "act" },
    alert.order_id ? el("button", { type: "button", class: "secondary", onclick: () => openOrder(alert.order_id) }, alert.action === "dispatch" ? "Dispatch" : "Open") : null,
    alert.action === "queue" ? el("button", { type: "button", class: "secondary", onclick: () => $("queue").focus() }, "Queue") : null,
    alert.acknowledged_by || !state.canDispatch ? null : el("button", { type: "button", onclick: () => acknowledge(alert.id) }, "Acknowledge")))));
}

async function acknowledge(id) {
  await api(auth, `/web/api/alerts/${encodeURIComponent(id)}/ack`, { method: "POST" });
  await refresh();
}

async function openOrder(orderId) {
  const [order, decisions, history, report] = await Promise.all([
    api(auth, `/api/v1/orders/${orderId}`), api(auth, `/api/v1/orders/${orderId}/decisions`), api(auth, `/api/v1/orders/${orderId}/history`),
    api(auth, `/web/api/orders/${orderId}/field-report`).catch(() => null),
  ]);
  const tz = state.timezone;
  const decision = decisions.at(-1);
  const body = [
    el("table", { class: "kv" },
      el("tr", {}, el("th", {}, "Status"), el("td", {}, order.status)),
      el("tr", {}, el("th", {}, "Priority"), el("td", {}, order.priority, " · SLA ", order.sla?.state || order.sla_state, " · due ", hhmm(order.sla?.next_deadline, tz))),
      el("tr", {}, el("th", {}, "Service"), el("td", {}, order.service_type, " — ", order.description)),
      el("tr", {}, el("th", {}, "Technician"), el("td", {}, order.technician_id || "unassigned", order.eta_window ? ` · ETA ${hhmm(order.eta_window.start, tz)}-${hhmm(order.eta_window.end, tz)}` : ""))),
    el("h3", {}, "Decision record"),
    decision ? decisionView(decision) : el("p", {}, "No dispatch decision yet."),
    el("h3", {}, "Field report"),
    fieldReportView(order.id, report),
    el("h3", {}, "History"),
    el("ol", {}, history.map((h) => el("li", {}, `${hhmm(h.at, tz)} ${h.action} ${h.from_status || ""}→${h.to_status} by ${h.actor}`, h.reason ? ` — ${h.reason}` : ""))),
  ];
  if (["new", "assigned", "accepted"].includes(order.status) && state.canDispatch) {
    const pick = el("select", { id: "assign-technician", "aria-label": "Technician" },
      state.technicians.map((t) => el("option", { value: t.technician_id }, `${t.name} (${t.technician_id})`)));
    body.push(el("h3", {}, "Assign or move"), el("div", { class: "buttons" }, pick,
      el("button", { type: "button", onclick: () => { $("order-dialog").close(); askMove({ order_id: order.id, version: order.version }, pick.value, null); } }, "Check with the engine")));
  }
  $("order-title").textContent = `Order ${order.id}`;
  $("order-body").replaceChildren(...body);
  $("order-dialog").showModal();
}

// What the technician reported: notes, parts, signature, and the photos (fetched with the token).
function fieldReportView(orderId, report) {
  if (!report || !(report.notes.length || report.photos || report.signed || Object.keys(report.parts_used).length)) return el("p", { id: "field-report" }, "Nothing reported yet.");
  const photos = el("div", { class: "photos" });
  for (let i = 0; i < report.photos; i += 1) {
    api(auth, `/web/api/orders/${orderId}/field-report/photos/${i}`, { raw: true })
      .then((reply) => (reply.ok ? reply.blob() : null))
      .then((blob) => { if (blob) photos.append(el("img", { src: URL.createObjectURL(blob), alt: `Photo ${i + 1}`, class: "thumb" })); });
  }
  return el("div", { id: "field-report" },
    el("ul", {}, report.notes.map((n) => el("li", {}, n))),
    Object.keys(report.parts_used).length ? el("p", {}, "Parts used: ", Object.entries(report.parts_used).map(([p, q]) => `${p} × ${q}`).join(", ")) : null,
    el("p", {}, report.signed ? "Signed by the customer" : "Not signed"),
    photos);
}

const nameOf = (id) => state.technicians.find((t) => t.technician_id === id)?.name || id;

function decisionView(d) {
  const parts = [el("p", { class: "summary" }, d.summary || (d.mode === "force" || d.mode === "move"
    ? `${d.mode === "move" ? "Moved" : "Forced"} onto ${nameOf(d.technician_id)} by the dispatcher at ${d.planned_start_local} (ETA ${d.eta_window_local?.join("-")}), cost ${Math.round(d.cost?.total ?? 0)}${d.cost_delta === null ? "" : ` (${d.cost_delta >= 0 ? "+" : ""}${Math.round(d.cost_delta)} vs the engine's best)`}.`
    : `${d.mode || d.kind}: ${d.outcome || ""}`))];
  if (d.mode === "force" && !d.broken?.length) parts.push(el("p", { class: "ok" }, "It broke no constraint."));
  if (d.winner) parts.push(el("p", {}, el("b", {}, "Why this technician: "), `${d.winner.technician_id}, cost ${Math.round(d.winner.cost?.total ?? 0)}`));
  if (d.runners_up?.length) parts.push(el("p", {}, el("b", {}, "Runners-up")), el("ul", {}, d.runners_up.map((r) => el("li", {}, `${r.technician_id}: +${Math.round(r.cost_gap ?? 0)} — ${(r.lost_because || []).map((x) => x.sentence || x.code).join("; ")}`))));
  if (d.rejected?.length) parts.push(el("details", {}, el("summary", {}, `Why not the others (${d.rejected.length})`), el("ul", {}, d.rejected.map((r) => el("li", {}, `${r.technician_id}: ${(r.reasons || []).map((x) => x.sentence || x.code).join("; ")}`)))));
  if (d.unblock?.length) parts.push(el("p", {}, el("b", {}, "What would unblock it")), el("ul", {}, d.unblock.map((u) => el("li", {}, `${u.technician_id}: ${u.sentence}`))));
  if (d.broken?.length) parts.push(el("ul", {}, d.broken.map((b) => el("li", { class: "broken" }, b.sentence))));
  return el("div", {}, parts);
}

async function askMove(visit, technicianId, dropAt) {
  const dialog = $("move-dialog");
  $("move-error").textContent = "";
  $("move-body").replaceChildren(el("p", {}, "Checking with the engine…"));
  $("move-reason").value = "";
  if (!dialog.open) dialog.showModal();
  try {
    const preview = await api(auth, "/web/api/moves/preview", { method: "POST", body: { order_id: visit.order_id, technician_id: technicianId, drop_at: dropAt } });
    state.pending = preview;
    const delta = preview.cost_delta_vs_current ?? preview.cost_delta;
    $("move-body").replaceChildren(
      el("p", {}, `${preview.order_id} → ${nameOf(technicianId)} at ${hhmm(preview.planned_start_iso, state.timezone)} (ETA ${hhmm(preview.eta_window_iso[0], state.timezone)}-${hhmm(preview.eta_window_iso[1], state.timezone)})`),
      preview.broken.length
        ? el("ul", { id: "move-broken", "aria-label": "Constraints this move breaks" }, preview.broken.map((b) => el("li", { class: "broken" }, "⚠ ", b.sentence)))
        : el("p", { class: "ok", id: "move-ok" }, "Breaks no constraint."),
      el("p", { id: "move-cost" }, `Cost change: ${delta === null || delta === undefined ? "n/a" : (delta >= 0 ? "+" : "") + Math.round(delta)}`,
        preview.cost_delta_vs_current === null ? " (vs the engine's best choice)" : " (vs where it is now)"),
    );
    $("move-reason").focus();
  } catch (error) {
    $("move-body").replaceChildren(el("p", { class: "error" }, error.message));
    state.pending = null;
  }
}

$("move-cancel").onclick = () => { state.pending = null; $("move-dialog").close(); };
$("move-form").onsubmit = async (event) => {
  event.preventDefault();
  const p = state.pending;
  if (!p) return;
  try {
    await api(auth, "/web/api/moves", { method: "POST", body: {
      order_id: p.order_id, technician_id: p.to_technician_id, position: p.requested_position,
      reason: $("move-reason").value, expected_version: p.order_version } });
    state.pending = null;
    $("move-dialog").close();
    await refresh();
  } catch (error) {
    $("move-error").textContent = error.message;
  }
};

function bindKeys() {
  $("queue-filter").addEventListener("input", renderQueue);
  $("queue").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && state.queue[state.selected]) openOrder(state.queue[state.selected].id);
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    const go = { a: "alerts", b: "board", m: "map" };
    if (event.key === "/") { event.preventDefault(); $("queue-filter").focus(); }
    else if (event.key === "j" || event.key === "k") {
      state.selected = Math.max(0, state.selected + (event.key === "j" ? 1 : -1));
      renderQueue();
      $("queue").focus();
    } else if (go[event.key]) { $(`${go[event.key]}-panel`).scrollIntoView(); ($(`${go[event.key]}-panel`).querySelector("[tabindex='0'], button") || $(`${go[event.key]}-panel`)).focus(); }
    else if (event.key === "?") document.querySelector(".shortcuts").scrollIntoView();
  });
}
