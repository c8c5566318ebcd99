// The technician's app: today's route, order detail, field actions that work offline, field
// reports (notes, parts used, photos, signature), and position reports while on shift.
import { api, el, hhmm, liveEvents, requireUser, session } from "./api.js";
import { noteServerTime, outbox, replay } from "./outbox.js";

const auth = session(localStorage); // the app is installed on the device: stay signed in
const $ = (id) => document.getElementById(id);
const main = $("main");
const ROUTE_KEY = "fieldpilot.route";
const NEXT = { assigned: "accept", accepted: "start_travel", en_route: "arrive", on_site: "complete" };
const TARGET = { accept: "accepted", start_travel: "en_route", arrive: "on_site", complete: "completed", hold: "on_hold" };
const LABEL = { accept: "Accept", start_travel: "En route", arrive: "Arrived (check in)", complete: "Completed (check out)", hold: "On hold…" };
let route = JSON.parse(localStorage.getItem(ROUTE_KEY) || "null");
let openId = null;

if ("serviceWorker" in navigator) navigator.serviceWorker.register("/technician/sw.js", { scope: "/technician" }).catch(() => {});

const me = navigator.onLine || !route ? await requireUser(auth, { main, form: $("login") }) : null;
if (!me) { main.hidden = false; $("login").hidden = true; }
render();
await sync();
window.addEventListener("online", sync);
window.addEventListener("offline", showNetwork);
liveEvents(auth, "/web/api/events", () => navigator.onLine && sync());
startPositionReports();

function showNetwork() {
  const online = navigator.onLine;
  $("net").textContent = online ? "online" : "offline — actions are kept on this device";
  $("net").className = `live ${online ? "on" : "off"}`;
  $("pending").textContent = outbox.items().length;
  main.dataset.pending = String(outbox.items().length);
}

async function sync() {
  showNetwork();
  if (!navigator.onLine) return;
  try {
    await replay(auth);
    route = await api(auth, "/web/api/me/route");
    noteServerTime(route.now);
    localStorage.setItem(ROUTE_KEY, JSON.stringify(route));
  } catch (error) {
    // Offline or the server is away: keep the copy we have.
  }
  for (const item of outbox.items()) applyLocally(item); // still queued: show them as done
  render();
  main.dataset.synced = String(Date.now());
}

function applyLocally(item) {
  const stop = route?.stops.find((s) => s.id === item.order_id);
  if (stop && item.kind !== "report" && TARGET[item.action]) stop.status = TARGET[item.action];
}

function render() {
  showNetwork();
  $("conflicts").replaceChildren(...outbox.conflicts().map((c) => el("li", { class: "conflict" }, c.text, " ",
    el("button", { type: "button", class: "secondary", onclick: () => { outbox.dismiss(c.id); render(); } }, "Dismiss"))));
  const stops = route?.stops || [];
  const queued = new Set(outbox.items().map((i) => i.order_id));
  $("stops").replaceChildren(...(stops.length ? stops.map((stop, i) => el("li", { class: `stop${queued.has(stop.id) ? " queued" : ""}`, dataset: { order: stop.id, status: stop.status } },
    el("h2", {}, `${i + 1}. ${stop.site?.name || stop.id}`),
    el("div", {}, el("span", { class: "status-chip" }, stop.status.replace("_", " ")), " ", stop.priority, " · ", stop.service_type),
    el("div", {}, "ETA ", stop.eta_window ? `${hhmm(stop.eta_window[0])}–${hhmm(stop.eta_window[1])}` : hhmm(stop.planned_start)),
    el("div", {}, stop.site?.address || ""),
    el("div", { class: "actions" },
      NEXT[stop.status] ? el("button", { type: "button", "data-action": NEXT[stop.status], onclick: () => act(stop, NEXT[stop.status]) }, LABEL[NEXT[stop.status]]) : null,
      ["assigned", "accepted", "en_route", "on_site"].includes(stop.status) ? el("button", { type: "button", class: "secondary", "data-action": "hold", onclick: () => act(stop, "hold") }, LABEL.hold) : null,
      stop.navigation_url ? el("a", { href: stop.navigation_url, target: "_blank", rel: "noopener noreferrer" }, "Navigate") : null,
      el("button", { type: "button", class: "secondary", onclick: () => { openId = stop.id; renderDetail(); } }, "Details")))) : [el("li", {}, "No visits today.")]));
  renderDetail();
}

function act(stop, action, reason = "") {
  if (action === "hold" && !reason.trim()) {
    askHoldReason(stop);
    return;
  }
  outbox.push({ kind: "action", order_id: stop.id, action, reason, from_status: stop.status, base_version: stop.version });
  stop.status = TARGET[action];
  localStorage.setItem(ROUTE_KEY, JSON.stringify(route));
  render();
  sync();
}

