// The interpreter module PyScript loads for converse-py (pyscript.toml `interpreter`):
// Pyodide's own loadPyodide, started from a memory snapshot whenever there is one, and the
// converse_py package with it: a snapshot holds the package (imported, or compiled:
// converse_py/preload.py); without one, converse_py.zip is unpacked into the interpreter's
// working directory.
//
// Where a snapshot comes from, first found wins:
// 1. the Cache API: a copy an earlier visit stored (2. or 3.), read as it is (no decoding).
// 2. prebuilt: tools/make_snapshot.mjs (run by tools/build.py) makes one at build time and
//    the server serves it as static/snapshots/<id>.snapshot (~31 MB, 5.9 MB with Brotli), so
//    even a first visit skips initialising Python (~2 s of CPU here). It more than doubles a
//    first visit's download (4.3 → 10 MB), which only pays on a fast network, so by default
//    ("auto") it is used when the server is near: fetching static/build.json or the shim took
//    at most NEAR_SERVER_MS, and the browser did not ask to save data. A page decides instead
//    with `<script src=".../converse.js" data-prebuilt-snapshot="on">` (or "off"); see
//    bench/RESULTS.md. 5 s after a visit restored it, when idle, it is copied into the
//    Cache API for later visits (its HTTP-cached copy is compressed: reading it means
//    decoding 31 MB, on the start-up path).
// 3. none: the visit boots Pyodide normally; 5 s later, when idle, a worker
//    (static/pyodide-snapshot-worker.mjs) boots a throw-away interpreter off the main thread,
//    snapshots it and stores it in the Cache API for later visits.
// A snapshot is looked up by the id of its contents (static/pyodide-snapshot-prepare.mjs:
// Pyodide's version, the pre-imported modules, converse_py.zip's SHA-256), so new files never
// meet an old snapshot; one that fails to load is dropped and Pyodide boots normally. The
// build writes the current id into static/build.json (revalidated on each visit, ~50 bytes):
// a page that restores a snapshot does not download converse_py.zip at all (without
// build.json, the id is worked out from the zip's bytes). (A
// snapshot cannot be taken of the page's own interpreter: booting with `_makeSnapshot`
// changes how `js` behaves in it.)
//
// Marks for bench/: cpy:pyodide-start, cpy:pyscript-asks, cpy:pyodide-loaded,
// cpy:snapshot-restored (+ cpy:prebuilt-restored), cpy:prebuilt-skipped (auto chose not to
// download it), cpy:snapshot-pending, cpy:snapshot-stored.
import { loadPyodide as loadPlain, version } from './vendor/pyodide/pyodide.mjs';
import { sha256Hex, snapshotId, unpackPackage } from './pyodide-snapshot-prepare.mjs';

export { version };

const CACHE_NAME = 'converse-py-pyodide-snapshot';
const INDEX_URL = new URL('./vendor/pyodide/', import.meta.url).href;
const PACKAGE_URL = new URL('./converse_py.zip', import.meta.url).href;
const PREBUILT_DIR = new URL('./snapshots/', import.meta.url).href;
const MANIFEST_URL = new URL('./build.json', import.meta.url).href;
const SHIM_URL = new URL('./converse.js', import.meta.url).href;
const SNAPSHOT_DELAY_MS = 5000;
// "auto": a server this near (request → last byte of static/build.json) is on this machine or
// the local network, where 6 MB more arrive faster than Python initialises (~2 s here).
const NEAR_SERVER_MS = 30;

function mark(name) {
    if (globalThis.performance && performance.mark) performance.mark(name);
}

// converse_py.zip's bytes (null when it cannot be fetched): hashed into the snapshot id, and
// unpacked into an interpreter that restored no snapshot (one that did has the package in
// memory: converse_py/preload.py).
async function packageBytes() {
    try {
        const response = await fetch(PACKAGE_URL);
        return response.ok ? new Uint8Array(await response.arrayBuffer()) : null;
    } catch (err) {
        return null;
    }
}

// The id of the snapshot this page can use, from static/build.json (null when it is missing:
// then worked out from the package, see below).
async function manifestSnapshotId() {
    try {
        const response = await fetch(MANIFEST_URL, { cache: 'no-cache' });
        if (!response.ok) return null;
        const manifest = await response.json();
        return typeof manifest.snapshot === 'string' && /^[0-9a-f]{32}$/.test(manifest.snapshot) ? manifest.snapshot : null;
    } catch (err) {
        return null;
    }
}

async function hashedSnapshotId(packageZip) {
    try {
        if (!packageZip || !globalThis.crypto || !crypto.subtle) return null;
        return await snapshotId(version, await sha256Hex(packageZip));
    } catch (err) {
        return null;
    }
}

