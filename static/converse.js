/*
 * converse-py embedding shim. Load it with one classic script tag:
 *
 *   <script src="/static/converse.js"></script>
 *   <script>converse.initialize({bosh_service_url: '/http-bind', auto_login: false});</script>
 *
 * It defines window.converse at once, so page JS can call it before Python has
 * loaded: every call returns a real Promise and is queued, then replayed in order
 * once the Python implementation has attached and every <script type="py"> on the
 * page has run (so Python plugins are registered before initialize runs).
 *
 * It also injects PyScript (vendored under static/vendor, never a CDN), the boot
 * script (BOOT_PY), the stylesheet and a loading indicator. Nothing sensitive lives here:
 * the connection, the password and _converse stay inside Python.
 */
(function () {
    'use strict';
    if (window.converse && window.converse.__shim === true) return;
    // Start-up marks (performance.getEntriesByType('mark'), read by bench/):
    // cpy:shim, cpy:py-ready (PyScript's interpreter ready), then static/pyodide-snapshot.mjs's
    // and BOOT_PY's (cpy:boot-start, cpy:imported, cpy:attached).
    const mark = function (name) { if (window.performance && performance.mark) performance.mark(name); };
    mark('cpy:shim');
    window.addEventListener('py:ready', function () { mark('cpy:py-ready'); }, { once: true });

    const script = document.currentScript;
    const base = new URL('..', script ? script.src : location.href).href;
    const queue = [];
    let impl = null;
    let pageScriptsDone = false;

    function invoke(method, args) {
        try {
            return Promise.resolve(impl[method].apply(null, args));
        } catch (err) {
            return Promise.reject(err);
        }
    }

    function call(method, args) {
        if (impl && pageScriptsDone) return invoke(method, args);
        return new Promise(function (resolve, reject) {
            queue.push({ method: method, args: args, resolve: resolve, reject: reject });
        });
    }

    function replay() {
        if (!impl || !pageScriptsDone) return;
        while (queue.length) {
            const item = queue.shift();
            invoke(item.method, item.args).then(item.resolve, item.reject);
        }
    }

    window.addEventListener('py:all-done', function () {
        pageScriptsDone = true;
        replay();
    }, { once: true });

    // Preloaded as soon as the shim runs (preloadHints below), paths under the shim's base.
    // Not static/build.json: pyodide-snapshot.mjs times its fetch to tell whether the server is
    // near, and fetched among the page's first requests that time is not the server's.
    const PRELOAD_MODULES = ['static/pyodide-snapshot-prepare.mjs', 'static/vendor/pyodide/pyodide.mjs',
                             'static/vendor/pyodide/pyodide.asm.mjs'];
    const PRELOAD_FETCHES = ['static/vendor/pyodide/pyodide.asm.wasm', 'static/vendor/pyodide/python_stdlib.zip',
                             'static/vendor/pyodide/pyodide-lock.json', 'pyscript.toml'];

    // PyScript's entry point of converse-py (the first <script type="py"> of the page, so page
    // blocks that follow can `from converse_py import converse` and register plugins): attaches
    // the Python implementation to this shim. Top-level await: PyScript runs it as async code.
    const BOOT_PY = [
        'import js',
        'js.performance.mark("cpy:boot-start")',
        'from converse_py.browser.main import boot',
        'js.performance.mark("cpy:imported")',
        'await boot()',
        'js.performance.mark("cpy:attached")',
    ].join('\n');

    // promptBosh: how long after a response with stanzas the next poll leaves.
    const POLL_AFTER_DATA_MS = 15;

    // Helpers the Python side uses to give JS callers exact JS semantics.
    const helpers = Object.freeze({
        // A JS function around a Python callable returning {ok, value, error, name}.
        method: function (pyfn) {
            return function () {
                const result = pyfn(Array.prototype.slice.call(arguments));
                if (!result.ok) {
                    const err = new Error(result.error);
                    err.name = result.name || 'Error';
                    throw err;
                }
                return result.value;
            };
        },
        // A getter-only property (connection.connected is an attribute, not a method).
        getter: function (obj, name, pyfn) {
            Object.defineProperty(obj, name, { get: function () { return pyfn(); }, enumerable: true });
        },
        error: function (message, name) {
            const err = new Error(message);
            err.name = name || 'Error';
            return err;
        },
        parseXML: function (text) {
            return new DOMParser().parseFromString(text, 'text/xml').documentElement;
        },
        serialize: function (node) {
            if (node && typeof node.tree === 'function') node = node.tree();
            return new XMLSerializer().serializeToString(node);
        },
        // Strophe's one catch-all handler (.handler) serializes each stanza once and always
        // returns true (Strophe drops a handler that returns falsy or throws). The stanzas Strophe
        // hands over in one task (a whole BOSH response) cross into Python together, in a
        // microtask once Strophe is done with them: one call into Python per response instead of
        // one per stanza (a burst of 1,000 messages came in responses of 30-450). They are joined
        // with NUL, which XML cannot contain, so no stanza's text can split. .flush() hands over
        // what is collected at once: called before Python hears of a status change, so it sees
        // stanzas and status changes in the order Strophe did.
        stanzaDelivery: function (pyfn) {
            const serializer = new XMLSerializer();
            let pending = [];
            const flush = function () {
                if (!pending.length) return;
                const batch = pending;
                pending = [];
                try {
                    pyfn(batch.join('\u0000'));
                } catch (err) {
                    console.error('converse-py: stanza handler failed', err);
                }
            };
            const handler = function (elem) {
                try {
                    if (!pending.length) queueMicrotask(flush);
                    pending.push(serializer.serializeToString(elem));
                } catch (err) {
                    console.error('converse-py: stanza handler failed', err);
                }
                return true;
            };
            return Object.freeze({ handler: handler, flush: flush });
        },
        // BOSH responses parsed once. Once the stream is logged in and the transport's catch-all
        // handler is Strophe's only one, a response's text goes to Python as it is (onBody), where
        // it is parsed once. Strophe's own way parses it into a DOM (responseXML), and the
        // handler then serializes each stanza back to text for Python to parse again. onBody
        // returns false for anything but an ordinary body (a terminate, malformed or hostile
        // text, over the size limits), and Strophe then handles the response as before. So does
        // a connection with anything more on it: another handler, xmlInput/rawInput, Strophe's
        // own XEP-0198 engine, a disconnect under way. Call before orderBoshResponses (it keeps
        // conn._dataRecv as it finds it).
        wholeBodies: function (conn, delivery, onBody) {
            const dataRecv = conn._dataRecv;
            const plain = Object.getPrototypeOf(conn);
            conn._dataRecv = function (req, raw) {
                const handlers = conn.handlers;
                if (conn.connected && conn.authenticated && !conn.disconnecting && !conn.sm && req && req.xhr &&
                        handlers.length === 1 && handlers[0].handler === delivery.handler &&
                        conn.addHandlers.length === 0 && conn.removeHandlers.length === 0 &&
                        conn.xmlInput === plain.xmlInput && conn.rawInput === plain.rawInput) {
                    delivery.flush();  // what Strophe handed over before this response comes first
                    try {
                        if (onBody(req.xhr.responseText)) return;
                    } catch (err) {  // onBody takes nothing when it fails: Strophe's way loses nothing
                        console.error('converse-py: stanza handler failed', err);
                    }
                }
                return dataRecv.call(conn, req, raw);
            };
        },
        // BOSH responses in request order (XEP-0124 §9): Strophe hands each response over as it
        // arrives, so a slow one is overtaken by the next and its stanzas come out of order. A
        // response waits here while a request sent before it is still unanswered (Strophe
        // re-sends a timed-out request with the same rid, whose answer then comes first).
        // Returns release(), which hands over everything held, in order (the connection is
        // being given up: what did arrive is not lost).
        orderBoshResponses: function (conn) {
            const proto = conn._proto;
            if (!proto || !Array.isArray(proto._requests)) return function () {};
            const deliver = conn._dataRecv.bind(conn);
            let held = [];
            const release = function (all) {
                while (held.length) {
                    let lowest = Infinity;
                    for (const r of proto._requests) lowest = Math.min(lowest, Number(r.rid));
                    if (!all && held[0].rid > lowest) return;
                    const next = held.shift();
                    deliver(next.req, next.raw);
                }
            };
            conn._dataRecv = function (req, raw) {
                held.push({ rid: Number(req.rid), req: req, raw: raw });
                held.sort(function (a, b) { return a.rid - b.rid; });
                release(false);
            };
            return function () { release(true); };
        },
        // BOSH without Strophe's 100 ms idle wait where it is safe: Strophe builds a request from
        // its send queue only on its idle timer, which send() re-arms to 100 ms, so each stanza
        // (each SASL and bind step too) waited ~100 ms, and so did the poll that lets the server
        // answer (XEP-0124 §8: a client keeps a request waiting at the server). Here, when no
        // request is in flight, the next one leaves once the current task is done (the sends of
        // one task still share a request), and after a response with stanzas in it the next poll
        // leaves POLL_AFTER_DATA_MS later. A second request while one is in flight keeps Strophe's timer: sent
        // within a millisecond of the first, it can overtake it on the way (ejabberd then held
        // the pair until its wait ran out). After an empty response (the server's wait ran out)
        // polling stays on Strophe's timer, so a server that answers at once cannot make the
        // client spin. A hidden page keeps Strophe's timer throughout: it needs no haste, and
        // Prosody, once told the client is inactive (XEP-0352), left the older of two requests
        // unanswered (Strophe re-sent it after 6 s, and stanzas waited meanwhile).
        // Call after orderBoshResponses (it wraps conn._dataRecv too).
        promptBosh: function (conn) {
            let scheduled = false;
            const flushSoon = function (delay) {
                if (scheduled) return;
                scheduled = true;
                setTimeout(function () {
                    scheduled = false;
                    if (conn.connected && !conn.disconnecting && !conn.paused && conn._proto._requests.length === 0 &&
                            document.visibilityState !== 'hidden') {
                        conn.flush();
                    }
                }, delay);
            };
            const send = conn.send;
            conn.send = function () {
                const result = send.apply(conn, arguments);
                flushSoon(0);
                return result;
            };
            const emptyBody = /^\s*<body[^>]*\/>\s*$/;
            const dataRecv = conn._dataRecv;
            conn._dataRecv = function (req, raw) {
                const result = dataRecv.call(conn, req, raw);
                const text = req && req.xhr ? String(req.xhr.responseText || '') : '';
                // A little later than at once, so what the handlers send in reply (receipts,
                // markers) goes in the poll rather than in a second request.
                if (conn._data.length > 0 || !emptyBody.test(text)) flushSoon(POLL_AFTER_DATA_MS);
                return result;
            };
        },
        // An unauthenticated stream (XEP-0077 in-band registration): Strophe opens the stream but
        // does not start SASL (do_authentication = false); once the stream features arrived they
        // are kept as conn.features and onOpen() is called (once). Stanzas then go out with
        // conn.send and come back through system handlers (which Strophe runs before any login).
        openStream: function (conn, onOpen) {
            conn.do_authentication = false;
            const connectCb = conn._connect_cb;
            conn._connect_cb = function (req, callback, raw) {
                connectCb.call(conn, req, callback, raw);
                if (!conn.connected) return;
                let body = req;
                try {
                    if (typeof conn._proto._reqToData === 'function') body = conn._proto._reqToData(req);
                } catch (err) {
                    return;
                }
                const features = body && body.getElementsByTagNameNS
                    ? body.getElementsByTagNameNS('http://etherx.jabber.org/streams', 'features')[0] : null;
                if (!features) return;
                conn._connect_cb = connectCb;
                conn.features = features;
                onOpen();
            };
        },
        isStanzaLike: function (value) {
            return !!value && (typeof value.tree === 'function' || value.nodeType === 1);
        },
    });

    // Files every start needs, asked for when the shim runs: without these hints each one waits
    // for the file that names it (shim → pyodide-snapshot.mjs → build.json → pyodide.mjs →
    // pyodide.asm.mjs, the wasm, the standard library and the lock file; PyScript's core →
    // pyscript.toml), a round trip each (150 ms on a slow network; bench/RESULTS.md, issue
    // 27). A repeat visit revalidates them in parallel too. The fetches are Pyodide's and
    // PyScript's own (plain fetch(): CORS mode, same-origin credentials), which `crossorigin`
    // matches, so the browser hands them the preloaded response.
    function preloadHints(fetches, modules) {
        const head = document.head || document.documentElement;
        const hint = function (rel, path, as) {
            const link = document.createElement('link');
            link.rel = rel;
            link.href = base + path;
            if (as) {
                link.as = as;
                link.crossOrigin = 'anonymous';
            }
            head.appendChild(link);
        };
        modules.forEach(function (path) { hint('modulepreload', path); });
        fetches.forEach(function (path) { hint('preload', path, 'fetch'); });
    }

    const env = {};
    const strophe = import(base + 'static/vendor/strophe/strophe.esm.js').then(function (mod) {
        env.Strophe = mod.Strophe;
        env.$msg = mod.$msg;
        env.$iq = mod.$iq;
        env.$pres = mod.$pres;
        env.$build = mod.$build;
        if (!mod.Strophe.NS.MAM) mod.Strophe.addNamespace('MAM', 'urn:xmpp:mam:2');
        if (!mod.Strophe.NS.RSM) mod.Strophe.addNamespace('RSM', 'http://jabber.org/protocol/rsm');
        return mod;
    });

    const converse = {
        initialize: function (settings) { return call('initialize', [settings]); },
        plugins: Object.freeze({
            add: function (name, plugin) { return call('pluginsAdd', [name, plugin]); },
            remove: function (name) { return call('pluginsRemove', [name]); },
        }),
        env: env,
    };
    Object.defineProperty(converse, '__shim', { value: true });
    window.converse = Object.freeze(converse);

    // One-shot hand-over to Python (BOOT_PY's boot() deletes it after use).
    let attached = false;
    Object.defineProperty(window, '__converse_py_boot', {
        configurable: true,
        value: Object.freeze({
            base: base,
            strophe: strophe,
            helpers: helpers,
            attach: function (implementation) {
                if (attached) throw new Error('converse-py is already attached');
                attached = true;
                impl = implementation;
                replay();
            },
        }),
    });

    // PyScript watches the whole document for <script type="py"> tags and py-* event attributes
    // added later: a MutationObserver whose callback, for every element added anywhere, compiles
    // and runs an XPath query and runs two selector queries over it. In a chat that is every
    // message row: about 0.1 ms of each message's way to the screen (bench/RESULTS.md, "Rows drawn
    // at the end of a batch"). The client's own subtree (#conversejs) holds neither (its HTML comes from
    // templates that escape all text), and code in py-* attributes there must never run, so the
    // observers PyScript makes (told by the script that constructs them) get only the records
    // from outside #conversejs. Everybody else's observers are the browser's own, unchanged; the
    // global is restored once PyScript's module has run.
    function scopePyScriptObservers(pyscriptBase, coreScript) {
        const Native = window.MutationObserver;
        if (typeof Native !== 'function' || typeof Reflect === 'undefined') return;
        function Scoped(callback) {
            const target = new.target || Scoped;
            const stack = String(new Error().stack || '');
            if (typeof callback !== 'function' || stack.indexOf(pyscriptBase) < 0) {
                return Reflect.construct(Native, [callback], target);
            }
            return Reflect.construct(Native, [function (records, observer) {
                const root = document.getElementById('conversejs');
                const outside = root ? records.filter(function (r) { return !root.contains(r.target); }) : records;
                if (outside.length) return callback.call(this, outside, observer);
            }], target);
        }
        Scoped.prototype = Native.prototype;
        window.MutationObserver = Scoped;
        const restore = function () { if (window.MutationObserver === Scoped) window.MutationObserver = Native; };
        coreScript.addEventListener('load', restore, { once: true });
        coreScript.addEventListener('error', restore, { once: true });
    }

    function mountRoot() {
        if (document.getElementById('conversejs')) return;
        const root = document.createElement('div');
        root.id = 'conversejs';
        root.className = 'converse-py cpy-booting';
        root.setAttribute('aria-live', 'polite');
        const loading = document.createElement('div');
        loading.className = 'cpy-loading';
        loading.setAttribute('role', 'status');
        loading.textContent = 'Loading chat…';
        root.appendChild(loading);
        document.body.appendChild(root);
    }
    // Offline: a banner says so (the page may have opened from the service worker's copies,
    // below, or the network went away later); it goes when the network is back.
    const OFFLINE_TEXT = 'You are offline. The chat connects again when the network is back.';
    function showOffline() {
        let banner = document.getElementById('cpy-offline');
        if (navigator.onLine !== false) {
            if (banner) banner.remove();
            return;
        }
        if (banner || !document.body) return;
        banner = document.createElement('div');
        banner.id = 'cpy-offline';
        banner.className = 'cpy-offline';
        banner.setAttribute('role', 'status');
        // Styled inline: the stylesheet's rules all stay under #conversejs, which the client's
        // own rendering owns; this sits outside it.
        banner.style.cssText = 'all: initial; position: fixed; left: 50%; top: 8px; transform: translateX(-50%);' +
            ' z-index: 2147483001; background: #fff4ce; color: #4a3b00; border: 1px solid #e0c45c;' +
            ' border-radius: 6px; padding: 6px 12px; font: 14px/1.4 system-ui, sans-serif;';
        banner.textContent = OFFLINE_TEXT;
        document.body.appendChild(banner);
    }
    window.addEventListener('offline', showOffline);
    window.addEventListener('online', showOffline);

    function onBody() {
        mountRoot();
        showOffline();
    }
    if (document.body) onBody();
    else document.addEventListener('DOMContentLoaded', onBody, { once: true });

    // data-offline="on": register static/service-worker.js (network first, its copies answer
    // when the network fails), scoped to the folder converse-py is served from.
    if (script && script.getAttribute('data-offline') === 'on' && navigator.serviceWorker) {
        navigator.serviceWorker.register(base + 'static/service-worker.js', { scope: base })
            .catch(function (err) { console.warn('converse-py: no offline copy:', err && err.message); });
    }

    // Pyodide starts loading now rather than when PyScript's module chain asks for it (~0.4 s
    // later): static/pyodide-snapshot.mjs (pyscript.toml's interpreter) hands PyScript this one.
    // data-prebuilt-snapshot="on", "off" or "auto" (default) on the script tag: whether a first
    // visit downloads the prebuilt Pyodide snapshot (~6 MB that save initialising Python; "auto"
    // when the server is near); see static/pyodide-snapshot.mjs.
    const prebuilt = (script && script.getAttribute('data-prebuilt-snapshot')) || 'auto';
    import(base + 'static/pyodide-snapshot.mjs').then(function (mod) {
        if (typeof mod.preload === 'function') mod.preload({ prebuilt: prebuilt });
    }).catch(function (err) { console.warn('converse-py: Pyodide preload not started:', err && err.message); });

    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = base + 'static/converse.css';
    const core = document.createElement('script');
    core.type = 'module';
    core.src = base + 'static/vendor/pyscript/core.js';
    scopePyScriptObservers(base + 'static/vendor/pyscript/', core);
    const boot = document.createElement('script');
    boot.type = 'py';
    boot.setAttribute('config', base + 'pyscript.toml');
    boot.textContent = BOOT_PY;  // inline: one request (a round trip after Python is up) fewer
    const anchor = script && script.parentNode ? script : document.head.lastChild;
    anchor.parentNode.insertBefore(boot, anchor.nextSibling);
    anchor.parentNode.insertBefore(core, anchor.nextSibling);
    document.head.appendChild(css);
    // After the requests that start chains of their own (the loader, PyScript), so those go
    // out first over the browser's six connections to the server.
    preloadHints(PRELOAD_FETCHES, PRELOAD_MODULES);
})();
