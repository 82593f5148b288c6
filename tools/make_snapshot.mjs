// Make the prebuilt Pyodide memory snapshot static/pyodide-snapshot.mjs restores (run by
// tools/build.py after it has vendored Pyodide and zipped converse_py):
//
//     node tools/make_snapshot.mjs      # -> static/snapshots/<id>.snapshot + static/build.json
//
// Boots the vendored Pyodide in Node with `_makeSnapshot`, prepares it as the browser
// worker does (static/pyodide-snapshot-prepare.mjs) from static/converse_py.zip, and writes
// the snapshot under the id of its contents. One addition the worker cannot make: PyScript's
// own Python package, which PyScript writes into the interpreter and imports on every page
// load, is held compiled too (taken from the vendored bundle; used only while the files
// PyScript writes are the same). Nothing happens when the snapshot already exists with the
// same PyScript sources (recorded in .snapshot-inputs, outside the served folder, whose
// files are cached as immutable); other snapshots in the folder
// (older ids) are deleted. Prints one line.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STATIC = path.join(ROOT, 'static');
const OUT_DIR = path.join(STATIC, 'snapshots');

const { loadPyodide, version } = await import(path.join(STATIC, 'vendor', 'pyodide', 'pyodide.mjs'));
const { prepareForSnapshot, sha256Hex, snapshotId } = await import(path.join(STATIC, 'pyodide-snapshot-prepare.mjs'));

// The index of the brace closing the object literal that opens at ``start`` (strings skipped).
function closingBrace(text, start) {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
        const c = text[i];
        if (c === '"' || c === "'" || c === '`') {
            for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
        } else if (c === '{') {
            depth++;
        } else if (c === '}' && --depth === 0) {
            return i;
        }
    }
    return -1;
}

// {"pyscript/__init__.py": source, ...}: the Python package PyScript's bundle carries as an
// object literal of file contents (folders are objects). {} when not found.
function pyscriptSources() {
    const dir = path.join(STATIC, 'vendor', 'pyscript');
    const anchor = '{pyscript:{"__init__.py":';
    for (const name of fs.readdirSync(dir).sort()) {
        if (!name.endsWith('.js')) continue;
        const text = fs.readFileSync(path.join(dir, name), 'utf8');
        const start = text.indexOf(anchor);
        const end = start < 0 ? -1 : closingBrace(text, start);
        if (end < 0) continue;
        // Only string and object literals: evaluated in an empty context.
        const tree = vm.runInNewContext('(' + text.slice(start, end + 1) + ')', Object.create(null), { timeout: 1000 });
        const files = {};
        const walk = function (node, prefix) {
            for (const [key, value] of Object.entries(node)) {
                if (typeof value === 'string') files[prefix + key] = value;
                else if (value && typeof value === 'object') walk(value, prefix + key + '/');
            }
        };
        walk(tree, '');
        return files;
    }
    return {};
}

const packageZip = new Uint8Array(fs.readFileSync(path.join(STATIC, 'converse_py.zip')));
const id = await snapshotId(version, await sha256Hex(packageZip));
const target = path.join(OUT_DIR, id + '.snapshot');
const inputsFile = path.join(ROOT, '.snapshot-inputs');
const verified = pyscriptSources();
// (the trimmed standard library too: a snapshot is made again, so checked again, when it changes)
const stdlibSha = crypto.createHash('sha256').update(fs.readFileSync(path.join(STATIC, 'vendor', 'pyodide', 'python_stdlib.zip'))).digest('hex');
const inputs = id + ' pyscript sources sha256 ' + crypto.createHash('sha256').update(JSON.stringify(verified)).digest('hex') +
    ' stdlib sha256 ' + stdlibSha + '\n';
const held = Object.keys(verified).filter((name) => name.endsWith('.py')).length;

fs.mkdirSync(OUT_DIR, { recursive: true });
for (const name of fs.readdirSync(OUT_DIR)) {
    // (its Brotli copy, made by tools/precompress.mjs, stays while it is current)
    if (name !== id + '.snapshot' && name !== id + '.snapshot.br') fs.rmSync(path.join(OUT_DIR, name), { force: true });
}
// static/build.json names the current snapshot, so a page that restores it need not download
// converse_py.zip to work its id out (static/pyodide-snapshot.mjs). Served with revalidation.
const manifest = JSON.stringify({ snapshot: id }) + '\n';
const manifestFile = path.join(STATIC, 'build.json');
if (!fs.existsSync(manifestFile) || fs.readFileSync(manifestFile, 'utf8') !== manifest) fs.writeFileSync(manifestFile, manifest);
if (fs.existsSync(target) && fs.existsSync(inputsFile) && fs.readFileSync(inputsFile, 'utf8') === inputs) {
    console.log(`snapshot: static/snapshots/${id}.snapshot (unchanged)`);
} else {
    if (!held) console.error('make_snapshot: no PyScript sources found in static/vendor/pyscript: PyScript compiles them in the page');
    const started = Date.now();
    const pyodide = await loadPyodide({ _makeSnapshot: true, stdout: () => {}, stderr: (line) => console.error(line) });
    prepareForSnapshot(pyodide, packageZip, verified);
    const snapshot = pyodide.makeMemorySnapshot();
    const tmp = target + '.tmp';
    fs.writeFileSync(tmp, snapshot);
    fs.renameSync(tmp, target);
    fs.writeFileSync(inputsFile, inputs);
    console.log(`snapshot: static/snapshots/${id}.snapshot ${snapshot.length.toLocaleString('en')} bytes, ${held} PyScript modules held (made in ${Date.now() - started} ms)`);
}
