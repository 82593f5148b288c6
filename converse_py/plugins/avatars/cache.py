"""The avatar cache: images by hash, and which hash each JID shows, in lasting key-value storage
(the page's localStorage through ``Platform.storage_*``; a dict in tests).

Images are stored as base64 under their SHA-1, only after they were checked (hash, type, decoding).
The total is bounded: the least recently used images are evicted first.

>>> store = DictStore()
>>> cache = AvatarCache(store, limit=16)
>>> cache.put("a" * 40, "image/png", "aGk="), cache.put("b" * 40, "image/png", "x" * 17)
(True, False)
>>> cache.set_jid("bob@localhost", "a" * 40), cache.image_for("bob@localhost")
(True, ('image/png', 'aGk='))
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from .stanzas import MAX_BASE64

INDEX_KEY = "converse-py-avatars"
IMAGE_KEY = "converse-py-avatar-"
#: Default bound of the stored images (base64 characters): well inside localStorage's ~5 MB.
DEFAULT_LIMIT = 2 * 1024 * 1024
#: JIDs remembered (beyond this, those whose image is gone are forgotten first).
MAX_JIDS = 10000


class KeyValueStore(Protocol):
    """Lasting string storage."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def remove(self, key: str) -> None: ...


class DictStore:
    """A ``KeyValueStore`` in memory (tests, and hosts without storage)."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.data.get(key)

    def set(self, key: str, value: str) -> None:
        self.data[key] = value

    def remove(self, key: str) -> None:
        self.data.pop(key, None)


class PlatformStore:
    """A ``KeyValueStore`` over the host's lasting storage (``persistent=True``: localStorage)."""

    def __init__(self, platform: Any) -> None:
        self.platform = platform

    def get(self, key: str) -> str | None:
        value = self.platform.storage_get(key, persistent=True)
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str) -> None:
        self.platform.storage_set(key, value, persistent=True)

    def remove(self, key: str) -> None:
        self.platform.storage_remove(key, persistent=True)


class AvatarCache:
    """Images by hash (``{hash: [type, size, last use]}`` in the index) and JID → hash."""

    def __init__(self, store: KeyValueStore, limit: int = DEFAULT_LIMIT) -> None:
        self.store = store
        self.limit = limit
        self.images: dict[str, list[Any]] = {}
        self.jids: dict[str, str] = {}
        self._clock = 0
        self._load()

    def _load(self) -> None:
        try:
            index = json.loads(self.store.get(INDEX_KEY) or "{}")
            images, jids = index.get("images", {}), index.get("jids", {})
            self.images = {h: [str(v[0]), int(v[1]), int(v[2])] for h, v in images.items()
                           if isinstance(h, str) and isinstance(v, list) and len(v) == 3}
            self.jids = {j: h for j, h in jids.items() if isinstance(j, str) and isinstance(h, str)}
        except (ValueError, TypeError, AttributeError, IndexError):
            self.images, self.jids = {}, {}  # a damaged index: start over
        self._clock = max((v[2] for v in self.images.values()), default=0)

    def _save(self) -> None:
        self.store.set(INDEX_KEY, json.dumps({"images": self.images, "jids": self.jids}, separators=(",", ":")))

    def has(self, hash_: str) -> bool:
        """Whether the image with this hash is stored."""
        return hash_ in self.images

    def get(self, hash_: str) -> tuple[str, str] | None:
        """(type, base64) of a stored image; None when absent (or lost by the storage)."""
        entry = self.images.get(hash_)
        if entry is None:
            return None
        data = self.store.get(IMAGE_KEY + hash_)
        if data is None:  # the storage dropped it (full, cleared): forget it
            self.images.pop(hash_, None)
            self._save()
            return None
        self._clock += 1
        entry[2] = self._clock
        return entry[0], data

    def put(self, hash_: str, type_: str, base64_data: str) -> bool:
        """Store a checked image; False (nothing stored) when it alone is over the limits."""
        size = len(base64_data)
        if size > MAX_BASE64 or size > self.limit:
            return False
        self._clock += 1
        self.images[hash_] = [type_, size, self._clock]
        self._evict(keep=hash_)
        self.store.set(IMAGE_KEY + hash_, base64_data)
        self._save()
        return True

    def _evict(self, keep: str) -> None:
        total = sum(entry[1] for entry in self.images.values())
        for old in sorted((h for h in self.images if h != keep), key=lambda h: self.images[h][2]):
            if total <= self.limit:
                break
            total -= self.images.pop(old)[1]
            self.store.remove(IMAGE_KEY + old)

    def hash_for(self, jid: str) -> str | None:
        """The hash ``jid`` last advertised (None: no avatar known)."""
        return self.jids.get(jid)

    def set_jid(self, jid: str, hash_: str | None) -> bool:
        """Record the hash ``jid`` shows (None: none); True when that changed."""
        if self.jids.get(jid) == hash_:
            return False
        if hash_ is None:
            self.jids.pop(jid, None)
        else:
            self.jids[jid] = hash_
            if len(self.jids) > MAX_JIDS:
                for other in [j for j, h in self.jids.items() if h not in self.images][:len(self.jids) - MAX_JIDS]:
                    del self.jids[other]
        self._save()
        return True

    def image_for(self, jid: str) -> tuple[str, str] | None:
        """(type, base64) of the image ``jid`` shows, if stored."""
        hash_ = self.jids.get(jid)
        return self.get(hash_) if hash_ is not None else None
