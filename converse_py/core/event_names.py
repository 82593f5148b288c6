"""Every event converse-py emits, in one place (docs/events.md is checked against this by a test).

Each entry: name → (what the listener receives, when it fires). Events marked as
promises also resolve the ``api.waitUntil`` promise of the same name.
"""

from __future__ import annotations

EVENTS: dict[str, tuple[str, str]] = {
    "initialized": ("nothing", "converse.initialize has applied the settings and initialized plugins"),
    "pluginsInitialized": ("nothing", "every allowed plugin has run its initialize (promise)"),
    "connectionStatusChanged": ("status, condition", "the transport reports a new state: connecting, "
                                "authenticating, connected, attached, disconnecting, disconnected, authfail, "
                                "connfail, conntimeout, error"),
    "connected": ("the full JID", "the stream is up, authenticated and bound (promise)"),
    "reconnected": ("nothing", "a session came back after it had been lost (fires before connected)"),
    "disconnected": ("the condition, if any", "the stream is gone"),
    "logout": ("nothing", "api.user.logout was called"),
    "stanza": ("the stanza element", "after any incoming message/presence/iq has been dispatched"),
    "roster": ("the list of contacts", "the roster was fetched from the server (promise)"),
    "rosterContactsFetched": ("nothing", "contacts are known (promise)"),
    "rosterGroupsFetched": ("nothing", "roster groups are known (promise)"),
    "rosterInitialized": ("nothing", "the roster is set up (promise)"),
    "rosterPush": ("the contact", "a roster push added, changed or removed a contact"),
    "contactStatusChanged": ("the contact", "a contact's chat_status or status message changed"),
    "contactRequest": ("the contact", "someone asked to subscribe to the user's presence (contact.requesting "
                       "is true; answer with contact.authorize() or contact.unauthorize())"),
    "vcardUpdated": ("the contact", "a contact's vCard (fullname, image, url) was fetched"),
    "cachedRoster": ("the list of contacts", "the roster cached in this tab was loaded, before the server "
                     "answered (empty list when nothing was cached) (promise)"),
    "statusInitialized": ("the status", "initial presence was sent (promise)"),
    "statusChanged": ("the status", "api.user.status.set changed the user's availability"),
    "statusMessageChanged": ("the message", "the user's status message changed"),
    "chatBoxesFetched": ("nothing", "chat boxes are ready to be opened (promise)"),
    "message": ("the message stanza (a DOM Element for JS)", "a live message stanza arrived (archive results "
                "fire archivedMessage instead, carbons carbonMessage)"),
    "messageSend": ("the sent stanza", "a chat box sent a message"),
    "chatBoxOpened": ("the chat box", "a chat box was created or re-opened"),
    "chatBoxClosed": ("the chat box", "a chat box was closed"),
    "chatBoxFocused": ("the chat box", "focus() was called on a chat box"),
    "chatBoxMinimized": ("the chat box", "a chat box was minimized"),
    "chatBoxMaximized": ("the chat box", "a chat box was maximized"),
    "otrStateChanged": ("the chat box, the new state", "a chat's Off-the-Record padlock changed: 'not-private', "
                        "'unverified', 'verified' or 'finished' (the contact ended it); also model.get('otr_state')"),
    "otrSmpRequest": ("the chat box, the question (or null)", "the contact asked to verify the session with "
                      "a shared secret (answer in the padlock menu)"),
    "otrSmpResult": ("the chat box, the result", "a verification (SMP) ended: 'succeeded', 'failed' or 'aborted'"),
    "otrSendRefused": ("the chat box, the reason", "a message was not sent because it would have gone in the "
                       "clear while a private session is expected (require_otr, or the contact ended it)"),
    "messageDelivered": ("the chat box, the message", "the contact's client confirmed it received one of the "
                         "user's messages (XEP-0184 receipt); message.delivered is true"),
    "messageDisplayed": ("the chat box, the message", "the contact's client showed the user's message (XEP-0333 "
                         "displayed marker); it and every earlier outgoing message have displayed true"),
    "messageCorrected": ("the chat box, the message", "a message was corrected (XEP-0308), by the user "
                         "(model.correctMessage, Up arrow) or by its sender; message.body is the new text, "
                         "message.edited is true"),
    "chatStateNotification": ("the chat box, the state", "the contact's chat state arrived (XEP-0085): "
                              "'composing', 'paused', 'active', 'inactive' or 'gone'; also "
                              "model.get('chat_state')"),
    "roomOpened": ("the room", "api.rooms.open (or the UI) opened a room; entering follows"),
    "roomEntered": ("the room", "the room reflected our presence: we are in (connection_status 'entered')"),
    "enteredNewRoom": ("the room", "we entered a room that did not exist before (status 201); it is "
                       "configured with roomconfig when auto_configure is set"),
    "roomError": ("the room", "entering or configuring failed, or we were removed; room.get('error') says why"),
    "leaveRoom": ("the room", "we left a room (api.rooms.close or its close button)"),
    "roomInvite": ("{room, from, reason, password, direct}", "someone invited us to a room (XEP-0045 mediated "
                   "or XEP-0249 direct)"),
    "roomMessage": ("the room, the message", "a groupchat message was added to a room (own reflections and "
                    "history already shown are not repeated)"),
    "serviceDiscovered": ("the feature (feature.get('var') is its namespace, e.g. Strophe.NS.MAM)",
                          "service discovery of the server and account found a feature (once per feature "
                          "and session)"),
    # transport (issue 9)
    "will-reconnect": ("nothing", "the connection dropped unexpectedly and converse-py will reconnect "
                       "(auto_reconnect, or a resumable XEP-0198 session); disconnected fires if it gives up"),
    "streamManagementEnabled": ("the SM id, whether it can be resumed", "the server enabled XEP-0198 "
                                "stream management on this stream (enable_smacks)"),
    "streamResumed": ("the full JID", "a lost stream was resumed with XEP-0198: nothing was lost, so "
                      "connected/reconnected do not fire again (the connected promise resolves)"),
    "streamManagementFailed": ("'resume' or 'enable', the error condition", "the server refused to resume "
                               "(a fresh session is bound and unacknowledged stanzas are sent again) or "
                               "to enable XEP-0198"),
    "keepalivePing": ("the round trip in ms, or null", "the session was idle for ping_interval seconds and "
                      "the server was pinged (XEP-0199); null when it did not answer in time"),
    "windowStateChanged": ("{state: 'hidden' or 'visible'}", "the page was hidden or shown"),
    "clientStateChanged": ("'active' or 'inactive'", "XEP-0352 client state indication was sent to the server"),
    "connectionMethodsDiscovered": ("{websocket, bosh} URLs found", "XEP-0156 discovery read the domain's "
                                    "host-meta (empty object when nothing usable was found)"),
}
