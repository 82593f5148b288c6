"""OMEMO (XEP-0384) protocol core, sans-IO: both ``eu.siacs.conversations.axolotl`` (OMEMO 0.3) and
``urn:xmpp:omemo:2``.

Modules: ``crypto`` (the async primitives the core needs, implemented by the browser's WebCrypto),
``protobuf`` (the wire formats), ``curve`` and ``xeddsa`` (pure-Python XEdDSA, which WebCrypto lacks),
``x3dh`` (keys, bundles and the key agreement), ``ratchet`` (the Double Ratchet session), ``payload``
(the message body encryption), ``sce`` (XEP-0420 envelopes) and ``elements`` (stanza elements).
No plugin is declared yet: docs/omemo-design.md says what a later change wires.
"""
