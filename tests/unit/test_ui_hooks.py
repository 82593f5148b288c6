"""The converse-ui hooks: buttons plugins add to message rows and box toolbars (dom/hooks.py)."""

from __future__ import annotations

from typing import Any

from converse_py.core.converse import Converse
from converse_py.dom.hooks import (MESSAGE_ACTIONS, TOOLBAR_BUTTONS, UI_HOOKS, message_actions_for, toolbar_buttons,
                                   valid_buttons)


def make_converse() -> Converse:
    return Converse(lambda: None)


def test_no_listener_means_no_per_row_work_and_an_empty_toolbar() -> None:
    converse = make_converse()
    assert message_actions_for(converse, object()) is None
    assert toolbar_buttons(converse, object()) == []


def test_listeners_add_buttons_in_order_and_see_the_box_and_the_message() -> None:
    converse = make_converse()
    seen: list[Any] = []

    def first(context: dict[str, Any], buttons: list[Any]) -> list[Any]:
        seen.append((context["box"], context["message"]))
        return [*buttons, {"name": "reply", "label": "Reply", "handler": print}]

    converse.api.listen.on(MESSAGE_ACTIONS, first)
    converse.api.listen.on(MESSAGE_ACTIONS, lambda context, buttons: None)  # None keeps the list
    converse.api.listen.on(MESSAGE_ACTIONS, lambda context, buttons: [
        *buttons, {"name": "react", "label": "React", "icon": "👍", "handler": print}])
    actions_for = message_actions_for(converse, "the box")
    assert actions_for is not None
    assert [b["name"] for b in actions_for("the message")] == ["reply", "react"]
    assert seen == [("the box", "the message")]
    converse.api.listen.on(TOOLBAR_BUTTONS, lambda box, buttons: [*buttons, {"name": box, "handler": print}])
    assert [b["name"] for b in toolbar_buttons(converse, "bob@localhost")] == ["bob@localhost"]


def test_malformed_buttons_and_a_failing_listener_are_left_out() -> None:
    converse = make_converse()

    def broken(_box: Any, _buttons: Any) -> Any:
        raise RuntimeError("plugin bug")

    converse.api.listen.on(TOOLBAR_BUTTONS, lambda box, buttons: [*buttons, {"name": "ok", "handler": print},
                                                                  {"name": "no handler"}, {"handler": print},
                                                                  {"name": "", "handler": print}, 42])
    converse.api.listen.on(TOOLBAR_BUTTONS, broken)
    assert [b["name"] for b in toolbar_buttons(converse, None)] == ["ok"]
    assert valid_buttons("not a list", TOOLBAR_BUTTONS) == [] and valid_buttons(None, TOOLBAR_BUTTONS) == []


def test_the_hooks_are_declared_with_their_arguments_and_documented() -> None:
    from tools import gen_docs  # type: ignore[import-not-found]
    assert set(UI_HOOKS) == {MESSAGE_ACTIONS, TOOLBAR_BUTTONS}
    events_md = gen_docs.events()
    for name, doc in UI_HOOKS.items():
        assert f"| `{name}` | converse-ui | {doc.args} | {doc.doc} |" in events_md
