"""OMEMO (XEP-0384) protocol core, sans-IO: both ``eu.siacs.conversations.axolotl`` (OMEMO 0.3) and
``urn:xmpp:omemo:2``.

Modules: ``crypto`` (the async primitives the core needs, implemented by the browser's WebCrypto),
``protobuf`` (the wire formats), ``curve`` and ``xeddsa`` (pure-Python XEdDSA, which WebCrypto lacks),
``x3dh`` (keys, bundles and the key agreement), ``ratchet`` (the Double Ratchet session), ``payload``
(the message body encryption), ``sce`` (XEP-0420 envelopes) and ``elements`` (stanza elements).
The plugin (``plugin``, with ``pep``, ``store`` and ``loader``) ships with the page; the rest is loaded
the first time a chat needs OMEMO (``loader``, docs/omemo.md).
"""
