// Makes the Pyodide memory snapshot static/pyodide-snapshot.mjs restores on later visits
// when no prebuilt one is served: boots a throw-away interpreter in this worker (off the
// page's main thread), prepares it as static/pyodide-snapshot-prepare.mjs says (from the
// same converse_py.zip the page loads), snapshots it and stores it with the Cache API under
// the key the page sent. Posts {ok: true} or {ok: false, error}.
import { prepareForSnapshot } from './pyodide-snapshot-prepare.mjs';

self.onmessage = async function (event) {
    const { indexURL, cacheName, key, packageURL } = event.data;
    try {
        const { loadPyodide } = await import(indexURL + 'pyodide.mjs');
        const pyodide = await loadPyodide({ indexURL: indexURL, _makeSnapshot: true });
        const response = await fetch(packageURL);
        if (!response.ok) throw new Error('converse_py.zip: HTTP ' + response.status);
        prepareForSnapshot(pyodide, new Uint8Array(await response.arrayBuffer()));
        const snapshot = pyodide.makeMemorySnapshot();
        const cache = await caches.open(cacheName);
        await cache.put(key, new Response(snapshot, { headers: { 'Content-Type': 'application/octet-stream' } }));
        self.postMessage({ ok: true, bytes: snapshot.length });
    } catch (err) {
        self.postMessage({ ok: false, error: String(err && err.message || err) });
    }
};
