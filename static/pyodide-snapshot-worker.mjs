// Makes the Pyodide memory snapshot static/pyodide-snapshot.mjs restores on later
// visits: boots a throw-away interpreter in this worker (off the page's main thread),
// imports the standard-library modules the page listed and the browser-free part of
// converse_py (from the same converse_py.zip the page loads), snapshots it and stores it
// with the Cache API under the key the page sent. Posts {ok: true} or {ok: false, error}.

// The browser-free part of converse_py (a unit test keeps js/pyodide imports out of it).
const IMPORT_PACKAGE = [
    'import importlib, os, pkgutil, sys',
    'os.chdir("/home/pyodide")',
    'sys.path.insert(0, "/home/pyodide") if "/home/pyodide" not in sys.path else None',
    'import converse_py',
    'SKIP = ("converse_py.browser", "converse_py.dom.views", "converse_py.dom.ffi")',
    'for info in pkgutil.walk_packages(converse_py.__path__, "converse_py."):',
    '    if not info.name.startswith(SKIP):',
    '        importlib.import_module(info.name)',
].join('\n');

self.onmessage = async function (event) {
    const { indexURL, cacheName, key, preimport, packageURL } = event.data;
    try {
        const { loadPyodide } = await import(indexURL + 'pyodide.mjs');
        const pyodide = await loadPyodide({ indexURL: indexURL, _makeSnapshot: true });
        if (preimport && preimport.length) pyodide.runPython('import ' + preimport.join(', '));
        if (packageURL) {
            // Where PyScript's [files] puts it: the interpreter's working directory.
            const response = await fetch(packageURL);
            if (!response.ok) throw new Error('converse_py.zip: HTTP ' + response.status);
            pyodide.unpackArchive(await response.arrayBuffer(), 'zip', { extractDir: '/home/pyodide' });
            pyodide.runPython(IMPORT_PACKAGE);
        }
        const snapshot = pyodide.makeMemorySnapshot();
        const cache = await caches.open(cacheName);
        await cache.put(key, new Response(snapshot, { headers: { 'Content-Type': 'application/octet-stream' } }));
        self.postMessage({ ok: true, bytes: snapshot.length });
    } catch (err) {
        self.postMessage({ ok: false, error: String(err && err.message || err) });
    }
};
