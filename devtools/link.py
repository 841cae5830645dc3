"""A network link of a given round trip between the bench and its Dovecot.

On loopback a round trip costs about 0.1 ms, so the bench's figures show the work on either
side and hide what a mail server elsewhere costs most: the round trips a page waits for. The
relay here sits between them on loopback and holds every chunk for half the round trip in
each direction (TLS passes through it untouched), in a process of its own so that it takes
no time from the client it measures.
"""

import asyncio
import socket
import subprocess
import sys
from pathlib import Path
from typing import Self

_CHUNK = 1 << 16


class DelayedLink:
    """`with DelayedLink(port, 10.0) as link:` connections to `link.port` on loopback reach
    `port` with a round trip of 10 ms more."""

    def __init__(self, target_port: int, round_trip_ms: float):
        self.target_port = target_port
        self.round_trip_ms = round_trip_ms
        self.port: int | None = None
        self._process = None

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "devtools.link", str(self.target_port), str(self.round_trip_ms)],
            cwd=Path(__file__).resolve().parent.parent,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self._process.stdout.readline()
        if not line.strip().isdigit():
            self._process.kill()
            self._process.wait()
            raise RuntimeError(f"the delayed link did not start: {line!r}")
        self.port = int(line)
        return self

    def __exit__(self, *_exc_info):
        self._process.terminate()
        self._process.wait(10)
        self._process.stdout.close()


async def _relay(target_port: int, delay_s: float) -> None:
    async def connected(reader, writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            writer.close()
            return
        for side in (writer, server_writer):
            side.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(
            _carry(reader, server_writer, delay_s), _carry(server_reader, writer, delay_s)
        )

    server = await asyncio.start_server(connected, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


async def _carry(reader, writer, delay_s: float) -> None:
    """Every chunk from `reader` to `writer` `delay_s` later, in order (equal delays keep the
    order of call_later); the end of the stream as well."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            data = await reader.read(_CHUNK)
        except OSError:
            data = b""
        if not data:
            loop.call_later(delay_s, _close, writer)
            return
        loop.call_later(delay_s, _write, writer, data)


def _write(writer, data: bytes) -> None:
    if not writer.is_closing():
        writer.write(data)


def _close(writer) -> None:
    if not writer.is_closing():
        writer.close()


if __name__ == "__main__":
    # python -m devtools.link TARGET_PORT ROUND_TRIP_MS: prints its own port, then relays.
    asyncio.run(_relay(int(sys.argv[1]), float(sys.argv[2]) / 2000))
