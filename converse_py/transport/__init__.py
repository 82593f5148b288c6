"""XMPP transports: the only code that does network I/O.

``base.Transport`` is the interface; ``fake.FakeTransport`` drives unit tests on
CPython; ``converse_py.browser.strophe_transport`` wraps Strophe.js in the page.
"""
