"""A request must arrive in time: its headers and its body within
``WORKFLOW_REQUEST_TIMEOUT_SECONDS`` (30) of its first byte, or of the connection's
opening, else the connection is closed (with a 408 if part of a request came and
nothing was answered yet).

uvicorn times out idle keep-alive connections only after a response; a client that
opens a connection and sends half a header, or a body a byte a minute, would hold a
connection (and its memory) for ever. This is uvicorn's own HTTP protocol with one
timer more.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from workflow.core.settings import get_settings

TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 53\r\n\r\n"
    b"the request did not arrive in time; send it in one go"
)


class DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request's arrival."""

    deadline: asyncio.TimerHandle | None = None
    began = False  # whether any byte of the current request has arrived

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.began = True
        if self.deadline is None:
            self._arm()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.began = False
        self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        seconds = get_settings().request_timeout_seconds
        self.deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _too_slow(self) -> None:
        self.deadline = None
        if self.transport.is_closing():
            return
        answered = self.cycle is not None and self.cycle.response_started
        if self.began and not answered:  # a connection that said nothing is just closed
            self.transport.write(TIMED_OUT)
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # the handler reading the body sees it left
            self.cycle.message_event.set()
        self.transport.close()
