"""Boot: take the shim's hand-over, build the host, attach the implementation of ``window.converse``."""

from __future__ import annotations

import logging
from typing import Any

import js  # type: ignore[import-not-found]

from ..core.converse import Converse
from ..core.errors import SettingsError
from ..core.log import logger
from ..dom.views.ui import UIPlugin
from ..plugins.core import FEATURE_PLUGINS
from ..public import Host, converse
from ..transport.choice import pick_url
from .jsbridge import JsBridge
from .jsplugin import js_plugin_adapter
from .platform import BrowserPlatform
from .strophe_transport import StropheTransport

CORE_PLUGINS = {**FEATURE_PLUGINS, UIPlugin.name: UIPlugin}


class ConsoleHandler(logging.Handler):
    """Python logging → the browser console (records are already redacted where they hold stanzas)."""

    def emit(self, record: logging.LogRecord) -> None:
        text = f"converse-py: {self.format(record)}"
        if record.levelno >= logging.ERROR:
            js.console.error(text)
        elif record.levelno >= logging.WARNING:
            js.console.warn(text)
        else:
            js.console.info(text)


def connection_url(instance: Converse) -> str:
    """The transport URL: ``websocket_url`` first, ``bosh_service_url`` as the fallback (a kind that
    failed to connect during this login is skipped), else what XEP-0156 discovery found."""
    session = instance.session
    choice = pick_url(instance.settings.get, session.discovered, session.failed_kinds) \
        or pick_url(instance.settings.get, session.discovered)
    if choice is None:
        raise SettingsError("bosh_service_url: set websocket_url or bosh_service_url to connect "
                            "(XEP-0156 discovery found no connection method)")
    return choice[1]


async def boot() -> None:
    """Called once by the shim's boot script (BOOT_PY in static/converse.js)."""
    channel = js.window.__converse_py_boot
    js.Reflect.deleteProperty(js.window, "__converse_py_boot")
    handler = ConsoleHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    strophe = await channel.strophe
    helpers = channel.helpers
    levels = strophe.Strophe.LogLevel
    strophe.Strophe.setLogLevel(levels.WARN)
    bridge = JsBridge(helpers)

    def make_transport(instance: Converse) -> StropheTransport:
        url = connection_url(instance)
        strophe.Strophe.setLogLevel(levels.INFO if instance.settings.get("debug") else levels.WARN)
        return StropheTransport(strophe, helpers, url, keepalive=bool(instance.settings.get("keepalive")))

    converse.use_host(Host(make_transport, BrowserPlatform(), js_plugin_adapter(bridge), CORE_PLUGINS))

    async def initialize(settings: Any = None) -> None:
        try:
            await converse.initialize(settings)
        except Exception as exc:
            js.console.error(f"converse.initialize: {exc}")
            raise

    impl = js.Object.new()
    impl.initialize = bridge.method(initialize)
    impl.pluginsAdd = bridge.method(converse.plugins.add, raw_args=True)
    impl.pluginsRemove = bridge.method(converse.plugins.remove)
    channel.attach(impl)
