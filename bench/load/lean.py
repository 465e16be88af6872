"""
A lean HTTP/1.1 client for load phases, for `phase(..., client=lean_client)`
of bench/load/run.py: GET only, over asyncio streams, with the parts of
httpx.AsyncClient's interface the phases use (`get`, `status_code`,
`headers`, `content`, `json()`, `async with`).

Why: on the 2-core machine the load generator shares the CPUs with the
server it measures. gunicorn's sync workers close the connection after
every answer, and httpx spends about 4 ms of CPU per request on that
(a new connection each time), against about 0.4 ms here: at 200 requests/s
that is most of a core taken from the server. Failures are raised as
httpx.TransportError, so `phase` counts them as errors as it counts httpx's.
"""

import asyncio
import json
from urllib.parse import urlsplit

import httpx

from bench.bench_b2b import CSRF

REQUEST_TIMEOUT = 30


class LeanResponse:
    def __init__(self, status_code, headers, content):
        self.status_code = status_code
        self.headers = headers  # lower-cased names
        self.content = content

    def json(self):
        return json.loads(self.content)

    async def aread(self):
        """As httpx's: the body (already read)."""
        return self.content


class LeanClient:
    """One connection at a time to `base`, kept open while the server keeps it."""

    def __init__(self, base, headers, timeout=REQUEST_TIMEOUT):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.headers = {"Host": self.host, **headers}
        self.timeout = timeout
        self.reader = self.writer = None

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self._close()

    def _close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def get(self, path, headers=None):
        try:
            return await asyncio.wait_for(self._get(path, headers), self.timeout)
        except (OSError, EOFError, ValueError, asyncio.LimitOverrunError) as exc:
            # OSError covers refused and reset connections and the timeout.
            self._close()
            raise httpx.TransportError(f"GET {path}: {exc!r}") from exc

    async def _get(self, path, headers):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"GET {path} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in {**self.headers, **(headers or {})}.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        received = {}
        for line in head[1:]:
            if line:
                name, _, value = line.partition(":")
                received[name.strip().lower()] = value.strip()
        if "content-length" in received:
            content = await self.reader.readexactly(int(received["content-length"]))
        elif received.get("transfer-encoding", "").lower() == "chunked":
            content = await self._chunks()
        elif status == 304 or status == 204:
            content = b""
        else:
            content = await self.reader.read()
            received["connection"] = "close"
        if received.get("connection", "").lower() == "close":
            self._close()
        return LeanResponse(status, received, content)

    async def _chunks(self):
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # no trailers expected
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


def lean_client(base, cookie, headers=None):
    """
    The `client` factory for `phase`: like run.new_client, with `cookie` as
    sessionid and the CSRF cookie a browser keeps from its first page (the
    login form's), so each page's forms carry a token of one secret.
    """
    headers = dict(headers or {})
    cookies = {"csrftoken": CSRF}
    if cookie:
        cookies["sessionid"] = cookie
    headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return LeanClient(base, headers)
