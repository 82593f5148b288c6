"""``api.commands``: the chat commands registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from collections.abc import Callable

from ...core.errors import ConverseError
from ...core.grouping import Grouping

if TYPE_CHECKING:
    from .plugin import Commands


class CommandsAPI(Grouping):
    """``_converse.api.commands``"""

    JS_WRAP_CALLBACKS: ClassVar[tuple[str, ...]] = ("add",)

    def __init__(self, commands: Commands) -> None:
        self._commands = commands

    def add(self, name: str, handler: Callable[..., Any], help_text: str = "") -> None:
        """Register the chat command ``/name``: ``handler(box, args)`` runs when the user sends
        ``/name args`` in a chat box or room, and nothing is sent; text it returns (or resolves to)
        is shown in the box as a local info line. ``/help`` lists the commands with ``help_text``.
        A name registered again is replaced.

        JS: ``_converse.api.commands.add('roll', (box, args) => 'You rolled ' + (1 + Math.floor(Math.random() * 6)), 'roll a die')``
        Python: ``api.commands.add("shrug", lambda box, args: box.send_message(args + " ¯\\\\_(ツ)_/¯"), "send a shrug")``
        """
        try:
            self._commands.add(name, handler, help_text)
        except (TypeError, ValueError) as exc:
            raise ConverseError(str(exc)) from None

    def remove(self, name: str) -> bool:
        """Unregister ``/name`` (typing it then says it is unknown); false when it was not registered.

        JS: ``_converse.api.commands.remove('roll')``
        Python: ``api.commands.remove("shrug")``
        """
        try:
            return self._commands.remove(name)
        except (TypeError, ValueError) as exc:
            raise ConverseError(str(exc)) from None

    def get(self) -> list[dict[str, str]]:
        """The registered commands as ``{name, help}``, by name.

        JS: ``_converse.api.commands.get().map(c => c.name)``
        Python: ``[c["name"] for c in api.commands.get()]``
        """
        return [{"name": c.name, "help": c.help}
                for c in sorted(self._commands.commands.values(), key=lambda c: c.name)]
