// Shared by the screens: sign-in, authorised fetch, a server-sent-events reader that sends the
// token in a header (EventSource cannot), and time helpers that follow the server's clock.

const TOKEN_KEY = "fieldpilot.token";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function session(store = sessionStorage) {
  return {
    get token() { return store.getItem(TOKEN_KEY); },
    set token(value) { value ? store.setItem(TOKEN_KEY, value) : store.removeItem(TOKEN_KEY); },
  };
}

export async function api(auth, path, { method = "GET", body, headers = {}, raw = false } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (auth?.token) init.headers.Authorization = `Bearer ${auth.token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const reply = await fetch(path, init);
  if (raw) return reply;
  if (reply.status === 204) return null;
  const data = await reply.json().catch(() => ({}));
  if (!reply.ok) throw new ApiError(reply.status, data);
  return data;
}

export async function signIn(username, password) {
  const form = new URLSearchParams({ username, password, grant_type: "password" });
  const reply = await fetch("/api/v1/auth/token", { method: "POST", body: form });
  const data = await reply.json().catch(() => ({}));
  if (!reply.ok) throw new ApiError(reply.status, data);
  return data.access_token;
}

// Show the sign-in form until a token is there; resolve with the signed-in user (/api/v1/me).
export async function requireUser(auth, { main, form, onSignedOut }) {
  const logout = document.getElementById("logout");
  if (logout) logout.onclick = () => { auth.token = null; location.reload(); };
  if (auth.token) {
    try {
      const me = await api(auth, "/api/v1/me");
      main.hidden = false;
      form.hidden = true;
      return me;
    } catch (error) {
      if (error.status !== 401) throw error;
      auth.token = null;
      onSignedOut?.();
    }
  }
  main.hidden = true;
  form.hidden = false;
  form.querySelector("input").focus();
  return new Promise((resolve) => {
    form.onsubmit = async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      try {
        auth.token = await signIn(data.get("username"), data.get("password"));
        resolve(await requireUser(auth, { main, form, onSignedOut }));
      } catch (error) {
        form.querySelector(".error").textContent = error.message;
      }
    };
  });
}

// Server-sent events over fetch (so the token travels in a header); reconnects with backoff.
export function liveEvents(auth, path, onEvent, onState = () => {}) {
  let stopped = false;
  let delay = 1000;
  const controller = new AbortController();
  async function run() {
    while (!stopped) {
      try {
        const headers = auth?.token ? { Authorization: `Bearer ${auth.token}` } : {};
        const reply = await fetch(path, { headers, signal: controller.signal, cache: "no-store" });
        if (!reply.ok || !reply.body) throw new Error(`HTTP ${reply.status}`);
        onState(true);
        delay = 1000;
        const reader = reply.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = { name: "message", data: "" };
            for (const line of block.split("\n")) {
              if (line.startsWith("event: ")) event.name = line.slice(7);
              else if (line.startsWith("data: ")) event.data += line.slice(6);
            }
            if (event.data) onEvent(event.name, JSON.parse(event.data));
          }
        }
      } catch (error) {
        if (stopped) return;
      }
      onState(false);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }
  run();
  return () => { stopped = true; controller.abort(); };
}

// The server's clock may differ from the browser's (and is fixed in tests): follow the server.
let skew = 0;
export function syncClock(serverNowIso) { skew = Date.parse(serverNowIso) - Date.now(); }
export function serverNow() { return Date.now() + skew; }

export function hhmm(iso, timeZone) {
  if (!iso) return "—";
  return new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone });
}

export function countdown(iso) {
  if (!iso) return { text: "no deadline", late: false };
  const ms = Date.parse(iso) - serverNow();
  const late = ms < 0;
  const total = Math.floor(Math.abs(ms) / 60000);
  const text = `${late ? "-" : ""}${Math.floor(total / 60)}h${String(total % 60).padStart(2, "0")}`;
  return { text, late };
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const SVG_NS = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(key, value);
  for (const child of children.flat()) if (child) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
