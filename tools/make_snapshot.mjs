// Make the prebuilt Pyodide memory snapshot static/pyodide-snapshot.mjs restores (run by
// tools/build.py after it has vendored Pyodide and zipped converse_py):
//
//     node tools/make_snapshot.mjs      # -> static/snapshots/<id>.snapshot
//
// Boots the vendored Pyodide in Node with `_makeSnapshot`, prepares it exactly as the
// browser worker does (static/pyodide-snapshot-prepare.mjs) from static/converse_py.zip,
// and writes the snapshot under the id of its contents. Nothing happens when that file
// already exists; other snapshots in the folder (older ids) are deleted. Prints one line.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STATIC = path.join(ROOT, 'static');
const OUT_DIR = path.join(STATIC, 'snapshots');

const { loadPyodide, version } = await import(path.join(STATIC, 'vendor', 'pyodide', 'pyodide.mjs'));
const { prepareForSnapshot, sha256Hex, snapshotId } = await import(path.join(STATIC, 'pyodide-snapshot-prepare.mjs'));

const packageZip = new Uint8Array(fs.readFileSync(path.join(STATIC, 'converse_py.zip')));
const id = await snapshotId(version, await sha256Hex(packageZip));
const target = path.join(OUT_DIR, id + '.snapshot');

fs.mkdirSync(OUT_DIR, { recursive: true });
for (const name of fs.readdirSync(OUT_DIR)) {
    if (name !== id + '.snapshot') fs.rmSync(path.join(OUT_DIR, name), { force: true });
}
if (fs.existsSync(target)) {
    console.log(`snapshot: static/snapshots/${id}.snapshot (unchanged)`);
} else {
    const started = Date.now();
    const pyodide = await loadPyodide({ _makeSnapshot: true, stdout: () => {}, stderr: (line) => console.error(line) });
    prepareForSnapshot(pyodide, packageZip);
    const snapshot = pyodide.makeMemorySnapshot();
    const tmp = target + '.tmp';
    fs.writeFileSync(tmp, snapshot);
    fs.renameSync(tmp, target);
    console.log(`snapshot: static/snapshots/${id}.snapshot ${snapshot.length.toLocaleString('en')} bytes (made in ${Date.now() - started} ms)`);
}
