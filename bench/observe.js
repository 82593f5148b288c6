// Bench instrumentation, injected into every bench page before any page script runs
// (identically for both clients). It only observes: it never calls into the client.
//
// window.__bench:
//   seen      Map marker -> performance.now() when a text containing it first entered the DOM
//             (markers are "bm" + [0-9a-z_]+ words in message bodies)
//   longtasks [[startTime, duration], ...] from PerformanceObserver('longtask')
//   rosterArrived  performance.now() when the BOSH response holding the roster result started
//             arriving (readyState HEADERS_RECEIVED of that XHR)
//   marks     name -> performance.now() when watch(name, ...) first held
//   arrivals  marker -> performance.now() when the BOSH response (or WebSocket frame) holding it
//             was handed to the page, recorded while recordArrivals is true (the latency scenario)
//   wasm      WebAssembly memories made or exported by instances (for the memory figures)
(function () {
    'use strict';
    const B = {
        seen: new Map(), longtasks: [], rosterArrived: 0, marks: {}, watchers: [], wasm: [],
        arrivals: new Map(), recordArrivals: false,
    };
    Object.defineProperty(window, '__bench', { value: B });

    try {
        new PerformanceObserver(function (list) {
            for (const e of list.getEntries()) B.longtasks.push([e.startTime, e.duration]);
        }).observe({ type: 'longtask', buffered: true });
    } catch (err) { B.longtaskError = String(err); }

    // Each BOSH response and WebSocket frame as it is handed to the page: listeners added when
    // the object is made, so they run before the client's own (Strophe sets its handler later).
    // An XHR's `first` is when its response started arriving (reset when it is opened again).
    const NativeXHR = window.XMLHttpRequest;
    window.XMLHttpRequest = new Proxy(NativeXHR, {
        construct: function (target, args) {
            const xhr = Reflect.construct(target, args);
            let first = 0;
            xhr.addEventListener('readystatechange', function () {
                const now = performance.now();
                if (xhr.readyState === 1) first = 0;
                if (xhr.readyState >= 2 && !first) first = now;
                if (xhr.readyState !== 4) return;
                if (B.recordArrivals) arrived(xhr.responseText, now);
                if (!B.rosterArrived) {
                    const text = xhr.responseText || '';
                    if (text.indexOf('jabber:iq:roster') >= 0 && /type=['"]result['"]/.test(text) && text.indexOf('<item') >= 0) {
                        B.rosterArrived = first;
                    }
                }
            });
            return xhr;
        },
    });
    const NativeWebSocket = window.WebSocket;
    window.WebSocket = new Proxy(NativeWebSocket, {
        construct: function (target, args) {
            const ws = Reflect.construct(target, args);
            ws.addEventListener('message', function (event) {
                if (B.recordArrivals && typeof event.data === 'string') arrived(event.data, performance.now());
            });
            return ws;
        },
    });
    // Markers ("bm" + [0-9a-z_]+ words) in text, each stamped the first time it is met.
    const MARKER = /\bbm([0-9a-z_]+)\b/g;
    function stamp(into, text, now) {
        if (!text || text.indexOf('bm') < 0) return;
        MARKER.lastIndex = 0;
        let m;
        while ((m = MARKER.exec(text)) !== null) {
            if (!into.has(m[1])) into.set(m[1], now);
        }
    }
    function arrived(text, now) { stamp(B.arrivals, text, now); }

    // WebAssembly memories, whoever makes them (Pyodide, or Converse.js's OMEMO wasm).
    // Weak references: the bench must not keep alive memories the page dropped.
    const keepMemory = function (m) {
        if (m && !B.wasm.some(function (w) { return w.deref() === m; })) B.wasm.push(new WeakRef(m));
    };
    const keepInstance = function (result) {
        const inst = result && (result.instance || result);
        if (inst && inst.exports) {
            for (const k of Object.keys(inst.exports)) {
                if (inst.exports[k] instanceof WebAssembly.Memory) keepMemory(inst.exports[k]);
            }
        }
        return result;
    };
    const OrigMemory = WebAssembly.Memory;
    WebAssembly.Memory = new Proxy(OrigMemory, {
        construct: function (target, args) { const m = Reflect.construct(target, args); keepMemory(m); return m; },
    });
    for (const name of ['instantiate', 'instantiateStreaming']) {
        const orig = WebAssembly[name];
        if (typeof orig !== 'function') continue;
        WebAssembly[name] = function () { return orig.apply(WebAssembly, arguments).then(keepInstance); };
    }
    // Bytes of the memories still alive (call after a GC).
    B.wasmBytes = function () {
        B.wasm = B.wasm.filter(function (w) { return w.deref() !== undefined; });
        return B.wasm.reduce(function (n, w) { return n + w.deref().buffer.byteLength; }, 0);
    };

    function scan(text, now) { stamp(B.seen, text, now); }
    function check(now) {
        if (!B.watchers.length) return;
        B.watchers = B.watchers.filter(function (w) {
            let ok = false;
            try { ok = !!w.fn(); } catch (err) { ok = false; }
            if (ok) B.marks[w.name] = now;
            return !ok;
        });
    }
    // watch(name, fn): record performance.now() in marks[name] the first time fn() is true,
    // checked after every DOM mutation batch.
    B.watch = function (name, fn) {
        delete B.marks[name];
        B.watchers.push({ name: name, fn: fn });
        check(performance.now());
    };
    // Each text node on its own: an element's textContent runs its children's texts together
    // ("B" + "bmo0001" of an avatar's initial and a nick; a quote's last word and the body's
    // first), which would hide markers or invent ones like "b0004burst".
    function scanNode(node, now) {
        if (node.nodeType === Node.TEXT_NODE) { scan(node.data, now); return; }
        if (!node.textContent || node.textContent.indexOf('bm') < 0) return;
        const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
        let text;
        while ((text = walker.nextNode())) scan(text.data, now);
    }
    const observer = new MutationObserver(function (records) {
        const now = performance.now();
        for (const r of records) {
            if (r.type === 'characterData') { scan(r.target.data, now); continue; }
            for (const n of r.addedNodes) scanNode(n, now);
        }
        check(now);
    });
    observer.observe(document, { childList: true, subtree: true, characterData: true });

    // Markers in document order (deduplicated), under root (default: the whole body).
    B.markersInOrder = function (prefix, root) {
        const out = [];
        const seen = new Set();
        const walker = document.createTreeWalker(root || document.body, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
            MARKER.lastIndex = 0;
            let m;
            while ((m = MARKER.exec(node.data)) !== null) {
                if (m[1].indexOf(prefix) === 0 && !seen.has(m[1])) { seen.add(m[1]); out.push(m[1]); }
            }
        }
        return out;
    };
    B.maxLongTask = function (from, to) {
        let max = 0;
        for (const [start, dur] of B.longtasks) {
            if (start + dur >= from && start <= to) max = Math.max(max, dur);
        }
        return max;
    };
    // The nearest scrollable ancestor of the element holding marker text (for paging back).
    B.scrollerOf = function (prefix) {
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
            if (node.data.indexOf('bm' + prefix) < 0) continue;
            let el = node.parentElement;
            while (el && el !== document.body) {
                const style = getComputedStyle(el);
                if (/(auto|scroll)/.test(style.overflowY) && el.scrollHeight > el.clientHeight) return el;
                el = el.parentElement;
            }
        }
        return null;
    };
})();
