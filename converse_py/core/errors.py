"""The two error families (after h11): the caller's misuse, and bad data from outside.

``ConverseError`` subclasses are raised to the caller with a message naming the
argument or setting at fault. Bad data from the server or peers is never raised
to the caller: it is logged and dropped (see ``converse_py.core.log``).
"""


class ConverseError(Exception):
    """Base class for errors raised to callers of the API."""


class SettingsError(ConverseError, TypeError):
    """A setting has the wrong type or value. The message starts with the setting's name."""


class PluginError(ConverseError):
    """A plugin could not be registered (bad name, duplicate, bad shape)."""


class NotConnectedError(ConverseError):
    """An operation needs a connection and there is none (and it cannot be queued)."""


class IQError(ConverseError):
    """An IQ got an error reply. ``stanza`` holds the reply element, ``error`` its parsed form."""

    def __init__(self, message: str, stanza: object = None, error: object = None) -> None:
        super().__init__(message)
        self.stanza = stanza
        self.error = error


class IQDisconnectedError(IQError):
    """The connection went away before the IQ got a reply (the IQ may never have been delivered)."""


class IQTimeoutError(ConverseError, TimeoutError):
    """An IQ got no reply in time."""
