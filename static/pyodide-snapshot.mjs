// The interpreter module PyScript loads for converse-py (pyscript.toml `interpreter`):
// Pyodide's own loadPyodide, started from a memory snapshot when this browser has one.
//
// A visit without a snapshot boots Pyodide normally; 5 s later, when idle, a worker
// (static/pyodide-snapshot-worker.mjs) boots a second, throw-away interpreter off the
// main thread, snapshots it (~30 MB) and stores it with the Cache API. Later visits
// restore that snapshot instead of initialising Python again (see bench/RESULTS.md for
// the figures). The snapshot is keyed by Pyodide's version and the URL of its files,
// so new vendored files never meet an old snapshot; one that fails to load is deleted
// and Pyodide boots normally. Without the Cache API (non-secure origins) or workers,
// nothing changes. (A snapshot cannot be taken of the page's own interpreter: booting
// with `_makeSnapshot` changes how `js` behaves in it.)
//
// Marks for bench/: cpy:pyodide-start, cpy:pyodide-loaded, cpy:snapshot-restored, cpy:snapshot-pending, cpy:snapshot-stored.
import { loadPyodide as loadPlain, version } from './vendor/pyodide/pyodide.mjs';

export { version };

const CACHE_NAME = 'converse-py-pyodide-snapshot';
const INDEX_URL = new URL('./vendor/pyodide/', import.meta.url).href;
const SNAPSHOT_DELAY_MS = 5000;
// Standard-library modules converse-py imports, imported before the snapshot is taken
// so restored interpreters already have them (none of them touches `js`).
const PREIMPORT = ['asyncio', 'base64', 'copy', 'dataclasses', 'datetime', 'enum', 'functools',
    'hashlib', 'html', 'inspect', 'json', 'logging', 'random', 're', 'secrets', 'string',
    'textwrap', 'traceback', 'typing', 'uuid', 'xml.etree.ElementTree'];
const BASE_KEY = INDEX_URL + 'pyodide.asm.wasm?snapshot=' + encodeURIComponent(version) +
    '&preimport=' + encodeURIComponent(PREIMPORT.join(','));
// converse-py's own package: its browser-free modules (everything but browser/,
// dom/views/ and dom/ffi.py, which import `js`) are imported into the snapshot too, so
// the snapshot is keyed by the zip's SHA-256 as well.
const PACKAGE_URL = new URL('./converse_py.zip', import.meta.url).href;

async function snapshotKey() {
    try {
        const response = await fetch(PACKAGE_URL);
        if (!response.ok || !globalThis.crypto || !crypto.subtle) return null;
        const digest = await crypto.subtle.digest('SHA-256', await response.arrayBuffer());
        const hex = Array.from(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, '0'); }).join('');
        return BASE_KEY + '&package=' + hex;
    } catch (err) {
        return null;
    }
}

function mark(name) {
    if (globalThis.performance && performance.mark) performance.mark(name);
}

async function openCache() {
    try {
        return globalThis.caches ? await caches.open(CACHE_NAME) : null;
    } catch (err) {
        return null;  // storage disabled (e.g. some private modes)
    }
}

async function cachedSnapshot(cache, key) {
    try {
        const hit = await cache.match(key);
        return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
    } catch (err) {
        return null;
    }
}

function makeSnapshotLater(cache, key) {
    if (typeof Worker !== 'function') return;
    mark('cpy:snapshot-pending');
    const start = function () {
        const worker = new Worker(new URL('./pyodide-snapshot-worker.mjs', import.meta.url), { type: 'module' });
        worker.onmessage = function (event) {
            worker.terminate();
            if (event.data && event.data.ok) mark('cpy:snapshot-stored');
            else console.warn('converse-py: no Pyodide snapshot:', event.data && event.data.error);
        };
        worker.postMessage({ indexURL: INDEX_URL, cacheName: CACHE_NAME, key: key, preimport: PREIMPORT,
                             packageURL: PACKAGE_URL });
    };
    // Well after start-up (login, first render), and then only when idle.
    setTimeout(function () {
        if (globalThis.requestIdleCallback) requestIdleCallback(start, { timeout: 5000 });
        else start();
    }, SNAPSHOT_DELAY_MS);
}

export async function loadPyodide(options) {
    mark('cpy:pyodide-start');
    const pyodide = await load(options);
    mark('cpy:pyodide-loaded');
    return pyodide;
}

async function load(options) {
    const settings = Object.assign({}, options, { indexURL: INDEX_URL });
    const cache = await openCache();
    const key = cache ? await snapshotKey() : null;
    if (cache && key) {
        const snapshot = await cachedSnapshot(cache, key);
        if (snapshot) {
            try {
                const pyodide = await loadPlain(Object.assign({}, settings, { _loadSnapshot: snapshot }));
                mark('cpy:snapshot-restored');
                return pyodide;
            } catch (err) {
                console.warn('converse-py: Pyodide snapshot unusable, booting normally:', err && err.message);
                await cache.delete(key).catch(function () {});
            }
        }
    }
    const pyodide = await loadPlain(settings);
    if (cache && key) makeSnapshotLater(cache, key);
    return pyodide;
}
