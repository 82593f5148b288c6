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


def test_done_is_called_after_each_slice_and_after_a_drain_never_for_an_empty_one() -> None:
    log: list[str] = []
    tasks: list[Callable[[], None]] = []
    inbox = Inbox(log.append, tasks.append, per_task=2, done=lambda: log.append("|"))
    inbox.push(["a", "b", "c"])
    assert log == ["a", "b", "|"]
    inbox.drain_all()  # a status change: the rest now, then the end of that batch
    assert log == ["a", "b", "|", "c", "|"]
    tasks.pop()()  # the slice scheduled before the drain finds nothing: no call
    inbox.drain_all()
    assert log == ["a", "b", "|", "c", "|"]


def test_a_raising_done_is_logged_and_the_next_batch_still_comes() -> None:
    handled: list[str] = []

    def done() -> None:
        raise RuntimeError("a view's bug")

    inbox = Inbox(handled.append, lambda fn: None, done=done)
    inbox.push(["a"])
    inbox.push(["b"])
    assert handled == ["a", "b"]
