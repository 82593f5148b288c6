"""Disco plugin: after log-in, asks the server and the user's own account what they support
(XEP-0030) and fires ``serviceDiscovered`` once per feature found.

Other plugins wait for the answer with ``await converse.get(DiscoState).discovered()`` and ask
``converse.get(DiscoState).supports(namespace)`` (``converse.find`` when disco is optional for them).
"""

from __future__ import annotations

import asyncio
from typing import Any

from ...core.aio import new_future
from ...core.converse import Converse
from ...core.errors import IQDisconnectedError
from ...core.log import logger
from ...core.model import Model
from ...core.plugin import EventDoc, Plugin
from ...xmpp.jid import JID
from .stanzas import info_query, parse_info


class Feature(Model):
    """A discovered feature: ``feature.get('var')`` is its namespace, ``feature.get('from')`` who offers it."""

    def __init__(self, var: str, source: str) -> None:
        super().__init__({"var": var, "from": source})

    def js_facade(self, bridge: Any) -> Any:
        return bridge.model(self)


class DiscoState:
    """Features of the server and of the user's account, for the current session."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.features: dict[str, Feature] = {}
        self.done = False
        self._waiting: asyncio.Future[None] | None = None
        self._generation = 0  # bumped by reset: a discovery of a session that is gone commits nothing
        self._held = False  # a finished discovery put on hold by a drop (see suspend/resume)

    def reset(self) -> None:
        """Forget this session's discovery (a new session discovers anew)."""
        self.features, self._held = {}, False
        self._generation += 1
        self.suspend()

    def suspend(self) -> None:
        """The connection dropped: until it is back, callers of ``discovered()`` wait. ``resume()``
        gives the features back if the same session returns (XEP-0198)."""
        self._held = self._held or self.done
        self.done = False
        if self._waiting is not None and self._waiting.done():
            self._waiting = None

    def resume(self) -> bool:
        """The stream was resumed: the features found before the drop hold again. False when the
        discovery had not finished by then."""
        if not self._held:
            return False
        self._held, self.done = False, True
        self.discovered()
        return True

    def supports(self, namespace: str) -> bool:
        """True when the server or the account advertised ``namespace``."""
        return namespace in self.features

    def discovered(self) -> asyncio.Future[None]:
        """Resolves once this session's discovery finished (at once if it has)."""
        if self._waiting is None:
            self._waiting = new_future()
        if self.done and not self._waiting.done():
            self._waiting.set_result(None)
        return self._waiting

    async def discover(self) -> None:
        """Query the server (domain) and the account (bare JID) at once, then fire serviceDiscovered
        for each feature (the server's first).

        A discovery that the connection cut (its queries failed for want of a connection) or that a
        newer one replaced commits nothing: those waiting on ``discovered()`` wait for the next."""
        jid = self.converse.session.jid
        if not jid:
            return
        own = JID.parse(jid)
        self.reset()
        generation = self._generation
        targets = (own.domain, own.bare)
        answers = await asyncio.gather(*(self.converse.session.send_iq(info_query(t)) for t in targets),
                                       return_exceptions=True)
        if generation != self._generation or any(isinstance(a, IQDisconnectedError) for a in answers):
            return
        for target, answer in zip(targets, answers):
            if isinstance(answer, BaseException):  # an entity without disco is not an error for the client
                logger.info("disco#info of %s failed: %s", target, answer)
                continue
            for var in parse_info(answer).features:
                if var not in self.features:
                    self.features[var] = Feature(var, target)
        self.done = True
        self.discovered()
        for feature in list(self.features.values()):
            self.converse.trigger("serviceDiscovered", feature)


class DiscoPlugin(Plugin):
    """Service discovery of the server and the account, started after the initial presence (so it
    needs ``converse-status``)."""

    name = "converse-disco"
    dependencies = ("converse-status",)
    events = {
        "serviceDiscovered": EventDoc("the feature (feature.get('var') is its namespace, e.g. Strophe.NS.MAM)",
                                      "service discovery of the server and account found a feature (once per "
                                      "feature and session)"),
    }
    features = ("http://jabber.org/protocol/disco#info",)

    def initialize(self) -> None:
        converse = self._converse
        self.state = DiscoState(converse)
        converse.provide(self.state)
        # After the initial presence, so the roster fetch and presence go out first.
        converse.api.listen.on("statusInitialized", lambda *_: self._start())
        # A lost connection ends this session's discovery when the client gives up (disconnected);
        # while it tries again (will-reconnect) the discovery is on hold: a new session discovers
        # anew (statusInitialized); a resumed one (XEP-0198) keeps what was found (or gets the
        # answers still on their way: a resumable stream's IQs do not fail).
        converse.api.listen.on("disconnected", lambda *_: self.state.reset())
        converse.api.listen.on("will-reconnect", lambda *_: self.state.suspend())
        converse.api.listen.on("streamResumed", lambda *_: self.state.resume())

    def _start(self) -> None:
        task = asyncio.ensure_future(self.state.discover())
        task.add_done_callback(_report)


def _report(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("service discovery failed: %s", task.exception())
