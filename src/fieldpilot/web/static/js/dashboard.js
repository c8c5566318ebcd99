// The manager's dashboard: today's figures, SLA attainment, the week's trend, CSV export.
import { api, el, liveEvents, requireUser, session } from "./api.js";
import { barChart } from "./chart.js";

const auth = session();
const $ = (id) => document.getElementById(id);
const main = $("main");
await requireUser(auth, { main, form: $("login") });
await load();
let timer = null;
liveEvents(auth, "/web/api/events", (name) => {
  if (name === "TechnicianPosition") return; // positions move no figure on this screen
  clearTimeout(timer);
  timer = setTimeout(load, 2000);
});

async function load() {
  const d = await api(auth, "/web/api/dashboard");
  $("day").textContent = d.date;
  const pct = (v) => (v === null || v === undefined ? "n/a" : `${Math.round(v * 100)}%`);
  const num = (v, unit = "") => (v === null || v === undefined ? "n/a" : `${v}${unit}`);
  const kpi = (label, value) => el("div", { class: "kpi" }, el("b", {}, value), label);
  $("kpis").replaceChildren(
    kpi("mean wait (created → dispatched)", num(d.mean_wait_minutes, " min")),
    kpi("mean response (created → on site)", num(d.mean_response_minutes, " min")),
    kpi("utilization (booked / shift)", pct(d.utilization)),
    kpi("first-time fix rate", pct(d.first_time_fix_rate)),
    kpi("km driven today", num(d.km_driven_today, " km")),
    kpi("km planned today", num(d.km_planned_today, " km")),
    kpi("open orders", String(Object.entries(d.orders_by_state).filter(([s]) => !["completed", "closed", "cancelled"].includes(s)).reduce((n, [, c]) => n + c, 0))),
  );
  barChart($("by-state"), Object.entries(d.orders_by_state).map(([label, n]) => ({ label: label.replace("_", " "), values: [n] })));
  barChart($("sla"), Object.entries(d.sla_attainment).map(([label, row]) => ({ label, values: [row.rate === null ? null : Math.round(row.rate * 100)] })), { max: 100, format: (v) => `${v}%` });
  barChart($("trend"), d.trend.map((t) => ({ label: t.date.slice(5), values: [t.created, t.completed, t.breached] })), { series: ["created", "completed", "breached"] });
  $("late").replaceChildren(...(d.top_late_technicians.length ? d.top_late_technicians.map((t) => el("li", {}, `${t.name}: ${t.late_visits} late visit(s)`)) : [el("li", {}, "Nobody late.")]));
  $("breaches").replaceChildren(...(d.top_sla_breaches.length ? d.top_sla_breaches.map((b) => el("li", {}, `${b.order_id} ${b.priority} (${b.status})`)) : [el("li", {}, "No breaches.")]));
  main.dataset.ready = String(Date.now());
}

$("export").addEventListener("click", async () => {
  const reply = await api(auth, "/web/api/dashboard.csv", { raw: true, headers: { Accept: "text/csv" } });
  const url = URL.createObjectURL(await reply.blob());
  const link = el("a", { href: url, download: "dashboard.csv" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});
