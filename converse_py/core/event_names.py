"""The events the core itself fires (connection, session, plugins). Feature plugins declare theirs
in their ``Plugin.events`` (docs/events.md lists both, grouped by plugin).

Each entry: name → ``EventDoc(what the listener receives, when it fires)``. Events marked
``promise=True`` also resolve the ``api.waitUntil`` promise of the same name.
"""

from __future__ import annotations

from .plugin import EventDoc

CORE_EVENTS: dict[str, EventDoc] = {
    "initialized": EventDoc("nothing", "converse.initialize has applied the settings and initialized plugins"),
    "pluginsInitialized": EventDoc("nothing", "every allowed plugin has run its initialize", promise=True),
    "connectionStatusChanged": EventDoc("status, condition", "the transport reports a new state: connecting, "
                                        "authenticating, connected, attached, disconnecting, disconnected, "
                                        "authfail, connfail, conntimeout, error"),
    "connected": EventDoc("the full JID", "the stream is up, authenticated and bound", promise=True),
    "reconnected": EventDoc("nothing", "a session came back after it had been lost (fires before connected)"),
    "disconnected": EventDoc("the condition, if any", "the stream is gone"),
    "logout": EventDoc("nothing", "api.user.logout was called"),
    "stanza": EventDoc("the stanza element", "after any incoming message/presence/iq has been dispatched"),
    "stanzaTooLarge": EventDoc("what the start of the stanza says (kind, attrs, inner, archived, size)",
                               "a stanza over the client's size cap arrived and was dropped unparsed; the "
                               "chats and rooms plugins show an info line for a message"),
    # transport (issue 9)
    "will-reconnect": EventDoc("nothing", "the connection dropped unexpectedly and converse-py will reconnect "
                               "(auto_reconnect, or a resumable XEP-0198 session); disconnected fires if it "
                               "gives up"),
    "streamManagementEnabled": EventDoc("the SM id, whether it can be resumed", "the server enabled XEP-0198 "
                                        "stream management on this stream (enable_smacks)"),
    "streamResumed": EventDoc("the full JID", "a lost stream was resumed with XEP-0198: nothing was lost, so "
                              "connected/reconnected do not fire again (the connected promise resolves)"),
    "streamManagementFailed": EventDoc("'resume' or 'enable', the error condition", "the server refused to "
                                       "resume (a fresh session is bound and unacknowledged stanzas are sent "
                                       "again) or to enable XEP-0198"),
    "connectionMethodsDiscovered": EventDoc("{websocket, bosh} URLs found", "XEP-0156 discovery read the "
                                            "domain's host-meta (empty object when nothing usable was found)"),
    "outgoingPresence": EventDoc("nothing, the presence element", "hook: each presence the client sends "
                                 "(status, room joins) passes here before it goes out; return it changed"),
    "featuresChanged": EventDoc("the list of features", "a plugin initialized after start-up (or removed) "
                                "changed the XMPP features the client declares (XEP-0030, XEP-0115 ver)"),
}

#: The core's promises (``api.waitUntil`` knows them from the start; plugins add theirs when declared).
CORE_PROMISES: tuple[str, ...] = tuple(name for name, doc in CORE_EVENTS.items() if doc.promise)
