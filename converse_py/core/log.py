"""Logging that never prints secrets.

``redact`` blanks SASL payloads and password fields from stanza text before it
reaches any log, debug mode included.

>>> redact('<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">AGFsaWNlAHNlY3JldA==</auth>')
'<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">[redacted]</auth>'
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger("converse_py")

_SECRET_ELEMENTS = re.compile(
    r"(<(auth|response|challenge|success|password)\b[^>]*>)(.*?)(</\2>)", re.S)
_SECRET_JSON = re.compile(r'("password"\s*:\s*)"(?:[^"\\]|\\.)*"')


def redact(text: str) -> str:
    """``text`` with SASL exchanges, ``<password>`` elements and JSON password values blanked."""
    text = _SECRET_ELEMENTS.sub(lambda m: f"{m.group(1)}[redacted]{m.group(4)}", text)
    return _SECRET_JSON.sub(r'\1"[redacted]"', text)
