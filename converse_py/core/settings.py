"""Settings: the defaults, their types, validation, and ``api.settings``.

The core's own settings (connection, login, plugin lists, language, debug) are declared here
with their type and default; each feature plugin declares its own (``Plugin.settings``). A wrong type raises
``SettingsError`` naming the setting; an unknown key is reported (by name) and
kept, so a plugin registered later can still claim it.

>>> s = Settings()
>>> unknown = s.update({"debug": True})
>>> s.get("debug")
True
>>> s.update({"debug": "yes"})
Traceback (most recent call last):
...
converse_py.core.errors.SettingsError: debug: expected a boolean, got str ('yes')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from collections.abc import Callable, Iterable, Mapping

from .errors import SettingsError

_TYPE_NAMES = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
               list: "a list", dict: "an object", type(None): "null"}


@dataclass(frozen=True)
class Setting:
    """One declared setting: default, accepted types, optional allowed values, and what it does."""

    default: Any
    types: tuple[type, ...]
    doc: str
    choices: tuple[Any, ...] = ()
    secret: bool = False

    def check(self, name: str, value: Any) -> Any:
        """Return ``value`` (ints widened to float where a float is wanted) or raise SettingsError."""
        if isinstance(value, bool) and bool not in self.types:
            raise SettingsError(f"{name}: expected {self._expected()}, got a boolean ({value!r})")
        if not isinstance(value, self.types):
            shown = "…" if self.secret else repr(value)[:60]
            raise SettingsError(
                f"{name}: expected {self._expected()}, got {type(value).__name__} ({shown})")
        if self.choices and value not in self.choices:
            allowed = ", ".join(repr(c) for c in self.choices)
            raise SettingsError(f"{name}: must be one of {allowed}, got {value!r}")
        if list in self.types and isinstance(value, list):
            return list(value)
        return value

    def _expected(self) -> str:
        names = [_TYPE_NAMES.get(t, t.__name__) for t in self.types]
        return " or ".join(dict.fromkeys(names))


#: Types of an optional string setting.
OPTIONAL_STR: tuple[type, ...] = (str, type(None))
_OPT_STR = OPTIONAL_STR

#: The core settings (feature plugins declare theirs in ``Plugin.settings``).
CORE_SETTINGS: dict[str, Setting] = {
    "authentication": Setting("login", (str,), "How to log in.",
                              choices=("login", "prebind", "anonymous")),
    "auto_login": Setting(False, (bool,), "Log in at start-up with jid/password, credentials_url or prebind_url."),
    "auto_reconnect": Setting(True, (bool,), "Reconnect automatically when the connection drops, as "
                              "Converse.js 14 does by default (with enable_smacks a resumable XEP-0198 session is "
                              "always reconnected); false: a drop ends the session (disconnected)."),
    "blacklisted_plugins": Setting([], (list,), "Plugin names never initialized."),
    "bosh_service_url": Setting(None, _OPT_STR, "BOSH endpoint, e.g. http://localhost:5280/http-bind."),
    "credentials_url": Setting(None, _OPT_STR, "URL returning JSON {jid, password} for user.login()."),
    "debug": Setting(False, (bool,), "Log stanzas (passwords and SASL redacted) and internals to the console."),
    "enable_smacks": Setting(False, (bool,), "Use XEP-0198 stream management: acks, and resuming the "
                             "session after a network drop without losing or repeating stanzas."),
    "i18n": Setting("", (str, dict), "UI language: a code of `locales` ('de', 'pt-BR'; 'pt-PT' picks 'pt-BR') or a "
                    "catalog object; empty (the default): the browser's preferred language (navigator.languages) "
                    "best matching `locales`, else English."),
    "locales": Setting(["en", "de", "fr", "es", "pt-BR", "ru", "zh-CN", "ja", "ar", "ko"], (list,),
                       "The UI languages the client may use (English is always allowed)."),
    "jid": Setting(None, _OPT_STR, "The user's JID, for auto_login or prebind."),
    "keepalive": Setting(True, (bool,), "Resume the session after a page reload: BOSH through Strophe's "
                         "cache, WebSocket through XEP-0198 when enable_smacks is on."),
    "password": Setting(None, _OPT_STR, "The user's password, for auto_login: taken out of the settings at once, "
                        "never stored, dropped after the login unless reconnection may need it.", secret=True),
    "prebind": Setting(False, (bool,), "Attach to a BOSH session made by the server side (see prebind_url)."),
    "prebind_url": Setting(None, _OPT_STR, "URL returning JSON {jid, sid, rid} to attach to."),
    "websocket_url": Setting(None, _OPT_STR, "WebSocket endpoint (RFC 7395), e.g. ws://localhost:5280/xmpp-websocket. "
                             "Preferred over bosh_service_url when both are set (BOSH is then the fallback)."),
    "whitelisted_plugins": Setting([], (list,), "The non-core plugins to initialize (core ones always are): a plugin "
                                  "not named here is registered but not initialized. An entry ending in \"*\" names "
                                  "every plugin whose name starts with what precedes it (\"test-*\")."),
    # transport (issue 9)
    "discover_connection_methods": Setting(
        True, (bool,), "When neither websocket_url nor bosh_service_url is set, find them with XEP-0156 in "
        "the domain's host-meta before logging in."),
    "host_meta_url": Setting(
        None, _OPT_STR, "Where XEP-0156 discovery reads host-meta; '{domain}' is replaced by the JID's domain. "
        "Default: https://{domain}/.well-known/host-meta (then host-meta.json)."),
    "smacks_max_unacked_stanzas": Setting(
        5, (int,), "With enable_smacks: ask the server to acknowledge (<r/>) after this many sent stanzas."),
}


class Settings:
    """The live settings of one ``_converse``: declared defaults overlaid with the user's values."""

    def __init__(self, declared: Mapping[str, Setting] | None = None) -> None:
        self._declared: dict[str, Setting] = dict(CORE_SETTINGS if declared is None else declared)
        self._values: dict[str, Any] = {}
        self._secrets: dict[str, Any] = {}  # secret settings: not readable with get, not shown to watchers
        self._unknown: dict[str, Any] = {}
        self._watchers: list[Callable[[str, Any, Any], None]] = []

    def extend(self, declarations: Mapping[str, Setting | Any]) -> None:
        """Declare plugin settings. A plain value is taken as the default, its type as the type.

        A value the user gave earlier for a newly declared key is validated now.

        >>> s = Settings(); s.extend({"greeting": "hello"}); s.get("greeting")
        'hello'
        """
        for name, decl in declarations.items():
            if not isinstance(decl, Setting):
                types: tuple[type, ...] = (type(decl),) if decl is not None else (object,)
                decl = Setting(decl, types, "")
            if name not in self._declared:
                self._declared[name] = decl
            if name in self._unknown:
                self._values[name] = decl.check(name, self._unknown.pop(name))

    def update(self, values: Mapping[str, Any]) -> list[str]:
        """Validate and store ``values`` (all or nothing); return the names not declared (kept anyway)."""
        if not isinstance(values, Mapping):
            raise SettingsError(f"settings: expected an object, got {type(values).__name__}")
        checked: dict[str, Any] = {}
        unknown: dict[str, Any] = {}
        for name, value in values.items():
            if not isinstance(name, str):
                raise SettingsError(f"settings: keys must be strings, got {name!r}")
            decl = self._declared.get(name)
            if decl is None:
                unknown[name] = value
            else:
                checked[name] = decl.check(name, value)
        for name, value in checked.items():
            if self._declared[name].secret:
                self._secrets[name] = value
                continue
            old = self.get(name)
            self._values[name] = value
            self._notify(name, old, value)
        self._unknown.update(unknown)
        return sorted(unknown)

    def set(self, key: str | Mapping[str, Any], value: Any = None) -> None:
        """``set("play_sounds", True)`` or ``set({"play_sounds": True, ...})``."""
        self.update(key if isinstance(key, Mapping) else {key: value})

    def get(self, name: str) -> Any:
        """The value of ``name`` (the default when unset; None for an unknown name)."""
        if name in self._values:
            return self._values[name]
        if name in self._declared:
            if self._declared[name].secret:
                return None
            default = self._declared[name].default
            return list(default) if isinstance(default, list) else default
        return self._unknown.get(name)

    def pop_secret(self, name: str) -> Any:
        """Take a secret setting out (the password is handed to the login and not kept here).
        ``get`` never returns a secret setting, and watchers never see one.

        >>> s = Settings(); _ = s.update({"password": "s3cret"})
        >>> s.get("password"), s.pop_secret("password"), s.pop_secret("password")
        (None, 's3cret', None)
        """
        return self._secrets.pop(name, None)

    def declared(self) -> dict[str, Setting]:
        """Name → declaration of every known setting (for docs and validation)."""
        return dict(self._declared)

    def unknown(self) -> list[str]:
        """Names the user set that nothing declared."""
        return sorted(self._unknown)

    def watch(self, callback: Callable[[str, Any, Any], None]) -> None:
        """Call ``callback(name, old, new)`` after each change (on-the-fly settings)."""
        self._watchers.append(callback)

    def _notify(self, name: str, old: Any, new: Any) -> None:
        if old == new:
            return
        for callback in list(self._watchers):
            callback(name, old, new)


def names(settings: Iterable[str]) -> str:
    """Human list of setting names: ``'a', 'b'``."""
    return ", ".join(repr(n) for n in settings)
