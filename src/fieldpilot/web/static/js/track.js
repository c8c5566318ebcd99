// The customer's tracking page: status timeline, live ETA window, the technician's first name
// and position while en route, then the rating form. Public: the token in the path is the key.
import { el, hhmm, svg } from "./api.js";

const main = document.getElementById("main");
const token = main.dataset.token;
const base = `/track/${encodeURIComponent(token)}`;
const LABELS = { new: "Received", assigned: "Scheduled", accepted: "Confirmed", en_route: "On the way", on_site: "Arrived", completed: "Done" };
const STATUS_TEXT = {
  new: "We have your request and are finding a technician.",
  assigned: "Your visit is scheduled.",
  accepted: "Your technician has confirmed the visit.",
  en_route: "Your technician is on the way.",
  on_site: "Your technician has arrived.",
  completed: "The work is done.",
  closed: "The work is done.",
  on_hold: "Your visit is on hold; we will be in touch.",
  cancelled: "This visit was cancelled.",
};

function render(view) {
  document.getElementById("track-status").textContent = STATUS_TEXT[view.status] || view.status;
  const reached = view.timeline.indexOf(view.status === "closed" ? "completed" : view.status);
  document.getElementById("timeline").replaceChildren(...view.timeline.map((step, i) => el("li", {
    class: i < reached ? "done" : i === reached ? "current" : "", "aria-current": i === reached ? "step" : null,
  }, LABELS[step] || step)));
  const eta = view.eta_window;
  document.getElementById("eta").textContent = eta ? `${hhmm(eta.start)} – ${hhmm(eta.end)}` : "to be confirmed";
  document.getElementById("eta").dataset.start = eta ? eta.start : "";
  const section = document.getElementById("tech-section");
  section.hidden = !view.technician_first_name;
  document.getElementById("tech-name").textContent = view.technician_first_name || "";
  const map = document.getElementById("tech-map");
  map.hidden = !view.position;
  if (view.position) {
    // A schematic, not a map: how far the technician still is from you (nothing else is shown).
    const km = view.position.distance_km;
    const x = 86 - Math.min(1, (km ?? 10) / 20) * 72;
    map.replaceChildren(svg("svg", { viewBox: "0 0 100 60" },
      svg("line", { x1: x, y1: 30, x2: 86, y2: 30, stroke: "#90a4ae", "stroke-dasharray": "2 2" }),
      svg("path", { d: "M80 32 L86 26 L92 32 L92 38 L80 38 Z", fill: "#0b5394" }),
      svg("text", { x: 86, y: 46, "font-size": 4, "text-anchor": "middle" }, "you"),
      svg("circle", { cx: x, cy: 30, r: 3.5, fill: "#6a1b9a" }),
      svg("text", { x, y: 22, "font-size": 4.5, "text-anchor": "middle" }, km === null ? "on the way" : `about ${km} km away`)));
  }
  document.getElementById("rating").hidden = !view.can_rate;
  document.getElementById("thanks").hidden = view.rating === null || view.rating === undefined;
  main.dataset.status = view.status;
}

const source = new EventSource(`${base}/events`);
source.addEventListener("tracking", (event) => render(JSON.parse(event.data)));
source.onerror = () => {
  // The stream reconnects by itself; meanwhile fetch once so the page is never stale for long.
  fetch(`${base}/data`, { cache: "no-store" }).then((r) => (r.ok ? r.json() : null)).then((v) => v && render(v)).catch(() => {});
};

document.getElementById("rating").addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(event.target);
  const reply = await fetch(`${base}/rating`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ rating: Number(data.get("rating")), comment: data.get("comment") || "" }),
  });
  if (reply.ok) {
    event.target.hidden = true;
    document.getElementById("thanks").hidden = false;
  }
});
