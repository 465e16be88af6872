// The portal's service worker (served at /sw.js by conference/portal/views/pwa.py,
// which writes CONFIG below). It keeps an allow-list of pages for the event day
// when the venue's network fails, and touches nothing else:
// - allow-listed pages (CONFIG.offlinePages): network first; the cached copy only
//   when the network fails or is slow, marked so the page says "Offline — last
//   updated at …" (static/js/pwa.js);
// - static files: cache first for hashed (immutable) names, network first otherwise;
// - everything else, every POST, staff pages, the admin and the API: not handled.
// Pages rendered for a signed-in person (X-Portal-User) are kept in a cache of
// their own, dropped at logout and whenever the site answers for someone else.
"use strict";

const CONFIG = {{ config|safe }};

const STATIC_CACHE = "portal-static-v1";
const PUBLIC_CACHE = "portal-pages-v1";
const PERSONAL_CACHE = "portal-personal-v1";
const CACHES = [STATIC_CACHE, PUBLIC_CACHE, PERSONAL_CACHE];
const USER_HEADER = "X-Portal-User";
const CACHED_AT_HEADER = "X-Portal-Cached-At";
// The key under which the personal cache records whose pages it holds.
const OWNER_KEY = new URL("__portal-pwa/owner", self.registration.scope).href;
// A network that has not answered by then is treated as gone, if a copy exists.
const NETWORK_TIMEOUT_MS = 6000;
// A public page is fetched again as an anonymous visitor at most this often.
const PUBLIC_REFRESH_MS = 10 * 60 * 1000;
const STATIC_LIMIT = 150;
const HASHED_NAME = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;

const offlinePages = CONFIG.offlinePages.map((source) => new RegExp(source));
const publicPages = CONFIG.publicPages.map((source) => new RegExp(source));

function matches(patterns, url) {
  return patterns.some((pattern) => pattern.test(url.pathname));
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(STATIC_CACHE)
      // One by one: a file missing from this deploy must not stop the install.
      .then((cache) => Promise.all(CONFIG.precache.map((url) => cache.add(url).catch(() => null))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("portal-") && !CACHES.includes(name))
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  // static/js/pwa.js, just before a logout form is sent.
  if (event.data && event.data.type === "logout") {
    event.waitUntil(forgetPersonal());
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.method === "POST" && url.pathname === CONFIG.logoutPath) {
    // Not answered here: the logout goes to the site as it is, and the
    // personal pages are gone by the time its answer arrives.
    event.waitUntil(forgetPersonal());
    return;
  }
  if (request.method !== "GET") {
    return;
  }
  if (url.pathname.startsWith(CONFIG.staticUrl)) {
    event.respondWith(staticFile(event, request, url));
  } else if (request.mode === "navigate" && matches(offlinePages, url)) {
    event.respondWith(page(event, request, url));
  }
});

// Static files ------------------------------------------------------------------

// A static file is its path: the icon font is asked for with a cache-busting query.
const STATIC_MATCH = { ignoreVary: true, ignoreSearch: true };

async function staticFile(event, request, url) {
  const cache = await caches.open(STATIC_CACHE);
  if (HASHED_NAME.test(url.pathname)) {
    const cached = await cache.match(request, STATIC_MATCH);
    if (cached) {
      return cached;
    }
  }
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") {
      event.waitUntil(cache.put(request, response.clone()).then(() => trim(cache, STATIC_LIMIT)));
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request, STATIC_MATCH);
    if (cached) {
      return cached;
    }
    throw error;
  }
}

async function trim(cache, limit) {
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - limit)).map((key) => cache.delete(key)));
}

// Pages -------------------------------------------------------------------------

