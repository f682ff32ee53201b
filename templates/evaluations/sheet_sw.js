{% load i18n %}{% autoescape off %}// The score sheets' service worker (served by evaluations.views.sheets.service_worker, scope /evaluations/sheets/).
//
// A sheet opened once online opens again with no network, after a reload or a browser restart:
// - sheet pages: network first (fresh values, fresh CSRF token), falling back to the last copy kept here;
// - static files (CSS, JS, fonts, icons): served from here, refreshed in the background;
// - thumbnails of evidence and of the scorer's photos: kept once fetched (a thumbnail never changes).
// POSTs (sync, photo uploads, submit) never pass through a cache: the page's own queue (IndexedDB) handles them.
"use strict";

const CACHE = "score-sheets-v1";
const SCOPE = new URL(self.registration.scope).pathname;  // /evaluations/sheets/
const STATIC_PREFIX = "{{ static_prefix }}";
const PHOTO_PREFIX = "{{ photo_prefix }}";  // /evaluations/photos/
const USER_KEY = SCOPE + "__user__";
const NETWORK_WAIT_MS = 6000;  // on one bar of signal, a kept copy is better than a blank screen

function isSheetPage(url) {
  return url.pathname.startsWith(SCOPE) && /^\d+\/$/.test(url.pathname.slice(SCOPE.length));
}

function isThumbnail(url) {
  if (url.pathname.startsWith(PHOTO_PREFIX) && /^\d+\/thumbnail\/$/.test(url.pathname.slice(PHOTO_PREFIX.length))) {
    return true;
  }
  return url.pathname.startsWith(SCOPE) && /^\d+\/evidence\/\d+\/$/.test(url.pathname.slice(SCOPE.length)) &&
    url.searchParams.get("thumbnail") === "1";
}

function pageKey(url) {
  return url.origin + url.pathname;
}

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("score-sheets-") && name !== CACHE) {
        await caches.delete(name);
      }
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (isSheetPage(url)) {
    event.respondWith(sheetPage(event, url));
  } else if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(staticFile(event));
  } else if (isThumbnail(url)) {
    event.respondWith(thumbnail(request));
  }
});

async function keepPage(cache, url, response) {
  if (response.ok && response.headers.get("X-Score-Sheet") && !response.redirected) {
    await cache.put(pageKey(url), response.clone());
  } else if (response.status === 404) {
    await cache.delete(pageKey(url));  // no longer this user's to see: forget it here too
  }
}

async function sheetPage(event, url) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(pageKey(url));
  const network = fetch(event.request).then(async (response) => {
    await keepPage(cache, url, response);
    return response;
  });
  event.waitUntil(network.catch(() => null));
  if (!cached) {
    try {
      return await network;
    } catch (error) {
      return offline();
    }
  }
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), NETWORK_WAIT_MS));
  try {
    return (await Promise.race([network, timeout])) || cached;
  } catch (error) {
    return cached;
  }
}

async function staticFile(event) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(event.request, { ignoreSearch: true });
  const network = fetch(event.request).then(async (response) => {
    if (response.ok) {
      await cache.put(event.request, response.clone());
    }
    return response;
  });
  if (cached) {
    event.waitUntil(network.catch(() => null));
    return cached;
  }
  try {
    return await network;
  } catch (error) {
    return new Response("", { status: 504, statusText: "offline" });
  }
}

async function thumbnail(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) {
    return cached;
  }
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    return new Response("", { status: 504, statusText: "offline" });
  }
}

function offline() {
  const body = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<title>{% translate '离线' as title %}{{ title|escapejs }}</title><p>" +
    "{% translate '当前离线，这份评分表还没有在本机打开过。联网后打开一次，之后离线也能使用。' as hint %}{{ hint|escapejs }}</p>";
  return new Response(body, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// The page tells the worker who is logged in and what it needs kept (its own address on a first visit, the static
// files it uses, its thumbnails). A different user on the same phone never gets the previous user's sheets.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "keep") {
    return;
  }
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const known = await cache.match(USER_KEY);
    const user = String(data.user);
    if (!known || (await known.text()) !== user) {
      for (const request of await cache.keys()) {
        const url = new URL(request.url);
        if (isSheetPage(url) || isThumbnail(url)) {
          await cache.delete(request);
        }
      }
      await cache.put(USER_KEY, new Response(user));
    }
    for (const address of data.urls || []) {
      const url = new URL(address, self.location.origin);
      if (url.origin !== self.location.origin) {
        continue;
      }
      const page = isSheetPage(url);
      if (!page && (await cache.match(url.href, { ignoreSearch: url.pathname.startsWith(STATIC_PREFIX) }))) {
        continue;
      }
      try {
        const response = await fetch(url.href, { credentials: "same-origin" });
        if (page) {
          await keepPage(cache, url, response);
        } else if (response.ok) {
          await cache.put(url.href, response);
        }
      } catch (error) {
        // offline: kept on a later visit
      }
    }
    // Static files of an older release (hashed names) that no page uses any more.
    const wanted = new Set((data.urls || []).map((address) => new URL(address, self.location.origin).pathname));
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      if (url.pathname.startsWith(STATIC_PREFIX) && !wanted.has(url.pathname)) {
        await cache.delete(request);
      }
    }
    if (event.source && data.page) {
      const page = new URL(data.page, self.location.origin);
      event.source.postMessage({ type: "kept", page: data.page, ok: !!(await cache.match(pageKey(page))) });
    }
  })());
});
{% endautoescape %}
