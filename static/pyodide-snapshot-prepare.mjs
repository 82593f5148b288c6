// What goes into a converse-py Pyodide memory snapshot, shared by the three places that
// deal with one: tools/make_snapshot.mjs (Node, at build time: the prebuilt snapshot served
// as a static file), static/pyodide-snapshot-worker.mjs (a browser worker: the snapshot kept
// in the Cache API) and static/pyodide-snapshot.mjs (the page's loader, which restores one).
//
// A snapshot holds the interpreter's memory after the standard-library modules below and
// the browser-free part of converse_py were imported, so it is only valid for the same
// Pyodide version, the same list and the same converse_py.zip: snapshotId() names that
// combination, and a snapshot is only ever looked up by it.

// Standard-library modules converse-py imports (none of them touches `js`).
export const PREIMPORT = ['asyncio', 'base64', 'copy', 'dataclasses', 'datetime', 'enum', 'functools',
    'hashlib', 'html', 'inspect', 'json', 'logging', 'random', 're', 'secrets', 'string',
    'textwrap', 'traceback', 'typing', 'uuid', 'xml.etree.ElementTree'];

// The browser-free part of converse_py (a unit test keeps js/pyodide imports out of it),
// imported from where the page's loader unpacks the package when it has no snapshot: the
// interpreter's working directory. The rest (the modules that touch `js` when imported) is
// compiled and held in memory (converse_py/preload.py), so a page restoring the snapshot
// needs none of the package's files.
// Where the package is unpacked (the interpreter's working directory, on sys.path), and where
// prepareForSnapshot hands the verified sources to Python.
const PACKAGE_DIR = '/home/pyodide';
const VERIFIED_FILE = '/tmp/converse-py-verified-sources.json';
const IMPORT_PACKAGE = [
    'import importlib, os, pkgutil, sys',
    `os.chdir("${PACKAGE_DIR}")`,
    `sys.path.insert(0, "${PACKAGE_DIR}") if "${PACKAGE_DIR}" not in sys.path else None`,
    'import converse_py',
    'SKIP = ("converse_py.browser", "converse_py.dom.views", "converse_py.dom.ffi")',
    'for info in pkgutil.walk_packages(converse_py.__path__, "converse_py."):',
    '    if not info.name.startswith(SKIP):',
    '        importlib.import_module(info.name)',
    'from converse_py.preload import hold_in_memory',
    'import json',
    `VERIFIED = "${VERIFIED_FILE}"`,
    'verified = json.load(open(VERIFIED, encoding="utf-8")) if os.path.exists(VERIFIED) else {}',
    `hold_in_memory("${PACKAGE_DIR}", verified=verified)`,
    'os.remove(VERIFIED) if verified else None',
    'del verified, info',
].join('\n');

// Unpack converse_py.zip where it is imported from (also what a page without a snapshot does).
export function unpackPackage(pyodide, packageZip) {
    pyodide.unpackArchive(packageZip, 'zip', { extractDir: PACKAGE_DIR });
}

// Bring an interpreter booted with `_makeSnapshot: true` to the state a snapshot captures.
// ``verifiedSources``: {path below the working directory: source} of modules the page writes
// there itself and imports on every load (PyScript's package, tools/make_snapshot.mjs finds
// them), held compiled and used while the page's files are the same (converse_py/preload.py).
export function prepareForSnapshot(pyodide, packageZip, verifiedSources) {
    pyodide.runPython('import ' + PREIMPORT.join(', '));
    unpackPackage(pyodide, packageZip);
    if (verifiedSources && Object.keys(verifiedSources).length) {
        pyodide.FS.writeFile(VERIFIED_FILE, JSON.stringify(verifiedSources));
    }
    pyodide.runPython(IMPORT_PACKAGE);
}

export async function sha256Hex(bytes) {
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return Array.from(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, '0'); }).join('');
}

// The name of a snapshot's contents: Pyodide's version, the preparation (pre-import list and
// package code above) and the SHA-256 of converse_py.zip, hashed (32 hex digits, usable as a
// file name).
export async function snapshotId(pyodideVersion, packageSha256) {
    const text = [pyodideVersion, PREIMPORT.join(','), IMPORT_PACKAGE, packageSha256].join('|');
    return (await sha256Hex(new TextEncoder().encode(text))).slice(0, 32);
}
