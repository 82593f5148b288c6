// converse-py's optional service worker: lets a page that embeds converse-py open without a
// network. A page asks for it on the shim's tag:
//
//     <script src="/static/converse.js" data-offline="on"></script>
//
// and the shim registers this file with the folder converse-py is served from as its scope
// (the server says that is allowed: `Service-Worker-Allowed`, see docs/deploying.md).
//
// Network first: every GET of the page's own origin goes to the network as before (the HTTP
// cache still answers or revalidates it), and a copy of each successful response is kept in
// the Cache API, replaced only when its ETag changed. When the network fails, the kept copy
// answers: the page, the shim, PyScript, Pyodide and converse_py start as they did online,
// and the shim says the chat is offline. Not kept: responses marked no-store, the prebuilt
// Pyodide snapshot (static/snapshots/: the page keeps its own copy in the Cache API, see
// static/pyodide-snapshot.mjs) and anything not from this origin (XMPP goes to its server).
//
// A visit that restores a Pyodide snapshot never asks for converse_py.zip, yet an offline visit
// that has no snapshot to restore boots from it. So when static/build.json (asked on every
// visit) is new, or no copy of the package is kept yet, the worker asks for the package itself
// and keeps it: one request per build, answered by the HTTP cache when it already has it.
'use strict';

const CACHE_NAME = 'converse-py-offline-v1';
const MANIFEST_URL = new URL('./build.json', self.location.href).href;
const PACKAGE_URL = new URL('./converse_py.zip', self.location.href).href;

self.addEventListener('install', function () {
    self.skipWaiting();
});

self.addEventListener('activate', function (event) {
    event.waitUntil(self.clients.claim());
});

function worthKeeping(response) {
    if (!response.ok || response.type !== 'basic') return false;
    return !/no-store/i.test(response.headers.get('Cache-Control') || '');
}

// Whether a copy of ``response`` is kept now (false: storage full or disabled; the page then
// works as without this worker).
async function keep(cache, request, response) {
    try {
        const old = await cache.match(request);
        const etag = response.headers.get('ETag');
        if (old && etag && old.headers.get('ETag') === etag) return true;
        await cache.put(request, response);
        return true;
    } catch (err) {
        return false;
    }
}

// ``etag``: build.json's as the network just gave it. The kept build.json is the build the kept
// package belongs to, so it is replaced only once the package is kept (true); otherwise the
// next visit tries again.
async function keepPackage(cache, etag) {
    try {
        const keptManifest = await cache.match(MANIFEST_URL);
        const sameBuild = keptManifest && etag && keptManifest.headers.get('ETag') === etag;
        if (sameBuild && await cache.match(PACKAGE_URL)) return true;
        const response = await fetch(PACKAGE_URL);
        return worthKeeping(response) && await keep(cache, new Request(PACKAGE_URL), response);
    } catch (err) {
        return false;  // offline
    }
}

async function networkFirst(event) {
    const request = event.request;
    const cache = await caches.open(CACHE_NAME);
    try {
        const response = await fetch(request);
        if (worthKeeping(response)) {
            const copy = response.clone();
            if (request.url === MANIFEST_URL) {
                event.waitUntil(keepPackage(cache, response.headers.get('ETag')).then(function (kept) {
                    return kept ? keep(cache, request, copy) : undefined;
                }));
            } else {
                event.waitUntil(keep(cache, request, copy));
            }
        }
        return response;
    } catch (err) {
        const kept = await cache.match(request);
        if (kept) return kept;
        throw err;
    }
}

self.addEventListener('fetch', function (event) {
    const request = event.request;
    if (request.method !== 'GET') return;
    const url = new URL(request.url);
    if (url.origin !== self.location.origin || url.pathname.indexOf('/static/snapshots/') >= 0) return;
    event.respondWith(networkFirst(event));
});
