"""The core API groupings of ``_converse.api`` (features add theirs from their plugin folders).

Every method is shown as JS callers write it (inside a plugin's ``initialize``,
``this._converse.api``) and as Python plugins write it (``self._converse.api``).
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Mapping

from ..xmpp import ns
from ..xmpp.jid import bare_jid
from ..xmpp.stanza import StanzaParseError, local_name, namespace, parse, serialize
from .errors import ConverseError
from .events import Callback
from .grouping import Grouping
from .log import logger

if TYPE_CHECKING:
    from .converse import Converse

_STANZA_KINDS = ("message", "presence", "iq")


class ListenAPI(Grouping):
    """``api.listen``: subscribe to events (see docs/events.md for the list)."""

    def __init__(self, converse: Converse) -> None:
        self._converse = converse

    def on(self, name: str, callback: Callback, context: Any = None) -> None:
        """Call ``callback`` every time ``name`` fires.

        JS: ``_converse.api.listen.on('message', function (stanza) { console.log('message', stanza.getAttribute('id')); });``
        Python: ``api.listen.on("message", lambda stanza: print("message", stanza.get("id")))``
        """
        self._converse.events.on(name, callback, context)
        self._converse.check_event_name(name)

    def once(self, name: str, callback: Callback, context: Any = None) -> None:
        """Call ``callback`` the next time ``name`` fires, then forget it.

        JS: ``_converse.api.listen.once('connected', () => console.log('up'));``
        Python: ``api.listen.once("connected", lambda jid: print("up as", jid))``
        """
        self._converse.events.once(name, callback, context)
        self._converse.check_event_name(name)

    def not_(self, name: str, callback: Callback | None = None) -> None:
        """Stop calling ``callback`` for ``name`` (JS name: ``not``).

        JS: ``const handler = (stanza) => console.log(stanza); _converse.api.listen.on('message', handler); _converse.api.listen.not('message', handler);``
        Python: ``handler = print; api.listen.on("message", handler); api.listen.not_("message", handler)``
        """
        self._converse.events.not_(name, callback)


class SettingsAPI(Grouping):
    """``api.settings``: read and change settings on the fly."""

    def __init__(self, converse: Converse) -> None:
        self._converse = converse

    def get(self, key: str) -> Any:
        """The value of a setting (its default when unset).

        JS: ``_converse.api.settings.get('play_sounds')  // false``
        Python: ``api.settings.get("play_sounds")``
        """
        return self._converse.settings.get(key)

    def set(self, key: str | Mapping[str, Any], value: Any = None) -> None:
        """Change one setting, or several from an object; bad types raise an error naming the setting.

        JS: ``_converse.api.settings.set('play_sounds', true);`` or
        ``_converse.api.settings.set({play_sounds: true, hide_offline_users: true});``
        Python: ``api.settings.set({"play_sounds": True})``
        """
        if not isinstance(key, (str, Mapping)):
            raise ConverseError(f"settings.set: expected a setting name or an object, got {type(key).__name__}")
        self._converse.settings.set(key, value)
        self._converse.report_unknown_settings()

    def extend(self, defaults: Mapping[str, Any]) -> None:
        """Declare a plugin's settings and their defaults (values the user passed to initialize win).

        JS: ``_converse.api.settings.extend({my_plugin_colour: 'blue'});``
        Python: ``api.settings.extend({"my_plugin_colour": "blue"})``
        """
        self._converse.settings.extend(defaults)


class PromisesAPI(Grouping):
    """``api.promises``: plugins declare promises of their own."""

    def __init__(self, converse: Converse) -> None:
        self._converse = converse

    def add(self, name: str) -> None:
        """Register a promise that ``api.waitUntil`` can wait for; resolve it with ``api.trigger``.

        JS: ``_converse.api.promises.add('myPluginReady');``
        Python: ``api.promises.add("myPluginReady")``
        """
        if not isinstance(name, str) or not name:
            raise ConverseError("promises.add: the promise name must be a non-empty string")
        self._converse.promises.add(name)


class ConnectionAPI(Grouping):
    """``api.connection``: the XMPP connection."""

    def __init__(self, converse: Converse) -> None:
        self._converse = converse

    @property
    def connected(self) -> bool:
        """True while connected (an attribute, not a method).

        JS: ``if (_converse.api.connection.connected) { console.log('online'); }``
        Python: ``api.connection.connected``
        """
        return self._converse.session.connected

    def disconnect(self) -> None:
        """Close the connection (no automatic reconnect follows).

        JS: ``_converse.api.connection.disconnect();``
        Python: ``api.connection.disconnect()``
        """
        self._converse.session.disconnect("disconnect")


class TokensAPI(Grouping):
    """``api.tokens``: the BOSH session tokens."""

    def __init__(self, converse: Converse) -> None:
        self._converse = converse

    def get(self, name: str) -> Any:
        """``'rid'`` or ``'sid'`` of the BOSH session; null/None before connecting and over WebSocket.

        JS: ``alert(_converse.api.tokens.get('rid'));``
        Python: ``api.tokens.get("sid")``
        """
        if name not in ("rid", "sid"):
            raise ConverseError(f"tokens.get: expected 'rid' or 'sid', got {name!r}")
        return self._converse.session.tokens().get(name)


class UserAPI(Grouping):
    """``api.user``: the logged-in user."""

    def __init__(self, converse: Converse) -> None:
        self._converse = converse

    def jid(self) -> str | None:
        """The user's full JID (null/None when not logged in).

        JS: ``alert(_converse.api.user.jid());  // "alice@localhost/converse-py-1a2b"``
        Python: ``api.user.jid()``
        """
        return self._converse.session.jid if self._converse.session.connected else None

    def login(self, credentials: Mapping[str, Any] | None = None) -> asyncio.Future[str]:
        """Log in with ``{jid, password}``, or with no argument via credentials_url/prebind_url
        or the jid/password given to ``initialize``. Resolves to the full JID.

        JS: ``await _converse.api.user.login({jid: 'alice@localhost', password: 'secret'});``
        Python: ``await api.user.login({"jid": "alice@localhost", "password": "secret"})``
        """
        return self._converse.login(credentials)

    def logout(self) -> None:
        """Log out and close the connection.

        JS: ``_converse.api.user.logout();``
        Python: ``api.user.logout()``
        """
        self._converse.logout()


class API(Grouping):
    """``_converse.api``: the private API handed to plugins. Feature plugins attach more groupings."""

    JS_NAMES = {"send_iq": "sendIQ"}
    PYTHON_ONLY = ("add_grouping",)

    def __init__(self, converse: Converse) -> None:
        self._converse = converse
        self.listen = ListenAPI(converse)
        self.settings = SettingsAPI(converse)
        self.promises = PromisesAPI(converse)
        self.connection = ConnectionAPI(converse)
        self.tokens = TokensAPI(converse)
        self.user = UserAPI(converse)

    def add_grouping(self, path: str, member: Grouping | Callable[..., Any]) -> None:
        """Attach a plugin's grouping (or a single function) at ``path`` under the API, for JS and
        Python callers: ``api.add_grouping("chats", ChatsAPI(state))`` makes ``api.chats``;
        ``"user.status"`` attaches under the existing ``api.user``. Python only (a plugin's
        ``initialize``); the JS bridge walks what is attached.

        >>> api = API.__new__(API); api.user = UserAPI.__new__(UserAPI)
        >>> api.add_grouping("user.status", Grouping())
        >>> isinstance(api.user.status, Grouping)
        True
        """
        *parents, name = path.split(".")
        if not name.isidentifier() or not all(p.isidentifier() for p in parents):
            raise ConverseError(f"add_grouping: {path!r} is not a dotted name")
        target: object = self
        for parent in parents:
            target = getattr(target, parent)
            if not isinstance(target, Grouping):
                raise ConverseError(f"add_grouping: {parent!r} in {path!r} is not an API grouping")
        setattr(target, name, member)

    def wait_until(self, name: str) -> asyncio.Future[Any]:
        """Wait for a named promise (JS name ``waitUntil``); fires even if it resolved earlier.

        JS: ``_converse.api.waitUntil('rosterContactsFetched').then(() => console.log('roster ready'));``
        Python: ``await api.wait_until("rosterContactsFetched")``
        """
        return self._converse.promises.wait_until(name)

    def trigger(self, name: str, *args: Any) -> None:
        """Fire an event (and resolve the promise of the same name, if there is one).

        JS: ``_converse.api.trigger('myPluginReady');``
        Python: ``api.trigger("myPluginReady")``
        """
        self._converse.trigger(name, *args)

    def hook(self, name: str, context: Any, data: Any) -> Any:
        """Run the hook ``name``: every listener of it (``listen.on``), in order, gets
        ``(context, data)`` and may return new data; returns the data after the last one.
        Listeners must answer at once (a returned Promise is not awaited).

        JS: ``const buttons = _converse.api.hook('getToolbarButtons', null, []);``
        Python: ``buttons = api.hook("getToolbarButtons", None, [])``
        """
        if not isinstance(name, str) or not name:
            raise ConverseError("hook: the hook name must be a non-empty string")
        return self._converse.hook(name, context, data)

    def send(self, stanza: Any) -> None:
        """Send a stanza: a Strophe Builder or DOM element (JS), an ElementTree element or XML text.
        While offline it is queued and sent on connection.

        JS: ``_converse.api.send(converse.env.$msg({to: 'bob@localhost', type: 'chat'}).c('body').t('hi'));``
        Python: ``api.send('<message to="bob@localhost" type="chat"><body>hi</body></message>')``
        """
        self._converse.session.send(stanza_text(stanza, "send", self._own_jid()))

    def send_iq(self, stanza: Any, timeout: float | None = None) -> asyncio.Future[ET.Element]:
        """Send an IQ get/set; resolves with the result stanza, rejects on an error reply or timeout
        (JS name ``sendIQ``; default timeout 20 s).

        JS: ``const result = await _converse.api.sendIQ(converse.env.$iq({type: 'get'}).c('query', {xmlns: 'jabber:iq:roster'}));``
        Python: ``result = await api.send_iq('<iq type="get"><query xmlns="jabber:iq:roster"/></iq>')``
        """
        el = parse(stanza_text(stanza, "sendIQ", self._own_jid()))
        return self._converse.session.send_iq(el, timeout if timeout else 20.0)

    def _own_jid(self) -> str | None:
        jid = self._converse.session.jid or self._converse.settings.get("jid")
        return str(jid) if jid else None


def stanza_text(stanza: Any, method: str, own_jid: str | None = None) -> str:
    """Validate a stanza given as text or an element and return its XML text (with jabber:client).

    A ``from`` that is not the user's own address (``own_jid``) is removed with a warning:
    the server stamps the sender anyway, and RFC 6120 lets it close the stream on a forged
    one (ejabberd does, with ``invalid-from``; Prosody ignores it).

    >>> stanza_text('<message from="juliet@example.com/balcony" to="romeo@example.net"/>', "send",
    ...             "alice@localhost/web")
    '<message xmlns="jabber:client" to="romeo@example.net" />'
    """
    if isinstance(stanza, ET.Element):
        el = stanza
    elif isinstance(stanza, str):
        try:
            el = parse(stanza)
        except StanzaParseError as exc:
            raise ConverseError(f"{method}: the stanza is not well-formed XML ({exc})") from None
    else:
        raise ConverseError(
            f"{method}: expected a stanza (Strophe Builder, element or XML text), got {type(stanza).__name__}")
    if local_name(el.tag) not in _STANZA_KINDS:
        raise ConverseError(f"{method}: expected <message/>, <presence/> or <iq/>, got <{local_name(el.tag)}/>")
    if namespace(el.tag) not in ("", ns.CLIENT) or el.get("xmlns") not in (None, ns.CLIENT):
        raise ConverseError(f"{method}: a stanza's namespace must be jabber:client")
    sender = el.get("from")
    if sender is not None and own_jid and not _same_account(sender, own_jid):
        logger.warning("%s: removed from=%r, which is not your address: the server sets the "
                       "sender (and may close the stream over a forged one)", method, sender)
        el = _without_from(el)
    return serialize(el, parent_ns="") if el.tag.startswith("{") or el.get("xmlns") \
        else serialize(_with_client_ns(el))


def _same_account(sender: str, own_jid: str) -> bool:
    try:
        return bare_jid(sender) == bare_jid(own_jid)
    except ValueError:
        return False


def _without_from(el: ET.Element) -> ET.Element:
    """A shallow copy of ``el`` without its ``from`` (the caller's element is left alone)."""
    copy = ET.Element(el.tag, {k: v for k, v in el.attrib.items() if k != "from"})
    copy.text = el.text
    copy.extend(list(el))
    return copy


def _with_client_ns(el: ET.Element) -> ET.Element:
    """A shallow copy of ``el`` declaring jabber:client (children keep their own namespaces)."""
    copy = ET.Element(el.tag, {**el.attrib, "xmlns": ns.CLIENT})
    copy.text = el.text
    copy.extend(list(el))
    return copy


StanzaFilter = Callable[[ET.Element], bool]
