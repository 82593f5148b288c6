// Brotli copies of the static files the browser downloads, made at build time (run by
// tools/build.py): serve.py sends `<file>.br` instead of `<file>` to a browser that accepts
// `br`, with `Content-Encoding: br` (nginx's `brotli_static on` and Apache's rewrite rules do
// the same: docs/deploying.md). Brotli at its highest quality is slow (~30 s for the 9.6 MB
// pyodide.asm.wasm), so a copy is only made again when its source changed: a copy carries its
// source's modification time, and serve.py only uses a copy whose time matches; files
// over LARGE_BYTES that change with every build (the Pyodide snapshot) get quality 9
// (31 MB in ~4 s, 2 % larger than quality 11). A `.br` whose source is gone is deleted.
//
//     node tools/precompress.mjs FILE_OR_DIR ...    # prints one summary line
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

// What a browser downloads compressed: text, wasm, the snapshot, and our zips (their
// entries are stored uncompressed: tools/build.py), not media.
const EXTENSIONS = new Set(['.js', '.mjs', '.css', '.json', '.wasm', '.zip', '.snapshot', '.html', '.svg', '.toml', '.py']);
const MIN_BYTES = 256;
const LARGE_BYTES = 12_000_000;

function quality(size) {
    return size > LARGE_BYTES ? 9 : 11;
}

function* walk(target) {
    const st = fs.statSync(target, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isFile()) { yield target; return; }
    for (const name of fs.readdirSync(target).sort()) yield* walk(path.join(target, name));
}

let made = 0, kept = 0, removed = 0, rawBytes = 0, brBytes = 0;
for (const target of process.argv.slice(2)) {
    for (const file of walk(target)) {
        if (file.endsWith('.br')) {
            if (!fs.existsSync(file.slice(0, -3))) { fs.rmSync(file, { force: true }); removed++; }
            continue;
        }
        if (!EXTENSIONS.has(path.extname(file))) continue;
        const st = fs.statSync(file);
        if (st.size < MIN_BYTES) continue;
        const out = file + '.br';
        const old = fs.statSync(out, { throwIfNoEntry: false });
        rawBytes += st.size;
        if (old && Math.abs(old.mtimeMs - st.mtimeMs) < 1) { kept++; brBytes += old.size; continue; }
        const data = zlib.brotliCompressSync(fs.readFileSync(file), { params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: quality(st.size),
            [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: st.size,
        } });
        fs.writeFileSync(out + '.tmp', data);
        fs.utimesSync(out + '.tmp', st.atime, st.mtime);  // "made from this version of the source"
        fs.renameSync(out + '.tmp', out);
        made++;
        brBytes += data.length;
    }
}
console.log(`brotli: ${made} made, ${kept} kept, ${removed} removed; ${rawBytes.toLocaleString('en')} -> ${brBytes.toLocaleString('en')} bytes`);
