// The live map as SVG. Without a tile server: a plain equirectangular projection of the service
// area (territories, depots, orders, technicians), no network needed. With one (data-tile-url,
// e.g. https://tile.example/{z}/{x}/{y}.png): Web Mercator with the tiles underneath.
import { svg } from "./api.js";

export const STATUS_COLOURS = { idle: "#78909c", assigned: "#1565c0", en_route: "#6a1b9a", on_site: "#2e7d32" };
export const PRIORITY_COLOURS = { P1: "#c62828", P2: "#ef6c00", P3: "#f9a825", P4: "#2e7d32" };

function bounds(points) {
  const lats = points.map((p) => p[0]);
  const lons = points.map((p) => p[1]);
  const pad = 0.01;
  return { s: Math.min(...lats) - pad, n: Math.max(...lats) + pad, w: Math.min(...lons) - pad, e: Math.max(...lons) + pad };
}

function equirectangular(box, width, height) {
  const k = Math.cos(((box.n + box.s) / 2) * Math.PI / 180);
  const scale = Math.min(width / ((box.e - box.w) * k), height / (box.n - box.s));
  const ox = (width - (box.e - box.w) * k * scale) / 2;
  const oy = (height - (box.n - box.s) * scale) / 2;
  return ([lat, lon]) => [ox + (lon - box.w) * k * scale, oy + (box.n - lat) * scale];
}

function mercatorPixel([lat, lon], zoom) {
  const size = 256 * 2 ** zoom;
  const s = Math.sin((lat * Math.PI) / 180);
  return [((lon + 180) / 360) * size, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * size];
}

function tiles(group, box, width, height, tileUrl) {
  let zoom = 18;
  while (zoom > 1) {
    const [x0, y0] = mercatorPixel([box.n, box.w], zoom);
    const [x1, y1] = mercatorPixel([box.s, box.e], zoom);
    if (x1 - x0 <= width && y1 - y0 <= height) break;
    zoom -= 1;
  }
  const [x0, y0] = mercatorPixel([box.n, box.w], zoom);
  const [x1, y1] = mercatorPixel([box.s, box.e], zoom);
  const ox = (width - (x1 - x0)) / 2 - x0;
  const oy = (height - (y1 - y0)) / 2 - y0;
  for (let tx = Math.max(0, Math.floor(-ox / 256)); tx * 256 + ox < width; tx += 1) {
    for (let ty = Math.max(0, Math.floor(-oy / 256)); ty * 256 + oy < height; ty += 1) {
      const href = tileUrl.replace("{z}", zoom).replace("{x}", tx).replace("{y}", ty);
      group.append(svg("image", { href, x: tx * 256 + ox, y: ty * 256 + oy, width: 256, height: 256 }));
    }
  }
  return (point) => { const [x, y] = mercatorPixel(point, zoom); return [x + ox, y + oy]; };
}

export function drawMap(container, data, { tileUrl = "", onOrder = () => {}, labels = true } = {}) {
  const width = container.clientWidth || 600;
  const height = container.clientHeight || 300;
  const points = [
    ...data.technicians.map((t) => [t.lat, t.lon]),
    ...data.orders.map((o) => [o.lat, o.lon]),
    ...(data.depots || []).map((d) => [d.lat, d.lon]),
  ];
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true" });
  if (!points.length) { container.replaceChildren(root); return; }
  const box = bounds(points);
  const base = svg("g", { class: "tiles" });
  root.append(base);
  const project = tileUrl ? tiles(base, box, width, height, tileUrl) : equirectangular(box, width, height);
  for (const territory of data.territories || []) {
    const outline = territory.outline.map((p) => project(p).join(",")).join(" ");
    root.append(svg("polygon", { class: "territory", points: outline }, svg("title", {}, `territory ${territory.code}`)));
    const [cx, cy] = project(territory.outline[0] || [box.n, box.w]);
    if (labels) root.append(svg("text", { class: "map-label", x: cx, y: cy }, territory.code));
  }
  for (const depot of data.depots || []) {
    const [x, y] = project([depot.lat, depot.lon]);
    root.append(svg("rect", { class: "depot", x: x - 5, y: y - 5, width: 10, height: 10 }, svg("title", {}, depot.name)));
  }
  const orderAt = new Map();
  for (const order of data.orders) {
    const [x, y] = project([order.lat, order.lon]);
    orderAt.set(order.id, [x, y]);
    const dot = svg("circle", {
      class: "order-dot", cx: x, cy: y, r: order.priority === "P1" ? 6 : 4.5,
      fill: PRIORITY_COLOURS[order.priority] || "#999", "data-order": order.id, tabindex: "-1",
    }, svg("title", {}, `${order.id} ${order.priority} ${order.status}`));
    dot.addEventListener("click", () => onOrder(order.id));
    root.append(dot);
  }
  for (const tech of data.technicians) {
    const [x, y] = project([tech.lat, tech.lon]);
    const colour = STATUS_COLOURS[tech.status] || "#333";
    if (tech.heading_to && orderAt.has(tech.heading_to)) {
      const [tx, ty] = orderAt.get(tech.heading_to);
      root.append(svg("line", { class: "heading", x1: x, y1: y, x2: tx, y2: ty, stroke: colour }));
    }
    root.append(svg("circle", { class: "tech-dot", cx: x, cy: y, r: 7, fill: colour, "data-technician": tech.id },
      svg("title", {}, `${tech.name} — ${tech.status}${tech.heading_to ? " → " + tech.heading_to : ""}`)));
    if (labels) root.append(svg("text", { class: "map-label", x: x + 8, y: y + 3 }, tech.name.split(" ")[0]));
  }
  container.replaceChildren(root);
}

export function legend(node) {
  const item = (colour, label) => {
    const dot = document.createElement("span");
    dot.textContent = "● ";
    dot.style.color = colour;
    return [dot, label + "  "];
  };
  node.replaceChildren(
    ...Object.entries(STATUS_COLOURS).flatMap(([k, c]) => item(c, k.replace("_", " "))),
    " · orders: ",
    ...Object.entries(PRIORITY_COLOURS).flatMap(([k, c]) => item(c, k)),
  );
}