function askHoldReason(stop) {
  const card = document.querySelector(`.stop[data-order="${stop.id}"]`);
  const input = el("input", { id: `hold-${stop.id}`, required: true, maxlength: 500, placeholder: "e.g. awaiting parts" });
  const form = el("form", { class: "hold-form" },
    el("label", { for: `hold-${stop.id}` }, "Why is this visit on hold?"), input,
    el("div", { class: "actions" },
      el("button", { type: "submit" }, "Put on hold"),
      el("button", { type: "button", class: "secondary", onclick: () => form.remove() }, "Cancel")));
  form.addEventListener("submit", (event) => { event.preventDefault(); act(stop, "hold", input.value); });
  card.append(form);
  input.focus();
}

function renderDetail() {
  const stop = route?.stops.find((s) => s.id === openId);
  const detail = $("detail");
  detail.hidden = !stop;
  if (!stop) return;
  const photos = el("input", { type: "file", id: "photos", accept: "image/jpeg,image/png", capture: "environment", multiple: true });
  const canvas = el("canvas", { class: "signature", id: "signature", width: 600, height: 200, "aria-label": "Customer signature" });
  enableSignature(canvas);
  const parts = el("input", { id: "parts", placeholder: "part-code x2, other-part x1" });
  const notes = el("textarea", { id: "notes", rows: 3 });
  detail.replaceChildren(
    el("h2", {}, `${stop.id} — ${stop.customer.name}`),
    el("p", {}, stop.description),
    stop.site?.access_notes ? el("p", {}, "Access: ", stop.site.access_notes) : null,
    el("h3", {}, "Asset"), el("p", {}, stop.asset ? `${stop.asset.model} (${stop.asset.serial})` : "—"),
    el("ul", { id: "asset-history" }, stop.asset_history.map((h) => el("li", {}, `${h.id} ${h.service_type} (${h.status})`))),
    el("h3", {}, "Customer history"),
    (stop.customer_history || []).length
      ? el("ul", { id: "customer-history" }, stop.customer_history.map((h) => el("li", {}, `${h.created_at.slice(0, 10)} ${h.id} ${h.service_type} (${h.status})${h.description ? ` — ${h.description}` : ""}`)))
      : el("p", { id: "customer-history" }, "No earlier visits."),
    el("h3", {}, "Required parts"), el("ul", {}, stop.required_parts.map((p) => el("li", {}, `${p.part} × ${p.quantity}`))),
    el("h3", {}, "Steps"), el("ol", {}, stop.sop_steps.map((s) => el("li", {}, s))),
    el("h3", {}, "Report"),
    el("label", { for: "notes" }, "Notes"), notes,
    el("label", { for: "parts" }, "Parts used"), parts,
    el("label", { for: "photos" }, "Photos"), photos,
    el("label", { for: "signature" }, "Customer signature"), canvas,
    el("button", { type: "button", id: "save-report", onclick: () => saveReport(stop, { notes, parts, photos, canvas }) }, "Save report"),
    stop.field_report ? el("p", { id: "report-summary" }, `Saved: ${stop.field_report.photos} photo(s), ${stop.field_report.signed ? "signed" : "not signed"}`) : null,
  );
}

function enableSignature(canvas) {
  const ctx = canvas.getContext("2d");
  ctx.lineWidth = 3;
  let drawing = false;
  const at = (e) => { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; canvas.dataset.signed = "1"; ctx.beginPath(); ctx.moveTo(...at(e)); });
  canvas.addEventListener("pointermove", (e) => { if (drawing) { ctx.lineTo(...at(e)); ctx.stroke(); } });
  canvas.addEventListener("pointerup", () => { drawing = false; });
}

async function saveReport(stop, { notes, parts, photos, canvas }) {
  const read = (file) => new Promise((resolve) => { const r = new FileReader(); r.onload = () => resolve(r.result); r.readAsDataURL(file); });
  const used = {};
  for (const piece of parts.value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [code, count] = piece.split(/\s*x\s*/);
    used[code] = (used[code] || 0) + (Number(count) || 1);
  }
  const body = {
    notes: notes.value,
    parts_used: used,
    photos: await Promise.all([...photos.files].map(read)),
    signature: canvas.dataset.signed ? canvas.toDataURL("image/png") : null,
  };
  outbox.push({ kind: "report", order_id: stop.id, body });
  render();
  sync();
}

function startPositionReports() {
  if (!("geolocation" in navigator)) return;
  const period = Number(localStorage.getItem("fieldpilot.positionPeriod")) || route?.position_period_seconds || 60;
  const report = () => {
    if (!navigator.onLine || !route?.on_shift) return; // only while on shift
    navigator.geolocation.getCurrentPosition((p) => {
      api(auth, "/web/api/me/position", { method: "POST", body: { lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy } }).catch(() => {});
    }, () => {}, { maximumAge: period * 1000, timeout: 10000 });
  };
  report();
  setInterval(report, period * 1000);
}
