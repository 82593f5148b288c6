"""What went wrong with an upload, in words a user understands (shown as an info line in the box
and given to ``api.upload.send`` callers as the error's message).

>>> str(UploadFailed.too_large("cat.jpg", 25_000_000, 20_971_520))
'cat.jpg was not sent: it is 25.0 MB and the server accepts files up to 21.0 MB.'
>>> UploadFailed.http_status("cat.jpg", 413).reason
'http-status'
"""

from __future__ import annotations

from ...core.errors import ConverseError
from ...i18n import _, ngettext
from ...xmpp.stanza import format_size

#: Every ``reason`` an upload can fail with (``upload.reason`` in the ``uploadFailed`` event).
REASONS = ("offline", "no-service", "too-large", "refused", "no-answer", "network", "http-status",
           "cancelled", "unsupported", "encryption")


class UploadFailed(ConverseError):
    """An upload that did not happen; ``reason`` is one of ``REASONS``, the message says it in words."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(text)
        self.reason = reason

    @classmethod
    def offline(cls, name: str) -> UploadFailed:
        return cls("offline", _("{name} was not sent: you are offline.", name=name))

    @classmethod
    def no_service(cls, name: str) -> UploadFailed:
        return cls("no-service", _("{name} was not sent: your server offers no file upload service.", name=name))

    @classmethod
    def too_large(cls, name: str, size: int, limit: int) -> UploadFailed:
        """Sizes as people read them, in bytes where the rounded figures would look the same.

        >>> str(UploadFailed.too_large("a.bin", 20_971_521, 20_971_520))
        'a.bin was not sent: it is 20971521 bytes and the server accepts files up to 20971520 bytes.'
        """
        shown, most = format_size(size), format_size(limit)
        if shown == most:
            shown, most = ngettext("{count} byte", "{count} bytes", size), ngettext("{count} byte", "{count} bytes", limit)
        return cls("too-large", _("{name} was not sent: it is {size} and the server accepts files up to {limit}.",
                                  name=name, size=shown, limit=most))

    @classmethod
    def refused(cls, name: str, text: str) -> UploadFailed:
        """The upload service refused a slot; ``text`` is what the server said (shown as text)."""
        if text:
            return cls("refused", _("{name} was not sent: the upload service refused it ({text}).",
                                    name=name, text=text))
        return cls("refused", _("{name} was not sent: the upload service refused it.", name=name))

    @classmethod
    def no_answer(cls, name: str) -> UploadFailed:
        return cls("no-answer", _("{name} was not sent: the upload service did not answer.", name=name))

    @classmethod
    def network(cls, name: str) -> UploadFailed:
        return cls("network", _(
            "{name} was not sent: the upload server could not be reached (a network problem, or it does not allow uploads from this page).",
            name=name))

    @classmethod
    def http_status(cls, name: str, status: int) -> UploadFailed:
        """The PUT got an HTTP error status (413: too large for the upload server)."""
        if status == 413:
            return cls("http-status", _(
                "{name} was not sent: the upload server says the file is too large (HTTP 413).", name=name))
        return cls("http-status", _("{name} was not sent: the upload server answered HTTP {status}.",
                                    name=name, status=str(status)))

    @classmethod
    def cancelled(cls, name: str) -> UploadFailed:
        return cls("cancelled", _("The upload of {name} was cancelled.", name=name))

    @classmethod
    def unsupported(cls, name: str) -> UploadFailed:
        return cls("unsupported", _("{name} was not sent: this client cannot upload files here.", name=name))

    @classmethod
    def encryption(cls, name: str) -> UploadFailed:
        """The file was to be encrypted (OMEMO is on in the chat) and could not be: nothing was sent."""
        return cls("encryption", _("{name} was not sent: it could not be encrypted.", name=name))
