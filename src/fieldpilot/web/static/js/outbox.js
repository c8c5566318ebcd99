// The device's queue of field actions: kept in localStorage, replayed in order when the
// connection returns. A conflict (the order was reassigned, or moved on to another state
// meanwhile) stops that order's remaining actions and is shown; nothing is dropped silently.
import { api } from "./api.js";

const QUEUE_KEY = "fieldpilot.outbox";
const CONFLICT_KEY = "fieldpilot.conflicts";
const OFFSET_KEY = "fieldpilot.clockOffset";

const load = (key) => JSON.parse(localStorage.getItem(key) || "[]");
const save = (key, value) => localStorage.setItem(key, JSON.stringify(value));

// The server's clock as last seen (a device's clock may be wrong): what `occurred_at` is read from.
export function noteServerTime(iso) {
  const at = Date.parse(iso);
  if (!Number.isNaN(at)) localStorage.setItem(OFFSET_KEY, String(at - Date.now()));
}
export function serverNow() {
  return new Date(Date.now() + (Number(localStorage.getItem(OFFSET_KEY)) || 0)).toISOString();
}

export const outbox = {
  items: () => load(QUEUE_KEY),
  conflicts: () => load(CONFLICT_KEY),
  // Each item carries when it was done (`occurred_at`, on the server's clock): replayed later,
  // the server files it at that time, not at the time the connection came back.
  push(item) {
    const items = load(QUEUE_KEY);
    items.push({ id: `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, occurred_at: serverNow(), ...item });
    save(QUEUE_KEY, items);
  },
  dismiss(id) { save(CONFLICT_KEY, load(CONFLICT_KEY).filter((c) => c.id !== id)); },
};

function isNetworkError(error) {
  return !(error && typeof error.status === "number");
}

const TARGET = { accept: "accepted", decline: "new", start_travel: "en_route", arrive: "on_site", complete: "completed", hold: "on_hold" };

async function sendAction(auth, item, versions) {
  const send = (version) => api(auth, `/api/v1/orders/${item.order_id}/actions/${item.action}`, {
    method: "POST", headers: { "If-Match": `"${version}"` },
    body: { ...(item.reason ? { reason: item.reason } : {}), ...(item.occurred_at ? { occurred_at: item.occurred_at } : {}) },
  });
  try {
    return await send(versions[item.order_id] ?? item.base_version);
  } catch (error) {
    if (error.status !== 412 && error.status !== 409) throw error;
    const current = await api(auth, `/api/v1/orders/${item.order_id}`);
    // Sent before, and only the reply was lost: the order is where this action takes it.
    if (current.status === TARGET[item.action]) return current;
    // Stale only because the plan re-timed the visit? Same status and still mine: send again.
    if (error.status === 412 && current.status === item.from_status) return await send(current.version);
    throw Object.assign(error, { current });
  }
}

function conflictText(item, error) {
  if (error.status === 403 || error.status === 404) return `${item.order_id}: the order was reassigned or withdrawn — your "${item.action}" was not applied.`;
  if (error.status === 409 || error.current) {
    const now = error.current?.status || error.problem?.current_status || "another state";
    return `${item.order_id}: the order is now ${now} — your "${item.action}" was not applied.`;
  }
  return `${item.order_id}: "${item.action}" was refused: ${error.message}`;
}

// Send everything queued, oldest first. Returns { sent, conflicts, blocked } (blocked: offline).
// One replay at a time, across the app's tabs too: two would send the same action twice.
let running = null;
export function replay(auth) {
  if (!running) {
    const work = () => replayNow(auth);
    running = (navigator.locks ? navigator.locks.request("fieldpilot-outbox", work) : work())
      .finally(() => { running = null; });
  }
  return running;
}

async function replayNow(auth) {
  const versions = {};
  const failedOrders = new Set();
  let sent = 0;
  let newConflicts = 0;
  for (;;) {
    const items = load(QUEUE_KEY);
    const item = items[0];
    if (!item) return { sent, conflicts: newConflicts, blocked: false };
    try {
      if (failedOrders.has(item.order_id)) throw Object.assign(new Error("an earlier action on this order was refused"), { status: 409 });
      if (item.kind === "report") {
        await api(auth, `/web/api/orders/${item.order_id}/field-report`, { method: "POST", body: { ...item.body, occurred_at: item.occurred_at, client_id: item.id } });
      } else {
        const view = await sendAction(auth, item, versions);
        versions[item.order_id] = view.version;
      }
      sent += 1;
    } catch (error) {
      if (isNetworkError(error) || error.status === 401 || error.status >= 500) return { sent, conflicts: newConflicts, blocked: true };
      failedOrders.add(item.order_id);
      const conflicts = load(CONFLICT_KEY);
      conflicts.push({ ...item, text: conflictText(item, error), status: error.status });
      save(CONFLICT_KEY, conflicts);
      newConflicts += 1;
    }
    save(QUEUE_KEY, load(QUEUE_KEY).filter((i) => i.id !== item.id));
  }
}