// "auto": whether the prebuilt snapshot is worth its download (see the top of this file).
// Timed: static/build.json and the shim (static/converse.js), two small files of the same
// server; either one coming within NEAR_SERVER_MS will do. The shim's came first of all, on an
// idle server: build.json's alone misjudged a local server as far when the shim's preloads
// (the wasm, ...) were being sent at the same moment (191 ms on the first visit of a profile).
function serverIsNear() {
    try {
        if (globalThis.navigator && navigator.connection && navigator.connection.saveData) return false;
        return [MANIFEST_URL, SHIM_URL].some(function (url) {
            const entry = performance.getEntriesByName(url).pop();
            if (!entry || !entry.responseEnd) return false;
            // Its whole fetch: Chrome's network emulation delays the body, not the headers.
            return entry.responseEnd - entry.startTime <= NEAR_SERVER_MS;
        });
    } catch (err) {
        return false;
    }
}

async function openCache() {
    try {
        return globalThis.caches ? await caches.open(CACHE_NAME) : null;
    } catch (err) {
        return null;  // storage disabled (e.g. some private modes)
    }
}

// A snapshot's bytes, still arriving: the response is known to be there (headers only), so
// loadPyodide can start fetching and compiling Pyodide's own files while the body streams in
// (it awaits the snapshot only when it instantiates). A body that fails rejects the promise,
// and restore() then boots normally. Wrapped in an object: an async function returning the
// bare promise would wait for it.
function snapshotBytes(response) {
    const bytes = response.arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
    bytes.catch(function () {});  // seen by loadPyodide's await; not an unhandled rejection
    return { bytes: bytes };
}

async function cachedSnapshot(cache, key) {
    try {
        const hit = await cache.match(key);
        return hit ? snapshotBytes(hit) : null;
    } catch (err) {
        return null;
    }
}

async function prebuiltSnapshot(id) {
    try {
        const response = await fetch(PREBUILT_DIR + id + '.snapshot');
        return response.ok ? snapshotBytes(response) : null;
    } catch (err) {
        return null;
    }
}

// ``start`` once the page is well past start-up (login, first render), and then only when idle.
function whenSettled(start) {
    mark('cpy:snapshot-pending');
    setTimeout(function () {
        if (globalThis.requestIdleCallback) requestIdleCallback(start, { timeout: 5000 });
        else start();
    }, SNAPSHOT_DELAY_MS);
}

function makeSnapshotLater(cache, key) {
    if (typeof Worker !== 'function') return;
    whenSettled(function () {
        const worker = new Worker(new URL('./pyodide-snapshot-worker.mjs', import.meta.url), { type: 'module' });
        worker.onmessage = function (event) {
            worker.terminate();
            if (event.data && event.data.ok) mark('cpy:snapshot-stored');
            else console.warn('converse-py: no Pyodide snapshot:', event.data && event.data.error);
        };
        worker.postMessage({ indexURL: INDEX_URL, cacheName: CACHE_NAME, key: key, packageURL: PACKAGE_URL });
    });
}

// A visit that restored the prebuilt snapshot copies it into the Cache API, decoded, for the
// next visits (fetched again from the HTTP cache, where it is immutable, and streamed into the
// cache: the page holds no second copy of its 31 MB meanwhile).
function copyPrebuiltLater(cache, key, id) {
    whenSettled(async function () {
        try {
            const response = await fetch(PREBUILT_DIR + id + '.snapshot');
            if (!response.ok) throw new Error('HTTP ' + response.status);
            await cache.put(key, new Response(response.body, {
                headers: { 'Content-Type': 'application/octet-stream' },
            }));
            mark('cpy:snapshot-stored');
        } catch (err) {
            console.warn('converse-py: the prebuilt snapshot was not copied for later visits:', err && err.message);
        }
    });
}

// Pyodide 314.0.7 copies a snapshot's memory into the heap the wasm module starts with, without
// growing it first: a snapshot of a heap larger than that (converse_py and its plugins took it
// from 30 to 36 MiB) fails with "offset is out of bounds". Its module factory is wrapped so the
// heap grows to the snapshot's size before the copy (Emscripten's own resize, exported).
async function growingFactory(indexURL) {
    const factory = (await import(indexURL + 'pyodide.asm.mjs')).default;
    return async function (moduleSettings) {
        const module = await factory(moduleSettings);
        const restoreSnapshot = module.API.restoreSnapshot;
        module.API.restoreSnapshot = function (bytes) {
            const header = new Uint32Array(bytes.buffer, bytes.byteOffset, 4);
            const needed = bytes.byteLength - header[1];
            if (module.HEAP8.length < needed && !module._emscripten_resize_heap(needed)) {
                throw new Error('the snapshot needs ' + needed + ' bytes of memory; the heap cannot grow so far');
            }
            return restoreSnapshot.call(this, bytes);
        };
        return module;
    };
}

