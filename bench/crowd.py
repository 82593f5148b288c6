"""A crowd of room occupants for the bench: ``count`` bare-bones XMPP sessions of one account
(one resource each, SASL PLAIN over loopback as the test Prosody allows), each in the room under
its own nick. slixmpp would need a client object per occupant; this needs a socket and a drain.

    crowd = Crowd("127.0.0.1", 5222, "localhost", "user", "pw").start()
    crowd.join("room@conference.localhost", 500, "bmo")   # nicks bmo0001 … bmo0500
    crowd.send([("bmo0001", "<presence to='room@conference.localhost/bmo0001'><show>away</show></presence>")])
    crowd.stop()
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from xml.sax.saxutils import escape

STREAM = ("<?xml version='1.0'?><stream:stream to='{domain}' xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")


class Crowd:
    """Occupant sessions on their own event loop thread."""

    def __init__(self, host: str, port: int, domain: str, username: str, password: str) -> None:
        self.host, self.port, self.domain = host, port, domain
        self.username, self.password = username, password
        self.loop = asyncio.new_event_loop()
        self.writers: list[asyncio.StreamWriter] = []
        #: Each session's stream by nick (its resource is the nick too).
        self.by_nick: dict[str, asyncio.StreamWriter] = {}
        self._drains: list[asyncio.Task[None]] = []
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> Crowd:
        self._thread.start()
        return self

    def join(self, room: str, count: int, nick_prefix: str, timeout: float = 300.0) -> None:
        """Log ``count`` sessions in and put each in ``room`` as ``{nick_prefix}{i:04d}`` (nicks are
        unique across calls: they name the sessions)."""
        asyncio.run_coroutine_threadsafe(self._join_all(room, count, nick_prefix), self.loop).result(timeout)

    async def _join_all(self, room: str, count: int, nick_prefix: str) -> None:
        limit = asyncio.Semaphore(25)  # log-ins at once

        async def one(index: int) -> None:
            async with limit:
                nick = f"{nick_prefix}{index:04d}"
                await self._session(room, nick, nick)
        await asyncio.gather(*(one(i) for i in range(1, count + 1)))

    async def _session(self, room: str, nick: str, resource: str) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        buffer = bytearray()

        async def until(*markers: bytes) -> None:
            while not any(m in buffer for m in markers):
                chunk = await asyncio.wait_for(reader.read(65536), 60)
                if not chunk:
                    raise ConnectionError(f"{resource}: stream closed before {markers[0]!r}")
                buffer.extend(chunk)
            end = min(buffer.index(m) + len(m) for m in markers if m in buffer)
            del buffer[:end]

        writer.write(STREAM.format(domain=self.domain).encode())
        await until(b"</stream:features>")
        token = base64.b64encode(f"\0{self.username}\0{self.password}".encode()).decode()
        writer.write(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>".encode())
        await until(b"<success")
        writer.write(STREAM.format(domain=self.domain).encode())
        await until(b"</stream:features>")
        writer.write(f"<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                     f"<resource>{resource}</resource></bind></iq>".encode())
        await until(b"</iq>")
        writer.write(f"<presence to='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc'>"
                     "<history maxstanzas='0'/></x></presence>".encode())
        await until(f"{room}/{nick}'".encode(), f'{room}/{nick}"'.encode())  # our own presence back: in
        self.writers.append(writer)
        self.by_nick[nick] = writer
        self._drains.append(asyncio.ensure_future(self._drain(reader)))

    def say(self, room: str, bodies: list[str]) -> float:
        """Send ``bodies`` to ``room`` from the first occupant, all at once; the wall time (ms) of
        the first send."""
        async def send() -> float:
            started = time.time() * 1000
            writer = self.writers[0]
            for body in bodies:
                writer.write(f"<message to='{room}' type='groupchat'><body>{escape(body)}</body></message>".encode())
            await writer.drain()
            return started
        return float(asyncio.run_coroutine_threadsafe(send(), self.loop).result(60))

    def send(self, stanzas: list[tuple[str, str]], timeout: float = 60.0) -> None:
        """Write each ``(nick, xml)`` on the stream of the session named ``nick``."""
        async def write() -> None:
            for nick, xml in stanzas:
                self.by_nick[nick].write(xml.encode())
            for writer in {id(self.by_nick[nick]): self.by_nick[nick] for nick, _ in stanzas}.values():
                await writer.drain()
        asyncio.run_coroutine_threadsafe(write(), self.loop).result(timeout)

    @staticmethod
    async def _drain(reader: asyncio.StreamReader) -> None:
        """Read and drop what the room sends (presences, messages), so the server never blocks."""
        while await reader.read(65536):
            pass

    def stop(self) -> None:
        async def close() -> None:
            for writer in self.writers:
                try:
                    writer.write(b"</stream:stream>")
                    writer.close()
                except Exception:
                    pass
            for task in self._drains:
                task.cancel()
        try:
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
