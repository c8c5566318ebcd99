// A very small bar chart in SVG (bundled with the app; no chart library from a CDN).
import { svg } from "./api.js";

const PALETTE = ["#1565c0", "#2e7d32", "#c62828", "#ef6c00", "#6a1b9a", "#00838f"];

// bars: [{label, values: [n, ...]}], series: names of the values (grouped bars).
export function barChart(container, bars, { series = [""], max = null, format = (v) => String(v) } = {}) {
  const width = 420;
  const height = 200;
  const pad = { l: 30, r: 8, t: 16, b: 28 };
  const top = max ?? Math.max(1, ...bars.flatMap((b) => b.values.map((v) => v ?? 0)));
  const slot = (width - pad.l - pad.r) / Math.max(1, bars.length);
  const bw = (slot * 0.8) / series.length;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": container.getAttribute("aria-label") || "chart" });
  root.append(svg("line", { x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b, stroke: "#90a4ae" }));
  bars.forEach((bar, i) => {
    bar.values.forEach((value, j) => {
      const h = ((value ?? 0) / top) * (height - pad.t - pad.b);
      const x = pad.l + i * slot + slot * 0.1 + j * bw;
      root.append(svg("rect", { x, y: height - pad.b - h, width: Math.max(1, bw - 2), height: h, fill: PALETTE[j % PALETTE.length] },
        svg("title", {}, `${bar.label} ${series[j]}: ${value === null ? "n/a" : format(value)}`)));
      if (series.length === 1) root.append(svg("text", { x: x + bw / 2, y: height - pad.b - h - 3, "text-anchor": "middle" }, value === null ? "n/a" : format(value)));
    });
    root.append(svg("text", { x: pad.l + i * slot + slot / 2, y: height - pad.b + 14, "text-anchor": "middle" }, bar.label));
  });
  if (series.length > 1) {
    series.forEach((name, j) => {
      root.append(svg("rect", { x: pad.l + j * 90, y: 3, width: 8, height: 8, fill: PALETTE[j % PALETTE.length] }));
      root.append(svg("text", { x: pad.l + j * 90 + 11, y: 11 }, name));
    });
  }
  container.replaceChildren(root);
}
