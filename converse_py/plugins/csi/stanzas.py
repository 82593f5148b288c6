"""XEP-0352 nonzas, pure (stream-level elements, not stanzas: never queued or counted by XEP-0198).

>>> csi_nonza("inactive")
"<inactive xmlns='urn:xmpp:csi:0'/>"
"""

from __future__ import annotations

CSI_NS = "urn:xmpp:csi:0"


def csi_nonza(state: str) -> str:
    """``<active/>`` or ``<inactive/>`` (XEP-0352 Examples 2 and 3)."""
    if state not in ("active", "inactive"):
        raise ValueError(f"state must be 'active' or 'inactive', got {state!r}")
    return f"<{state} xmlns='{CSI_NS}'/>"