async function page(event, request, url) {
  const network = fetch(request).then((response) => {
    event.waitUntil(remember(url, response.clone()));
    return response;
  });
  // Settled either way, so a late failure is never an unhandled rejection.
  network.catch(() => null);
  let timer;
  const slow = new Promise((resolve) => {
    timer = setTimeout(resolve, NETWORK_TIMEOUT_MS);
  });
  try {
    const first = await Promise.race([network, slow]);
    if (first) {
      return await unlessBroken(first, url);
    }
    // Slow: the copy if there is one, else keep waiting for the network.
    const cached = await cachedPage(url);
    if (cached) {
      event.waitUntil(network.catch(() => null));
      return cached;
    }
    return await unlessBroken(await network, url);
  } catch (error) {
    const cached = await cachedPage(url);
    if (cached) {
      return cached;
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

// A server error (the site down behind its proxy) is no better than no network.
async function unlessBroken(response, url) {
  if (response.status < 500) {
    return response;
  }
  return (await cachedPage(url)) || response;
}

// Files a fresh answer: under its person, or as public when it is for no one.
async function remember(url, response) {
  if (response.type !== "basic" || response.status >= 500) {
    return; // a redirect (opaque here) or a failure says nothing of who is signed in
  }
  const user = response.headers.get(USER_HEADER) || "";
  const owner = await personalOwner();
  if (owner && owner !== user) {
    // Logged out (the session ended) or someone else logged in.
    await forgetPersonal();
  }
  if (!response.ok) {
    return;
  }
  const copy = await stamped(response);
  if (user) {
    const cache = await caches.open(PERSONAL_CACHE);
    await cache.put(OWNER_KEY, new Response(user));
    await cache.put(url.href, copy);
    if (matches(publicPages, url)) {
      await refreshPublic(url);
    }
  } else {
    const cache = await caches.open(PUBLIC_CACHE);
    await cache.put(url.href, copy);
  }
}

// The anonymous visitor's copy of a public page, kept when a signed-in person
// opens it, so that it still opens offline after they log out.
async function refreshPublic(url) {
  const cache = await caches.open(PUBLIC_CACHE);
  const kept = await cache.match(url.href, { ignoreVary: true });
  const keptAt = kept ? Date.parse(kept.headers.get(CACHED_AT_HEADER)) : 0;
  if (Date.now() - keptAt < PUBLIC_REFRESH_MS) {
    return;
  }
  try {
    const response = await fetch(url.href, { credentials: "omit", redirect: "error" });
    if (response.ok && !response.headers.get(USER_HEADER)) {
      await cache.put(url.href, await stamped(response));
    }
  } catch (error) {
    // Offline again: the older copy stays.
  }
}

async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set(CACHED_AT_HEADER, new Date().toISOString());
  const body = await response.blob();
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

async function cachedPage(url) {
  const options = { ignoreVary: true };
  let cached = null;
  if (await personalOwner()) {
    const personal = await caches.open(PERSONAL_CACHE);
    cached = await personal.match(url.href, options);
  }
  if (!cached) {
    const shared = await caches.open(PUBLIC_CACHE);
    cached = await shared.match(url.href, options);
  }
  return cached ? offlineCopy(cached) : null;
}

// The cached page, told that it is one: static/js/pwa.js shows the "Offline —
// last updated at" line when <html> carries data-pwa-offline-at.
async function offlineCopy(cached) {
  const at = cached.headers.get(CACHED_AT_HEADER) || "";
  const html = (await cached.text()).replace(
    /<html\b/i,
    `<html data-pwa-offline-at="${at.replace(/[^0-9TZ:.+-]/g, "")}"`,
  );
  return new Response(html, { status: 200, headers: cached.headers });
}

async function personalOwner() {
  if (!(await caches.has(PERSONAL_CACHE))) {
    return ""; // not created just to be asked
  }
  const cache = await caches.open(PERSONAL_CACHE);
  const owner = await cache.match(OWNER_KEY);
  return owner ? owner.text() : "";
}

function forgetPersonal() {
  return caches.delete(PERSONAL_CACHE);
}
