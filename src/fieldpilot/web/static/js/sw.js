// The technician app's service worker: the app shell from the cache when the network is gone,
// data never from the cache (the page keeps its own copy and its queue of actions).
const CACHE = "fieldpilot-tech-v2";
const SHELL = [
  "/technician",
  "/static/web/css/app.css",
  "/static/web/js/api.js",
  "/static/web/js/tech.js",
  "/static/web/js/outbox.js",
  "/technician/manifest.webmanifest",
  "/static/web/icon.svg",
  "/static/web/icon-192.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/web/api/")) return;
  // Network first (fresh code when online), the cached shell when offline.
  event.respondWith(
    fetch(event.request)
      .then((reply) => {
        if (reply.ok && SHELL.includes(url.pathname)) {
          const copy = reply.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return reply;
      })
      .catch(() => caches.match(event.request, { ignoreSearch: true })),
  );
});
