"""The hooks of the ``converse-ui`` plugin: buttons plugins add to message rows and box toolbars.

Pure Python (tested on CPython). A listener of ``getMessageActionButtons`` gets
``({"box", "message"}, buttons)`` and returns the list with its buttons added; one of
``getToolbarButtons`` gets ``(box, buttons)``. A button is ``{name, label, icon or text, handler}``:
``label``, ``icon`` and ``text`` are shown as text (never HTML); a click calls
``handler(box, message)`` (a row's) or ``handler(box)`` (a toolbar's).

Python plugin::

    def like(box, message):
        box.send_message("👍")

    api.listen.on("getMessageActionButtons",
                  lambda ctx, buttons: buttons + [{"name": "like", "label": "Like", "icon": "👍",
                                                   "handler": like}])

JS plugin::

    _converse.api.listen.on('getToolbarButtons', (box, buttons) => [
        ...buttons, {name: 'hello', label: 'Say hello', handler: (box) => box.model.sendMessage('hello')}]);

>>> from converse_py.core.converse import Converse
>>> converse = Converse(lambda: None)
>>> converse.api.listen.on("getToolbarButtons", lambda box, buttons: buttons + [{"name": "x", "label": "X",
...                                                                              "handler": print}])
>>> [b["name"] for b in toolbar_buttons(converse, None)]
['x']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..core.log import logger
from ..core.plugin import EventDoc
from ..plugins.chats.message_stanza import MESSAGE_PARTS as MESSAGE_PARTS_HOOK_NAME
from .templates import MessageParts

if TYPE_CHECKING:
    from ..core.converse import Converse
    from .templates import ActionsFor, PartsFor

MESSAGE_ACTIONS = "getMessageActionButtons"
TOOLBAR_BUTTONS = "getToolbarButtons"
#: Declared by the chats plugin (any UI renders message rows): ``plugins/chats/message_stanza.py``.
MESSAGE_PARTS = MESSAGE_PARTS_HOOK_NAME

#: Declared by the ``converse-ui`` plugin (listed in docs/events.md under "Hooks").
UI_HOOKS: Mapping[str, EventDoc] = {
    MESSAGE_ACTIONS: EventDoc(
        "`{box, message}`, the list of buttons",
        "the pointer enters a message row or the keyboard focus comes into it (and again when that row "
        "is drawn anew, and on a click): return the list with your "
        "buttons added, each `{name, label, icon or text, handler}`; they show on hover and keyboard "
        "focus, `label`/`icon`/`text` are text (never HTML), a click calls `handler(box, message)`"),
    TOOLBAR_BUTTONS: EventDoc(
        "the chat box or room, the list of buttons",
        "a chat box or room is opened: return the list with your toolbar buttons added, each "
        "`{name, label, icon or text, handler}` (text, never HTML); a click calls `handler(box)`"),
}


def listen_ui(converse: Converse, listeners: Mapping[str, Callable[..., Any]]) -> None:
    """Listen to the UI's hooks and events (``name`` → listener) once every plugin has initialized,
    and only when the UI plugin declares them (a client without the UI, e.g. on CPython, warns
    about no listener of an undeclared name).

    >>> from converse_py.core.converse import Converse
    >>> converse = Converse(lambda: None)
    >>> listen_ui(converse, {"getMessageParts": print})
    >>> converse.trigger("pluginsInitialized"); converse.events.count("getMessageParts")
    0
    """
    def attach(*_: Any) -> None:
        for name, listener in listeners.items():
            if name in converse.known_events:
                converse.api.listen.on(name, listener)
    converse.api.listen.once("pluginsInitialized", attach)


def valid_buttons(value: Any, hook: str) -> list[dict[str, Any]]:
    """The well-formed buttons of what a hook's listeners returned (each needs a string ``name``
    and a callable ``handler``; anything else is logged and left out; later duplicates of a
    name too).

    >>> [b["name"] for b in valid_buttons([{"name": "a", "handler": print}, {"name": "a", "handler": print},
    ...                                    {"label": "no name"}, "junk"], "getToolbarButtons")]
    ['a']
    """
    buttons: list[dict[str, Any]] = []
    names: set[str] = set()
    # ``type(...) is`` first: this runs for every row of a burst, and ABC isinstance checks are slow.
    items = value if type(value) is list or (isinstance(value, Sequence) and not isinstance(value, str)) else ()
    for item in items:
        if not (type(item) is dict or isinstance(item, Mapping)) or type(item.get("name")) is not str \
                or not item["name"] or not callable(item.get("handler")):
            logger.warning("%s: a button needs a name and a handler, got %r", hook, item)
            continue
        if item["name"] in names:
            continue
        names.add(item["name"])
        buttons.append(dict(item))
    return buttons


def message_actions_for(converse: Converse, box: Any) -> ActionsFor | None:
    """What gives each row of ``box`` its plugin buttons; None while no plugin listens (a batch
    of rows then costs nothing more)."""
    if not converse.events.count(MESSAGE_ACTIONS):
        return None

    def actions(message: Any) -> list[dict[str, Any]]:
        return valid_buttons(converse.hook(MESSAGE_ACTIONS, {"box": box, "message": message}, []), MESSAGE_ACTIONS)
    return actions


def message_parts_for(converse: Converse, box: Any) -> PartsFor | None:
    """What gives each row of ``box`` the parts plugins add (``getMessageParts``), asked only for
    messages with extras; None while no plugin listens.

    >>> from datetime import datetime, UTC
    >>> from converse_py.core.converse import Converse
    >>> from converse_py.plugins.chats.models import ShownMessage
    >>> converse = Converse(lambda: None)
    >>> def star(ctx, parts):
    ...     parts.after.append("<b>★</b>")
    >>> _ = converse.api.listen.on("getMessageParts", star)
    >>> parts_for = message_parts_for(converse, None)
    >>> plain = ShownMessage("m1", "bob@localhost", "hi", datetime.now(UTC), False)
    >>> parts_for(plain) is None, parts_for(ShownMessage("m2", "bob@localhost", "hi", datetime.now(UTC), False,
    ...                                                   extras={"starred": True})).after
    (True, ['<b>★</b>'])
    """
    if not converse.events.count(MESSAGE_PARTS):
        return None

    def parts(message: Any) -> MessageParts | None:
        if not getattr(message, "extras", None):
            return None
        result = converse.hook(MESSAGE_PARTS, {"box": box, "message": message}, MessageParts())
        if not isinstance(result, MessageParts):
            logger.warning("%s: a listener returned %r instead of the parts", MESSAGE_PARTS, result)
            return None
        return result
    return parts


def toolbar_buttons(converse: Converse, box: Any) -> list[dict[str, Any]]:
    """The toolbar buttons plugins add to ``box`` (a chat box or a room)."""
    if not converse.events.count(TOOLBAR_BUTTONS):
        return []
    return valid_buttons(converse.hook(TOOLBAR_BUTTONS, box, []), TOOLBAR_BUTTONS)
