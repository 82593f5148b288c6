"""transport/inbox.py: a large batch of stanzas is handled over several tasks, in the server's order."""

from __future__ import annotations

from collections.abc import Callable

from converse_py.transport.inbox import Inbox


def test_a_large_batch_is_handled_a_slice_per_task_and_later_batches_wait_behind_it() -> None:
    handled: list[str] = []
    tasks: list[Callable[[], None]] = []
    inbox = Inbox(handled.append, tasks.append, per_task=100)
    inbox.push([f"p{i}" for i in range(250)])
    assert handled == [f"p{i}" for i in range(100)] and len(tasks) == 1
    inbox.push(["m0", "m1"])  # the next BOSH response, while 150 presences wait
    assert len(handled) == 100 and len(tasks) == 1
    while tasks:
        tasks.pop(0)()
    assert handled == [f"p{i}" for i in range(250)] + ["m0", "m1"]


def test_a_small_batch_is_handled_at_once_and_one_raising_stanza_loses_none_of_the_rest() -> None:
    handled: list[str] = []
    tasks: list[Callable[[], None]] = []

    def deliver(xml: str) -> None:
        if xml == "bad":
            raise RuntimeError("a handler bug")
        handled.append(xml)

    inbox = Inbox(deliver, tasks.append)
    inbox.push(["a", "bad", "b"])
    assert handled == ["a", "b"] and not tasks


def test_a_status_change_while_a_slice_is_handled_handles_the_rest_first_in_order() -> None:
    handled: list[str] = []
    tasks: list[Callable[[], None]] = []
    inbox: Inbox

    def deliver(xml: str) -> None:
        handled.append(xml)
        if xml == "s1":  # this stanza ends the stream: the transport reports it, draining first
            inbox.drain_all()
            handled.append("status")

    inbox = Inbox(deliver, tasks.append, per_task=2)
    inbox.push(["s0", "s1", "s2", "s3", "s4"])
    assert handled == ["s0", "s1", "s2", "s3", "s4", "status"]
    for task in tasks:
        task()  # a slice scheduled before the drain finds nothing left
    assert handled == ["s0", "s1", "s2", "s3", "s4", "status"]
