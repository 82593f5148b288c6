// Makes the Pyodide memory snapshot static/pyodide-snapshot.mjs restores on later
// visits: boots a throw-away interpreter in this worker (off the page's main thread),
// imports the standard-library modules the page listed, snapshots it and stores it
// with the Cache API under the key the page sent. Posts {ok: true} or {ok: false, error}.
self.onmessage = async function (event) {
    const { indexURL, cacheName, key, preimport } = event.data;
    try {
        const { loadPyodide } = await import(indexURL + 'pyodide.mjs');
        const pyodide = await loadPyodide({ indexURL: indexURL, _makeSnapshot: true });
        if (preimport && preimport.length) pyodide.runPython('import ' + preimport.join(', '));
        const snapshot = pyodide.makeMemorySnapshot();
        const cache = await caches.open(cacheName);
        await cache.put(key, new Response(snapshot, { headers: { 'Content-Type': 'application/octet-stream' } }));
        self.postMessage({ ok: true, bytes: snapshot.length });
    } catch (err) {
        self.postMessage({ ok: false, error: String(err && err.message || err) });
    }
};
