"""``api.archive``: query the user's message archive (XEP-0313) page by page (XEP-0059)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar
from collections.abc import Callable, Mapping

from ...core.errors import ConverseError
from ...core.grouping import Grouping
from .models import RSM
from .stanzas import QueryOptionError, normalize_options

if TYPE_CHECKING:
    from .plugin import MamState

#: The error of the seed when the server does not advertise urn:xmpp:mam:2.
UNSUPPORTED = "This server does not support XEP-0313, Message Archive Management"


class ArchiveNotSupportedError(ConverseError):
    """The server did not advertise urn:xmpp:mam:2 in service discovery."""


class ArchiveAPI(Grouping):
    """``_converse.api.archive``: Message Archive Management queries."""

    #: Methods whose JS function arguments are called back with JS values (see browser/jsbridge.py).
    JS_WRAP_CALLBACKS: ClassVar[tuple[str, ...]] = ("query",)

    def __init__(self, state: MamState) -> None:
        self._state = state

    def query(self, options: Mapping[str, Any] | RSM | Callable[..., Any] | None = None,
              callback: Callable[..., Any] | None = None,
              errback: Callable[..., Any] | None = None) -> asyncio.Future[Any]:
        """Query the archive. ``options``: ``with`` (a JID), ``start``/``end`` (ISO 8601 strings, JS
        Dates or datetimes), ``max``, ``after``, ``before`` (``''`` = the most recent page), ``index``,
        ``first``, ``last``, ``count``, or the ``rsm`` object a previous callback received.

        ``callback(messages, rsm)`` gets the result ``<message/>`` stanzas, oldest first, and the RSM
        object (``first``, ``last``, ``count``, ``index`` of the page, ``complete`` once the end of
        the archive is reached; ``rsm.next(n)`` / ``rsm.previous(n)`` give the next/previous page's
        options);
        ``errback(iq)`` gets the error reply. The call also returns a promise (an awaitable in Python)
        of ``{messages, rsm}``; it rejects on errors unless an errback handled them. If the server
        does not advertise urn:xmpp:mam:2 it fails with "This server does not support XEP-0313,
        Message Archive Management" (wait for the ``serviceDiscovered`` event first).

        JS: ``_converse.api.archive.query({'with': 'bob@localhost', 'max': 10}, (messages, rsm) => console.log(messages.length), (iq) => console.error(iq));``
        Python: ``result = await api.archive.query({"before": "", "max": 5}); result["rsm"].previous(5)``
        """
        if callable(options) and not isinstance(options, (Mapping, RSM)):
            options, callback, errback = None, options, callback
        for name, fn in (("callback", callback), ("errback", errback)):
            if fn is not None and not callable(fn):
                raise ConverseError(f"archive.query: {name} must be a function, got {type(fn).__name__}")
        if isinstance(options, RSM):
            raw: Mapping[str, Any] = options.to_options()
        elif options is None:
            raw = {}
        elif isinstance(options, Mapping):
            raw = options
        else:
            raise ConverseError(f"archive.query: options must be an object, got {type(options).__name__}")
        try:
            normalized = normalize_options(raw)
        except QueryOptionError as exc:
            raise ConverseError(f"archive.query: {exc}") from None
        if self._state.known_unsupported():
            raise ArchiveNotSupportedError(UNSUPPORTED)
        return asyncio.ensure_future(self._state.query(normalized, callback, errback))
