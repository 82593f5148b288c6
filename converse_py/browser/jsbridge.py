"""The JS face of the Python API: groupings become JS objects with the seed's names.

- methods become JS functions (via ``helpers.method``) that throw a JS ``Error``
  (``name`` = the Python exception class) on misuse;
- futures and coroutines become real JS Promises;
- ElementTree stanzas become DOM elements, dicts objects, lists arrays;
- properties (``connection.connected``) become getters;
- ``listen.on/once(name, callback, context)`` call ``callback`` with ``this = context``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import weakref
import xml.etree.ElementTree as ET
from typing import Any
from collections.abc import Callable

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsProxy, create_once_callable, to_js  # type: ignore[import-not-found]

from ..core.api import ListenAPI
from ..core.converse import Converse
from ..core.errors import ConverseError
from ..core.grouping import Grouping
from ..core.log import logger
from ..dom.ffi import ProxyKeeper
from ..xmpp.stanza import serialize

try:
    from pyodide.ffi import jsnull  # type: ignore[import-not-found]
except ImportError:  # older Pyodide
    jsnull = js.JSON.parse("null")


def without_jsnull(value: Any) -> Any:
    """``to_py()`` keeps nested JS nulls as ``jsnull``; Python callers expect ``None``."""
    if value is jsnull:
        return None
    if isinstance(value, dict):
        return {key: without_jsnull(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_jsnull(item) for item in value]
    return value


class JsBridge:
    """Converts values and wraps callables between Python and page JS."""

    def __init__(self, helpers: Any) -> None:
        self.helpers = helpers
        self.proxies = ProxyKeeper()
        #: model kind → JS name → Python attribute: the methods plugins declared (``Plugin.facades``);
        #: the live dict of the client (``converse.facades``) once a JS plugin got ``_converse``
        self.facades: dict[str, dict[str, str]] = {}
        self._private: weakref.WeakKeyDictionary[Converse, Any] = weakref.WeakKeyDictionary()

    # -- values -------------------------------------------------------------------------
    def to_py(self, value: Any) -> Any:
        """A JS argument as Python: stanzas → XML text, objects/arrays → dict/list, null → None."""
        if value is None or value is jsnull or value is js.undefined:
            return None
        if not isinstance(value, JsProxy):
            return value
        if self.helpers.isStanzaLike(value):
            return self.helpers.serialize(value)
        if callable(value):
            return value
        return without_jsnull(value.to_py())

    def to_js(self, value: Any) -> Any:
        """A Python result as JS."""
        if value is None:
            return jsnull
        if isinstance(value, (bool, int, float, str)) or isinstance(value, JsProxy):
            return value
        if isinstance(value, ET.Element):
            return self.helpers.parseXML(serialize(value))
        if isinstance(value, (asyncio.Future, asyncio.Task)) or inspect.iscoroutine(value):
            return self.promise(value)
        facade = getattr(value, "js_facade", None)
        if callable(facade):
            return facade(self)
        if isinstance(value, Grouping):
            return self.grouping(value)
        if isinstance(value, dict):
            obj = js.Object.new()
            for key, item in value.items():
                setattr(obj, str(key), self.to_js(item))
            return obj
        if isinstance(value, (list, tuple)):
            return to_js([self.to_js(item) for item in value], create_pyproxies=False) \
                if all(isinstance(i, (bool, int, float, str)) or i is None for i in value) \
                else js.Array.of(*[self.to_js(item) for item in value])
        return to_js(value, dict_converter=js.Object.fromEntries)

    def error(self, exc: BaseException) -> Any:
        """A JS Error carrying the exception's message and class name."""
        return self.helpers.error(str(exc) or type(exc).__name__, type(exc).__name__)

    def promise(self, awaitable: Any) -> Any:
        """A real JS Promise settled by ``awaitable``."""
        future = asyncio.ensure_future(awaitable)

        def executor(resolve: Any, reject: Any) -> None:
            def settle(done: asyncio.Future[Any]) -> None:
                try:
                    resolve(self.to_js(done.result()))
                except BaseException as exc:  # cancelled futures reject too
                    reject(self.error(exc))
            future.add_done_callback(settle)

        return js.Promise.new(create_once_callable(executor))

    # -- callables ----------------------------------------------------------------------
    def method(self, fn: Callable[..., Any], *, raw_args: bool = False, wrap_callbacks: bool = False) -> Any:
        """A JS function calling ``fn`` with converted arguments; errors throw a JS Error.

        With ``raw_args`` the JS values are passed as they are (e.g. a JS plugin object); with
        ``wrap_callbacks`` JS functions among the arguments become Python callables that hand
        their arguments to JS converted (``archive.query``'s callback gets an Array and the rsm object).
        """
        void = _returns_none(fn)

        def convert(arg: Any) -> Any:
            if raw_args and isinstance(arg, JsProxy):
                return arg
            value = self.to_py(arg)
            if wrap_callbacks and isinstance(value, JsProxy) and callable(value):
                return self.js_callback(value)
            return value

        def call(js_args: Any) -> Any:
            result = js.Object.new()
            try:
                args = [convert(a) for a in js_args]
                while args and args[-1] is None:
                    args.pop()
                value = fn(*args)
                result.ok = True
                result.value = js.undefined if void and value is None else self.to_js(value)
            except Exception as exc:
                result.ok = False
                result.error = str(exc) or type(exc).__name__
                result.name = type(exc).__name__
            return result

        return self.helpers.method(self.proxies.keep(call))

    def grouping(self, grouping: Grouping, into: Any = None) -> Any:
        """A JS object for ``grouping`` (members missing from ``into`` are added to it)."""
        obj = into if into is not None else js.Object.new()
        for js_name, attr in grouping.js_members().items():
            if into is not None and js.Reflect.has(obj, js_name) and \
                    not isinstance(getattr(grouping, attr, None), Grouping):
                continue
            special = self._special(grouping, attr)
            if special is not None:
                setattr(obj, js_name, special)
                continue
            if isinstance(getattr(type(grouping), attr, None), property):
                getter = self.proxies.keep(lambda g=grouping, a=attr: self.to_js(getattr(g, a)))
                self.helpers.getter(obj, js_name, getter)
                continue
            member = getattr(grouping, attr)
            if isinstance(member, Grouping):
                existing = getattr(obj, js_name, None) if js.Reflect.has(obj, js_name) else None
                setattr(obj, js_name, self.grouping(member, existing))
            elif callable(member):
                setattr(obj, js_name, self.method(member))
        return obj

    def js_callback(self, fn: Any) -> Callable[..., Any]:
        """A Python callable calling the JS function ``fn`` with JS values; what it returns comes
        back as Python (a Promise stays a JsProxy, which Python can await)."""
        def call(*args: Any) -> Any:
            result = fn.apply(js.undefined, js.Array.of(*[self.to_js(a) for a in args]))
            if isinstance(result, JsProxy) and callable(getattr(result, "then", None)):
                return result
            return self.to_py(result)
        return call

    def _callable_from_py(self, value: Any) -> Any:
        """``value`` with the JS functions in its lists and dicts made callable from Python with
        Python arguments (converted as for listeners); what they return comes back as Python."""
        if isinstance(value, JsProxy) and callable(value):
            fn = value

            def call(*args: Any) -> Any:
                return self.to_py(fn.apply(js.undefined, js.Array.of(*[self.to_js(a) for a in args])))
            return call
        if isinstance(value, list):
            return [self._callable_from_py(item) for item in value]
        if isinstance(value, dict):
            return {key: self._callable_from_py(item) for key, item in value.items()}
        return value

    def _special(self, grouping: Grouping, attr: str) -> Any:
        if isinstance(grouping, ListenAPI) and attr in ("on", "once"):
            return self._listen(grouping, once=(attr == "once"))
        if attr in getattr(grouping, "JS_WRAP_CALLBACKS", ()):
            return self.method(getattr(grouping, attr), wrap_callbacks=True)
        return None

    def _listen(self, listen: ListenAPI, *, once: bool) -> Any:
        events = listen._converse.events

        def register(name: str, callback: Any, context: Any = None) -> None:
            if not isinstance(callback, JsProxy):
                raise TypeError(f"listen.{'once' if once else 'on'}: callback must be a function")
            ctx = js.undefined if context is None else context

            def adapter(*args: Any) -> Any:
                # what the listener returns matters to hooks (api.hook): new data (read back into
                # hook data objects that take JS changes), or undefined; functions in it (a
                # button's handler) get JS values when Python calls them
                js_args = [self.to_js(a) for a in args]
                result = callback.apply(ctx, js.Array.of(*js_args))
                return self._callable_from_py(self.read_back(args, js_args, result))

            (events.once if once else events.on)(name, adapter, key=callback)
            listen._converse.check_event_name(name)

        return self.method(register, raw_args=True)

    def read_back(self, args: Any, js_args: list[Any], result: Any) -> Any:
        """A JS listener's return value as Python. Hook data that can take back what JS changed
        (``js_read_back``: the outgoing message, the parsed message) gets the changes made to its
        JS object, and stays the Python object when JS returned that object, or a plain object in
        its place (read back too); anything else is converted (``to_py``)."""
        for py_arg, js_arg in zip(args, js_args):
            take = getattr(py_arg, "js_read_back", None)
            if not callable(take):
                continue
            take(without_jsnull(js_arg.to_py(depth=1)) if isinstance(js_arg, JsProxy) else {})
            if result is None or result is jsnull or result is js.undefined:
                return None
            if isinstance(result, JsProxy) and result == js_arg:
                return py_arg
            converted = self.to_py(result)
            if isinstance(converted, dict):
                take(converted)
                return py_arg
            return converted
        return self.to_py(result)

    # -- models -------------------------------------------------------------------------
    def model(self, model: Any) -> Any:
        """``{get(attr), set(attr, value) | set({...})}`` for a model; one facade per model."""
        facade = getattr(model, "_js_model", None)
        if facade is not None:
            return facade
        facade = js.Object.new()
        facade.get = self.method(model.get)
        facade.set = self.method(model.set)
        for name in ("minimize", "maximize"):
            if callable(getattr(model, name, None)):
                setattr(facade, name, self.method(getattr(model, name)))
        model._js_model = facade
        return facade

    def chatbox(self, box: Any) -> Any:
        """The chat box object of the seed: close, focus, show, and ``model``."""
        facade = getattr(box, "_js_box", None)
        if facade is not None:
            return facade
        facade = js.Object.new()
        facade.model = self.model(box)
        facade.model.sendMessage = self.method(functools.partial(_send_message, box))
        facade.model.addInfo = self.method(box.add_info)
        # what the initialized plugins declared (``initiateOTR`` by converse-otr, ``correctMessage``
        # by converse-corrections): a plugin that is not loaded adds nothing
        for js_name, attr in self.facades.get("chatbox", {}).items():
            setattr(facade.model, js_name, self.method(functools.partial(_box_method, box, attr)))
        for name in ("close", "focus", "show"):
            setattr(facade, name, self.method(getattr(box, name)))
        facade.jid = box.get("jid")
        box._js_box = facade
        return facade

    # -- the private namespace for JS plugins -------------------------------------------
    def private_facade(self, converse: Converse) -> Any:
        """``this._converse`` for JS plugins: ``{api: ...}`` (one per client), refreshed with the
        groupings added since the last JS plugin got it."""
        self.facades = converse.facades
        existing = self._private.get(converse)
        facade = existing if existing is not None else js.Object.new()
        api = getattr(facade, "api", None) if existing is not None else None
        facade.api = self.grouping(converse.api, api)
        self._private[converse] = facade
        return facade


def _returns_none(fn: Callable[..., Any]) -> bool:
    try:
        annotation = inspect.signature(fn).return_annotation
    except (TypeError, ValueError):
        return False
    return annotation in (None, "None")


def _send_message(box: Any, message: Any) -> Any:
    """``model.sendMessage('text')`` or ``model.sendMessage({body: 'text'})`` (as Converse.js)."""
    text = message.get("body") if isinstance(message, dict) else message
    if not isinstance(text, str):
        raise ConverseError("sendMessage: expected the text, or an object with a body")
    return box.send_message(text)


def _box_method(box: Any, name: str, *args: Any) -> Any:
    """Call a method a plugin declared for the box (``Plugin.facades``), or say plainly that there is none."""
    method = getattr(box, name, None)
    if not callable(method):
        raise ConverseError(f"{name}: not available on this chat box")
    return method(*args)


def log_js_errors(label: str) -> Callable[[BaseException], None]:
    """A callback that logs an exception under ``label`` (for fire-and-forget tasks)."""
    def report(exc: BaseException) -> None:
        logger.error("%s: %s", label, exc)
    return report