// ``snapshot``: from snapshotBytes (its bytes may still be arriving).
async function restore(settings, snapshot) {
    try {
        const createPyodideModule = await growingFactory(settings.indexURL);
        const pyodide = await loadPlain(Object.assign({}, settings, { _loadSnapshot: snapshot.bytes,
                                                                      createPyodideModule: createPyodideModule }));
        mark('cpy:snapshot-restored');
        return pyodide;
    } catch (err) {
        console.warn('converse-py: Pyodide snapshot unusable, booting normally:', err && err.message);
        return null;
    }
}

// ``prebuilt``: whether the build's snapshot may be used when the Cache API has none ('on',
// 'off' or 'auto').
async function load(options, prebuilt) {
    const settings = Object.assign({}, options, { indexURL: INDEX_URL });
    let packageZip = null;
    let id = await manifestSnapshotId();
    if (!id) {
        packageZip = await packageBytes();
        id = await hashedSnapshotId(packageZip);
    }
    const cache = id ? await openCache() : null;
    const key = cache ? INDEX_URL + 'snapshot/' + id : null;
    // The Cache API's copy first: kept as it is, it is read without the HTTP cache's gzip
    // decoding (31 MB: ~65 vs ~170 ms on an idle page here, 350-450 ms during start-up).
    if (cache && key) {
        const snapshot = await cachedSnapshot(cache, key);
        const pyodide = snapshot && await restore(settings, snapshot);
        if (pyodide) return pyodide;
        if (snapshot) await cache.delete(key).catch(function () {});
    }
    const usePrebuilt = prebuilt === 'on' || (prebuilt === 'auto' && serverIsNear());
    if (id && prebuilt === 'auto' && !usePrebuilt) mark('cpy:prebuilt-skipped');
    if (id && usePrebuilt) {
        const snapshot = await prebuiltSnapshot(id);
        const pyodide = snapshot && await restore(settings, snapshot);
        if (pyodide) {
            mark('cpy:prebuilt-restored');
            if (cache && key) copyPrebuiltLater(cache, key, id);
            return pyodide;
        }
    }
    const plain = loadPlain(settings);
    if (!packageZip) packageZip = await packageBytes();  // (downloaded while Pyodide starts)
    const pyodide = await plain;
    if (!packageZip) throw new Error('converse-py: cannot fetch ' + PACKAGE_URL);
    unpackPackage(pyodide, packageZip);  // where PyScript's [files] used to put it
    if (cache && key) makeSnapshotLater(cache, key);
    return pyodide;
}

// The shim (static/converse.js) calls preload() as soon as it runs, so Pyodide loads while
// PyScript's own modules are still arriving; PyScript's loadPyodide() call then takes that
// interpreter and gives it PyScript's stdout/stderr.
let preloaded = null;
let prebuiltWanted = 'auto';

// ``choices.prebuilt``: 'on', 'off' or 'auto' (the default; also true/false for on/off).
export function preload(choices) {
    if (!preloaded) {
        const asked = choices ? choices.prebuilt : undefined;
        if (asked === false || asked === 'off') prebuiltWanted = 'off';
        else if (asked === true || asked === 'on') prebuiltWanted = 'on';
        mark('cpy:pyodide-start');
        preloaded = load({}, prebuiltWanted);
        preloaded.catch(function () {});  // reported when PyScript asks for it
    }
    return preloaded;
}

// Options a preloaded interpreter can take on afterwards (anything else: load anew).
const LATE_OPTIONS = ['stdout', 'stderr', 'indexURL'];

export async function loadPyodide(options) {
    mark('cpy:pyscript-asks');
    options = options || {};
    let pyodide = null;
    if (preloaded && Object.keys(options).every(function (k) { return LATE_OPTIONS.includes(k); })) {
        try {
            pyodide = await preloaded;
        } catch (err) {
            console.warn('converse-py: early Pyodide load failed, loading again:', err && err.message);
        }
        if (pyodide) {
            if (options.stdout) pyodide.setStdout({ batched: options.stdout });
            if (options.stderr) pyodide.setStderr({ batched: options.stderr });
        }
    }
    if (!pyodide) {
        if (!preloaded) mark('cpy:pyodide-start');
        pyodide = await load(options, prebuiltWanted);
    }
    mark('cpy:pyodide-loaded');
    return pyodide;
}
