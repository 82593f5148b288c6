"""Chat commands: ``/name args`` typed in a chat box or room runs a command instead of being sent.

Commands live in a registry plugins add to (``api.commands.add(name, handler, help)``). When the
user sends text that starts with ``/`` (in a chat box or a room; through the ``beforeMessageSend``
hook, so ``model.sendMessage`` too):

- ``/name args`` with ``name`` registered calls ``handler(box, args)`` and nothing is sent; what the
  handler returns, if it is text, is shown in the box as a local info line (never sent). A handler
  may send instead (``box.model.sendMessage(...)`` / ``box.send_message(...)``: that text is sent
  as it is, commands are not looked up again), and may be async (its result is shown when ready);
- ``/help`` shows the registered commands with their help as a local info line;
- ``/me does something`` (XEP-0245) is sent as typed;
- an unknown ``/name`` is not sent: a local info line says so;
- ``//text`` sends ``/text`` (a leading ``/`` escaped by doubling it).

Corrections (``correctMessage``) are never taken for commands.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable

from ...core.converse import Converse
from ...core.log import logger
from ...core.plugin import Plugin
from ...i18n import _
from ..chats.hooks import OutgoingMessage
from .api import CommandsAPI

#: What a command name may be: ``/roll``, ``/set-topic``, ``/x2``.
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: Commands sent as typed (the text of the message carries them to other clients).
SENT_AS_TYPED = ("me",)


@dataclass(frozen=True)
class Command:
    """One registered command: its handler and a line of help."""

    name: str
    handler: Callable[..., Any]
    help: str = ""


class Commands:
    """The command registry and the ``beforeMessageSend`` listener that runs commands."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.commands: dict[str, Command] = {}
        self._running = False  # a handler is running: what it sends is sent as it is

    def add(self, name: str, handler: Callable[..., Any], help_text: str = "") -> None:
        """Register ``/name`` (a name registered again is replaced)."""
        name = check_name(name)
        if not callable(handler):
            raise TypeError(f"commands.add: the handler of /{name} must be a function")
        if not isinstance(help_text, str):
            raise TypeError("commands.add: the help text must be a string")
        self.commands[name] = Command(name, handler, help_text)

    def remove(self, name: str) -> bool:
        """Unregister ``/name``; False when it was not registered."""
        return self.commands.pop(check_name(name), None) is not None

    def help_text(self) -> str:
        """The ``/help`` answer: one line per command, in name order."""
        lines = [_("Commands:")]
        for command in sorted(self.commands.values(), key=lambda c: c.name):
            lines.append(f"/{command.name}" + (f" — {command.help}" if command.help else ""))
        lines.append(_("Start a message with // to send a leading /."))
        return "\n".join(lines)

    def on_send(self, box: Any, outgoing: OutgoingMessage) -> None:
        """``beforeMessageSend``: run the command ``outgoing`` names, if it names one."""
        text = outgoing.text
        if self._running or outgoing.correcting or not isinstance(text, str) or not text.startswith("/"):
            return
        if text.startswith("//"):
            outgoing.text = text[1:]
            return
        name, _sep, args = text[1:].partition(" ")
        name, _nl, more = name.partition("\n")
        args = (more + " " + args if more else args).strip()
        name = name.lower()
        if name in SENT_AS_TYPED:
            return
        command = self.commands.get(name)
        if command is None:
            outgoing.reply(_("Unknown command /{name}. Type /help for the list of commands.", name=name))
            return
        outgoing.cancel()
        self._running = True
        try:
            answer = command.handler(box, args)
        except Exception as exc:
            logger.warning("/%s failed: %s", name, exc)
            outgoing.reply(_("/{name} failed: {reason}", name=name, reason=str(exc) or type(exc).__name__))
            return
        finally:
            self._running = False
        if inspect.isawaitable(answer):
            asyncio.ensure_future(self._answer_later(box, name, answer))
        elif isinstance(answer, str) and answer:
            outgoing.reply(answer)

    async def _answer_later(self, box: Any, name: str, answer: Any) -> None:
        try:
            text = await answer
        except Exception as exc:
            box.add_info(_("/{name} failed: {reason}", name=name, reason=str(exc) or type(exc).__name__))
            return
        if isinstance(text, str) and text:
            box.add_info(text)


def check_name(name: Any) -> str:
    """A command name without its ``/``, lower-cased; raises TypeError/ValueError for anything else.

    >>> check_name("/Roll")
    'roll'
    """
    if not isinstance(name, str):
        raise TypeError(f"commands: a command name must be a string, got {type(name).__name__}")
    bare = name.removeprefix("/").lower()
    if not NAME.match(bare):
        raise ValueError(f"commands: {name!r} is no command name (letters, digits, - and _)")
    return bare


class CommandsPlugin(Plugin):
    """Registered as the core plugin ``converse-commands``."""

    name = "converse-commands"
    dependencies = ("converse-chats",)  # its beforeMessageSend hook

    def initialize(self) -> None:
        converse = self._converse
        self.commands = Commands(converse)
        converse.provide(self.commands)
        converse.api.add_grouping("commands", CommandsAPI(self.commands))
        self.commands.add("help", lambda _box, _args: self.commands.help_text(), _("list the commands"))
        converse.api.listen.on("beforeMessageSend", self.commands.on_send)
