"""The emoji picker and the ``:shortcode`` autocomplete of chat boxes and rooms.

- A toolbar button (hook ``getToolbarButtons``) opens a picker above the composer: a search
  field (names and shortcodes), skin tones (remembered), a tab per emojibase group and a
  "Recently used" one. The arrow keys move between the emoji, Enter (or a click) inserts one at the
  composer's caret, Escape closes the picker and gives the composer the focus back; a click
  elsewhere closes it too.
- Typing ``:smi`` in a composer lists matching shortcodes: Up/Down choose, Enter/Tab (or a click)
  insert, Escape closes. A whole ``:smile:`` followed by a space becomes 😄 as it is typed.

The emoji data is fetched the first time either is used (``EmojiState.load``), never at start-up.
Keys are taken in the capture phase on the root, ahead of the composer's own handlers, and only
while a picker or a list of suggestions is open.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import js  # type: ignore[import-not-found]

from ...core.converse import Converse
from ...core.log import logger
from ...i18n import _
from ...plugins.emoji.data import EmojiData
from ...plugins.emoji.plugin import EmojiState
from ...plugins.emoji.text import shortcode_being_typed, shortcode_just_typed
from .. import emoji_templates as t
from ..ffi import ProxyKeeper, found

if TYPE_CHECKING:
    from .ui import UIPlugin

COMPOSER = "form.cpy-compose textarea"


def utf16_len(text: str) -> int:
    """The length of ``text`` in UTF-16 code units (what textarea offsets count)."""
    return len(text.encode("utf-16-le")) // 2


def utf16_prefix(text: str, units: int) -> str:
    """The first ``units`` UTF-16 code units of ``text`` (a textarea's caret counts those)."""
    return text.encode("utf-16-le")[:2 * units].decode("utf-16-le", "ignore")


def insert_at_caret(textarea: Any, text: str) -> None:
    """Put ``text`` at the caret of ``textarea`` (replacing a selection), move the caret after it,
    and report it as typing (an ``input`` event)."""
    start, end = textarea.selectionStart, textarea.selectionEnd
    textarea.setRangeText(text, start, end, "end")
    textarea.focus()
    textarea.dispatchEvent(js.Event.new("input", js.Object.fromEntries([["bubbles", True]])))


class EmojiView:
    """Pickers (one per box, opened on demand) and the autocomplete of the focused composer."""

    def __init__(self, converse: Converse, ui: UIPlugin, root: Any) -> None:
        self.converse = converse
        self.root = root
        self.state: EmojiState | None = converse.find(EmojiState)
        self.proxies = ProxyKeeper()
        self.completion = ui.completion  # the list of suggestions, shared with the @nick one
        if self.state is None:
            return
        converse.api.listen.on("getToolbarButtons", self.toolbar_buttons)
        ui.on_action("click", "emoji-pick", self.on_pick)
        ui.on_action("click", "emoji-tone", self.on_tone)
        ui.on_action("click", "emoji-group", self.on_group)
        ui.on_action("input", "emoji-search", self.on_search)
        ui.on_action("click", "emoji-complete-pick", self.on_complete_click)
        root.addEventListener("keydown", self.proxies.keep(self.on_key), True)
        root.addEventListener("input", self.proxies.keep(self.on_input), True)
        js.document.addEventListener("click", self.proxies.keep(self.on_page_click), True)

    # -- the toolbar button ------------------------------------------------------------------
    def toolbar_buttons(self, box: Any, buttons: list[Any]) -> list[Any]:
        return [*buttons, {"name": "emoji", "label": _("Insert an emoji"), "icon": "🙂", "handler": self.toggle}]

    def _section(self, box: Any) -> Any:
        for section in self.root.querySelectorAll(f'section[data-jid="{js.CSS.escape(box.get("jid"))}"]'):
            if not section.hidden:
                return section
        return None

    def toggle(self, box: Any) -> None:
        """Open the picker of ``box`` (or close it when open)."""
        section = self._section(box)
        if section is None:
            return
        current = section.querySelector('[data-role="emoji-picker"]')
        if found(current):
            self.close_picker(section)
            return
        toolbar = section.querySelector('[data-role="toolbar"]')
        data = self.state.data if self.state is not None else None
        groups = self._groups(data)
        active = "recent" if self._recent_items() or data is None else groups[1][0]
        toolbar.insertAdjacentHTML("beforebegin", t.picker(groups, active, self._tone(), t.loading() if data is None
                                                           else self._grid(data, active)))
        toolbar.querySelector('[data-name="emoji"]').setAttribute("aria-expanded", "true")
        section.querySelector('[data-role="emoji-picker"] input').focus()
        if data is None:
            asyncio.ensure_future(self._fill_when_loaded(section))

    async def _fill_when_loaded(self, section: Any) -> None:
        assert self.state is not None
        try:
            data = await self.state.load()
        except Exception:
            self._replace_grid(section, t.grid([], _("Emoji"), _("The emoji could not be loaded.")))
            return
        picker = section.querySelector('[data-role="emoji-picker"]')
        if not found(picker):
            return
        picker.outerHTML = t.picker(self._groups(data), "recent" if self._recent_items() else data.groups[0],
                                    self._tone(), self._grid(data, "recent" if self._recent_items() else data.groups[0]))
        section.querySelector('[data-role="emoji-picker"] input').focus()

    def close_picker(self, section: Any, focus: bool = True) -> None:
        picker = section.querySelector('[data-role="emoji-picker"]')
        if found(picker):
            picker.remove()
        button = section.querySelector('[data-role="toolbar"] [data-name="emoji"]')
        if found(button):
            button.setAttribute("aria-expanded", "false")
        if focus:
            section.querySelector(COMPOSER).focus()

    def on_page_click(self, event: Any) -> None:
        """A click outside an open picker (and its toolbar button) closes it."""
        target = event.target
        if not hasattr(target, "closest") or found(target.closest('[data-role="emoji-picker"], [data-name="emoji"]')):
            return
        for picker in self.root.querySelectorAll('[data-role="emoji-picker"]'):
            section = picker.closest("section[data-jid]")
            if found(section):
                self.close_picker(section, focus=False)

    # -- what the picker shows ---------------------------------------------------------------
    def _tone(self) -> int:
        return self.state.skin_tone() if self.state is not None else 0

    def _recent_items(self) -> list[str]:
        return self.state.recent() if self.state is not None else []

    def _groups(self, data: EmojiData | None) -> list[tuple[str, str, str]]:
        names = ["recent", *(data.groups if data is not None else [])]
        return [(name, t.group_label(name), t.GROUP_ICONS.get(name, "•")) for name in names]

    def _grid(self, data: EmojiData, group: str) -> Any:
        tone = self._tone()
        if group == "recent":
            items = []
            for text in self._recent_items():
                emoji = data.by_char(text)
                items.append((text, emoji.name if emoji is not None else text))
            return t.grid(items, t.group_label("recent"), _("No emoji used yet"))
        index = data.groups.index(group) if group in data.groups else 0
        return t.grid([(data.with_tone(e, tone), e.name) for e in data.in_group(index)], t.group_label(group))

    @staticmethod
    def _replace_grid(section: Any, html: Any) -> None:
        grid = section.querySelector('[data-role="emoji-picker"] [data-role="emoji-grid"]')
        if found(grid):
            grid.outerHTML = html

    def on_group(self, element: Any, _event: Any) -> None:
        section = element.closest("section[data-jid]")
        data = self.state.data if self.state is not None else None
        if data is None or not found(section):
            return
        group = str(element.getAttribute("data-group"))
        for tab in section.querySelectorAll(".cpy-emoji-tab"):
            tab.setAttribute("aria-selected", "true" if tab.isSameNode(element) else "false")
        section.querySelector(".cpy-emoji-search").value = ""
        self._replace_grid(section, self._grid(data, group))

    def on_search(self, element: Any, _event: Any) -> None:
        section = element.closest("section[data-jid]")
        data = self.state.data if self.state is not None else None
        if data is None or not found(section):
            return
        query = str(element.value)
        if not query.strip():
            selected = section.querySelector('.cpy-emoji-tab[aria-selected="true"]')
            self._replace_grid(section, self._grid(data, str(selected.getAttribute("data-group"))
                                                   if found(selected) else "recent"))
            return
        tone = self._tone()
        found_emoji = data.search(query, 80)
        self._replace_grid(section, t.grid([(data.with_tone(e, tone), e.name) for e in found_emoji],
                                           _("Search results"), _("No emoji found")))

    def on_tone(self, element: Any, _event: Any) -> None:
        section = element.closest("section[data-jid]")
        if self.state is None or not found(section):
            return
        self.state.set_skin_tone(int(str(element.getAttribute("data-tone"))))
        for button in section.querySelectorAll(".cpy-emoji-tone"):
            button.setAttribute("aria-checked", "true" if button.isSameNode(element) else "false")
        search = section.querySelector(".cpy-emoji-search")
        if str(search.value).strip():
            self.on_search(search, None)
        else:
            selected = section.querySelector('.cpy-emoji-tab[aria-selected="true"]')
            if found(selected):
                self.on_group(selected, None)

    def on_pick(self, element: Any, _event: Any) -> None:
        section = element.closest("section[data-jid]")
        if self.state is None or not found(section):
            return
        text = str(element.getAttribute("data-emoji"))
        self.state.used(text)
        textarea = section.querySelector(COMPOSER)
        self.close_picker(section, focus=False)
        insert_at_caret(textarea, text)

    # -- keys ----------------------------------------------------------------------------
    def on_key(self, event: Any) -> None:
        target = event.target
        if not hasattr(target, "closest"):
            return
        try:
            picker = target.closest('[data-role="emoji-picker"]')
            if found(picker):
                self._picker_key(picker, target, event)
        except Exception:
            logger.exception("emoji: a key handler failed")

    @staticmethod
    def _consume(event: Any) -> None:
        event.preventDefault()
        event.stopPropagation()

    def _picker_key(self, picker: Any, target: Any, event: Any) -> None:
        key = str(event.key)
        section = picker.closest("section[data-jid]")
        if key == "Escape":
            self._consume(event)
            self.close_picker(section)
            return
        buttons = list(picker.querySelectorAll(".cpy-emoji"))
        if target.classList.contains("cpy-emoji-search"):
            if key in ("ArrowDown", "Enter") and buttons:
                self._consume(event)
                buttons[0].click() if key == "Enter" else self._move(buttons, 0)
            return
        if not target.classList.contains("cpy-emoji"):
            return
        index = next((i for i, b in enumerate(buttons) if b.isSameNode(target)), 0)
        step = {"ArrowLeft": -1, "ArrowRight": 1, "ArrowUp": -t.COLUMNS, "ArrowDown": t.COLUMNS}.get(key)
        if step is not None:
            self._consume(event)
            if key == "ArrowUp" and index < t.COLUMNS:
                picker.querySelector(".cpy-emoji-search").focus()
                return
            self._move(buttons, max(0, min(len(buttons) - 1, index + step)))
        elif key in ("Home", "End"):
            self._consume(event)
            self._move(buttons, 0 if key == "Home" else len(buttons) - 1)

    @staticmethod
    def _move(buttons: list[Any], index: int) -> None:
        for i, button in enumerate(buttons):
            button.setAttribute("tabindex", "0" if i == index else "-1")
        buttons[index].focus()

    # -- the :shortcode autocomplete ---------------------------------------------------------
    def on_input(self, event: Any) -> None:
        target = event.target
        if str(getattr(target, "tagName", "")) != "TEXTAREA" or not found(target.closest("form.cpy-compose")):
            return
        try:
            self._typed(target)
        except Exception:
            logger.exception("emoji: the autocomplete failed")

    def _typed(self, textarea: Any) -> None:
        if self.state is None:
            return
        caret = int(textarea.selectionEnd)
        if caret != int(textarea.selectionStart):
            self.close_complete()
            return
        before = utf16_prefix(str(textarea.value), caret)
        typing = shortcode_being_typed(before)
        done = shortcode_just_typed(before) if typing is None else None
        if typing is None and done is None:
            self.close_complete()
            return
        data = self.state.data
        if data is None:
            self.close_complete()
            asyncio.ensure_future(self._typed_when_loaded(textarea))
            return
        if done is not None:
            start, name, space = done
            char = data.char_of(name)
            if char is not None:
                u16 = utf16_len(before[:start])
                textarea.setRangeText(char, u16, caret - utf16_len(space), "end")
                textarea.setSelectionRange(u16 + utf16_len(char) + utf16_len(space),
                                           u16 + utf16_len(char) + utf16_len(space))
            self.close_complete()
            return
        assert typing is not None
        start, prefix = typing
        matches = data.complete(prefix, 8)
        if not matches:
            self.close_complete()
            return
        tone = self.state.skin_tone()
        items = [(data.with_tone(emoji, tone), code) for code, emoji in matches]
        self.show_complete(textarea, utf16_len(before[:start]), caret, items)

    async def _typed_when_loaded(self, textarea: Any) -> None:
        assert self.state is not None
        try:
            await self.state.load()
        except Exception:
            return
        if found(js.document.activeElement) and js.document.activeElement.isSameNode(textarea):
            self._typed(textarea)

    def show_complete(self, textarea: Any, start: int, end: int, items: list[tuple[str, str]]) -> None:
        self.completion.show("emoji", textarea, lambda list_id, selected: t.completions(list_id, items, selected),
                             len(items), lambda index: self.insert(textarea, start, end, items[index][0]))

    def close_complete(self) -> None:
        self.completion.close("emoji")

    def on_complete_click(self, element: Any, _event: Any) -> None:
        if self.completion.is_open("emoji"):
            self.completion.accept(int(str(element.getAttribute("data-index"))))

    def insert(self, textarea: Any, start: int, end: int, text: str) -> None:
        """Replace the ``:name`` being typed (``start``..``end``) with the chosen emoji (and a space)."""
        if self.state is not None:
            self.state.used(text)
        textarea.setRangeText(text + " ", start, end, "end")
        textarea.focus()
