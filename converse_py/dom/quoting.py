"""Quoting a message into the composer (the "Quote" message action), pure.

A quote is the message's lines, each starting with ``> `` (a block quote in XEP-0393 message
styling, as other clients write and show it), added after what the user had typed.

>>> with_quote("", "hi\\nthere")
'> hi\\n> there\\n'
>>> with_quote("I said", "> old\\nhi")
'I said\\n> > old\\n> hi\\n'
"""

from __future__ import annotations


def quoted(body: str) -> str:
    """``body`` with ``> `` before each line (trailing blank lines dropped)."""
    return "".join(f"> {line}\n" for line in body.rstrip("\n").split("\n"))


def with_quote(draft: str, body: str) -> str:
    """The composer's text after quoting ``body``: the ``draft`` kept, the quote on lines of its own."""
    if draft and not draft.endswith("\n"):
        draft += "\n"
    return draft + quoted(body)
