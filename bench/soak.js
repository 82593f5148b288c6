// Soak instrumentation (bench/soak.py), injected before any page script runs. It only counts:
// the page's Python probe (bench/pages/soak.html) hands it Pyodide's Module once the interpreter
// is up, before the client logs in.
//
// window.__soak:
//   install(Module)  hook Pyodide's PyProxy allocation tracing (see count below)
//   pyproxies(top)   {live, created, destroyed, collected, kinds}: PyProxies made since install
//                    that are still alive; kinds = the commonest Python types (and names) among them
//   jsrefs()         Pyodide's JS reference table size (hiwire refs: JS values held by Wasm)
//
// Pyodide calls trace_pyproxy_alloc(proxy) for every new PyProxy and trace_pyproxy_dealloc(proxy)
// when one is destroyed, once enable_pyproxy_allocation_tracing() ran; both store into
// Module.pyproxy_alloc_map. Its own Map would keep every proxy alive (and so its Python object,
// since Pyodide releases that from a FinalizationRegistry when the proxy is collected). The
// hooks below replace set/delete on that very Map instance: a proxy is remembered weakly (a
// WeakRef and a FinalizationRegistry entry) until it is destroyed or garbage-collected. (The
// creation stack Pyodide passes is all Wasm frames, so the report names the Python type instead.)
(function () {
    'use strict';
    const S = { module: null, created: 0, destroyed: 0, collected: 0 };
    Object.defineProperty(window, '__soak', { value: S });
    let next = 0;
    const ids = new WeakMap();          // proxy -> id
    const live = new Map();             // id -> WeakRef(proxy)
    const registry = new FinalizationRegistry(function (id) {
        if (live.delete(id)) S.collected++;
    });
    S.install = function (Module) {
        if (S.module) return;
        S.module = Module;
        const map = Module.pyproxy_alloc_map;
        map.set = function (proxy, stack) {
            const id = ++next;
            ids.set(proxy, id);
            live.set(id, new WeakRef(proxy));
            registry.register(proxy, id, proxy);
            S.created++;
            return map;
        };
        map.delete = function (proxy) {
            const id = ids.get(proxy);
            if (id === undefined) return false;
            ids.delete(proxy);
            registry.unregister(proxy);
            if (live.delete(id)) S.destroyed++;
            return true;
        };
        Module.enable_pyproxy_allocation_tracing();
    };
    // What a live proxy stands for: its Python type, and the name of a function or class.
    function kind(proxy) {
        try {
            let name = '';
            if (typeof proxy === 'function' || proxy.type === 'type') {
                name = String(proxy.__qualname__ || proxy.name || '');
            }
            return proxy.type + (name ? ' ' + name : '');
        } catch (err) {
            return 'unknown (' + String(err).slice(0, 80) + ')';
        }
    }
    S.pyproxies = function (top) {
        const counts = new Map();
        let alive = 0;
        for (const ref of live.values()) {
            const proxy = ref.deref();
            if (proxy === undefined) continue;  // collected, its finalizer has not run yet
            alive++;
            const k = kind(proxy);
            counts.set(k, (counts.get(k) || 0) + 1);
        }
        const kinds = Array.from(counts.entries()).sort(function (a, b) { return b[1] - a[1]; })
            .slice(0, top || 8);
        return { live: alive, created: S.created, destroyed: S.destroyed, collected: S.collected, kinds: kinds };
    };
    S.jsrefs = function () { return S.module ? S.module.hiwire.num_keys() : -1; };
})();
