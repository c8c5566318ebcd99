// The schedule board: one row per technician, the day's visits as bars with the travel before
// each, breaks and shift bounds. Drag a visit (mouse, pen or touch) to another row or time, or
// focus it and use the arrow keys then Enter; `onDrop(visit, technicianId, dropAtIso)` decides.
import { el, hhmm, serverNow } from "./api.js";

const STEP_MS = 15 * 60 * 1000;

export function drawBoard(container, data, { onDrop, onOpen, readOnly = false }) {
  const rows = data.technicians;
  // The axis is the working day (shifts and now); visits booked on other days are counted, not drawn.
  const times = rows.flatMap((r) => r.shift || []).map(Date.parse);
  const start = Math.min(...times, serverNow()) - 30 * 60000;
  const end = Math.max(...times, serverNow() + 6 * 3600000) + 60 * 60000;
  const inDay = (v) => Date.parse(v.end) > start && Date.parse(v.start) < end;
  const pct = (iso) => ((Date.parse(iso) - start) / (end - start)) * 100;
  const place = (node, from, to) => {
    node.style.left = `${pct(from)}%`;
    node.style.width = `${Math.max(0.4, pct(to) - pct(from))}%`;
    return node;
  };
  const ticks = el("div", { class: "lane" });
  for (let t = Math.ceil(start / 3600000) * 3600000; t < end; t += 3600000) {
    const tick = el("span", { class: "tick" }, hhmm(new Date(t).toISOString(), data.timezone));
    tick.style.left = `${((t - start) / (end - start)) * 100}%`;
    ticks.append(tick);
  }
  const lanes = [];
  const body = rows.map((row) => {
    const lane = el("div", { class: "lane", dataset: { technician: row.technician_id } });
    if (row.shift) lane.append(place(el("div", { class: "shift", title: `shift ${hhmm(row.shift[0], data.timezone)}-${hhmm(row.shift[1], data.timezone)}` }), ...row.shift));
    for (const [a, b] of row.breaks) lane.append(place(el("div", { class: "brk", title: "break" }), a, b));
    const later = row.visits.filter((v) => !inDay(v)).length;
    if (later) lane.append(el("span", { class: "later", title: "visits booked on other days" }, `+${later} other days`));
    for (const visit of row.visits.filter(inDay)) {
      const movable = visit.movable && !readOnly;
      if (visit.travel_minutes > 0) lane.append(place(el("div", { class: "travel", title: `${visit.travel_minutes} min travel` }), visit.travel_start, visit.start));
      const bar = place(el("div", {
        class: `visit ${visit.priority}${movable ? " movable" : visit.movable ? "" : " pinned"}`,
        tabindex: "0", role: "button",
        "aria-label": `${visit.order_id} ${visit.priority} ${hhmm(visit.start, data.timezone)}-${hhmm(visit.end, data.timezone)} on ${row.name}${movable ? ", movable" : visit.movable ? "" : ", under way"}`,
        dataset: { order: visit.order_id, technician: row.technician_id },
        title: `${visit.order_id} ${visit.service_type} ${visit.site}`,
      }, `${visit.order_id} ${visit.service_type}`), visit.start, visit.end);
      if (movable) enableDrag(bar, visit, row);
      bar.addEventListener("dblclick", () => onOpen(visit.order_id));
      lane.append(bar);
    }
    const now = el("div", { class: "now-line" });
    now.style.left = `${((serverNow() - start) / (end - start)) * 100}%`;
    lane.append(now);
    lanes.push(lane);
    return el("div", { class: "board-row" }, el("div", { class: "name", title: row.technician_id }, row.name), lane);
  });
  container.replaceChildren(el("div", { class: "ticks" }, el("span"), ticks), ...body);

  function laneAt(x, y) {
    return lanes.find((lane) => { const r = lane.getBoundingClientRect(); return y >= r.top && y <= r.bottom && x >= r.left - 140 && x <= r.right; });
  }
  function timeAt(lane, x) {
    const r = lane.getBoundingClientRect();
    const t = start + ((x - r.left) / r.width) * (end - start);
    return new Date(Math.round(t / 60000) * 60000).toISOString();
  }

  function enableDrag(bar, visit, row) {
    let ghost = null;
    bar.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      bar.setPointerCapture(event.pointerId);
      const grab = event.clientX - bar.getBoundingClientRect().left;
      ghost = { grab, lane: null };
      const move = (e) => {
        const lane = laneAt(e.clientX, e.clientY);
        lanes.forEach((l) => l.classList.toggle("drop-target", l === lane));
        ghost.lane = lane;
        ghost.x = e.clientX - grab;
        bar.style.transform = `translate(${e.clientX - event.clientX}px, ${e.clientY - event.clientY}px)`;
      };
      const up = (e) => {
        bar.removeEventListener("pointermove", move);
        bar.removeEventListener("pointerup", up);
        bar.style.transform = "";
        lanes.forEach((l) => l.classList.remove("drop-target"));
        const moved = Math.abs(e.clientX - event.clientX) + Math.abs(e.clientY - event.clientY) > 4;
        if (moved && ghost.lane) onDrop(visit, ghost.lane.dataset.technician, timeAt(ghost.lane, ghost.x));
        ghost = null;
      };
      bar.addEventListener("pointermove", move);
      bar.addEventListener("pointerup", up);
    });
    // Keyboard: arrows pick a row and a time, Enter asks the engine, Escape gives up.
    let target = { row: rows.indexOf(row), at: Date.parse(visit.start) };
    bar.addEventListener("keydown", (event) => {
      const keys = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -STEP_MS], ArrowRight: [0, STEP_MS] };
      if (keys[event.key]) {
        event.preventDefault();
        const [dr, dt] = keys[event.key];
        target = { row: Math.min(rows.length - 1, Math.max(0, target.row + dr)), at: target.at + dt };
        lanes.forEach((l, i) => l.classList.toggle("drop-target", i === target.row));
        bar.setAttribute("aria-description", `move to ${rows[target.row].name} at ${hhmm(new Date(target.at).toISOString(), data.timezone)}; Enter to check`);
      } else if (event.key === "Enter") {
        event.preventDefault();
        lanes.forEach((l) => l.classList.remove("drop-target"));
        onDrop(visit, rows[target.row].technician_id, new Date(target.at).toISOString());
      } else if (event.key === "Escape") {
        lanes.forEach((l) => l.classList.remove("drop-target"));
        target = { row: rows.indexOf(row), at: Date.parse(visit.start) };
      }
    });
  }
}
