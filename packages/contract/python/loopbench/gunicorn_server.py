"""gunicorn's sync worker with the contract's refusals: what its parser refuses is answered in the contract's
JSON, and what its parser would wait on forever, or buffer without end, is refused before it does."""

import re
import socket
from typing import Any

from gunicorn.http.errors import ParseException
from gunicorn.workers.sync import SyncWorker

from .contract import (
    HEAD_LIMIT_BYTES,
    begins_no_request,
    head_too_large,
    http_version_error,
    malformed_error,
)
from .serve import raw_refusal

# gunicorn's own limits on a head, lifted: the line and header sizes the contract allows reach the middleware,
# which refuses larger ones in JSON (414, 431), and HeadGuard bounds what is buffered.
UNLIMITED_HEAD_SETTINGS = {
    "limit_request_line": 0,
    "limit_request_fields": 0,  # gunicorn's most, 32768, for its 100
    "limit_request_field_size": 0,
}


# gunicorn's own pattern of a version; it takes any, and answers in the request's.
_VERSION = re.compile(rb"HTTP/(\d+)\.(\d+)")


def head_refusal(head: bytes) -> tuple[int, str] | None:
    """Why a head that came so far (through its last line's CRLF, if it came whole) is refused, or None. gunicorn's
    parser reads up to CRLF CRLF, however long that takes, so these would keep it reading: binary (a TLS
    handshake, say), a line ended by a bare LF, a head over HEAD_LIMIT_BYTES. And a version other than
    HTTP/1.x, which gunicorn would answer in that version's status line ("HTTP/2.0 200 OK").
    """
    if begins_no_request(head):
        return 400, malformed_error(f"byte 0x{head[0]:02x} begins no HTTP/1.1 request")
    if b"\n" in head.replace(b"\r\n", b""):
        return 400, malformed_error("a line ends in a bare LF, not CRLF")
    line, ended, _ = head.partition(b"\r\n")
    version = _VERSION.fullmatch(line.split(b" ", 2)[-1]) if ended else None
    if version is not None and version[1] != b"1":
        return 505, http_version_error(f"{int(version[1])}.{int(version[2])}")
    if len(head) > HEAD_LIMIT_BYTES:
        return head_too_large(head)
    return None


class RefusedHead(ParseException):  # type: ignore[misc]
    """A head HeadGuard refused: the worker answers it with `status` and `error`."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error

    def __str__(self) -> str:
        return self.error


class HeadGuard:
    """A client socket as the worker's parser reads it, watching the request's head: a head head_refusal refuses
    raises RefusedHead out of recv, as gunicorn's parser raises what it refuses. The rest is the socket's.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.head: bytes | None = b""  # what came of the head; None once it ended
        self.to_head = False  # a HEAD request: its refusal has no body

    def recv(self, size: int, flags: int = 0) -> bytes:
        data = self.sock.recv(size, flags)
        if self.head is not None and data:
            head = self.head + data
            self.to_head = head.startswith(b"HEAD ")
            end = head.find(b"\r\n\r\n")
            self.head = head if end < 0 else None
            refusal = head_refusal(head if end < 0 else head[: end + 2])
            if refusal is not None:
                raise RefusedHead(*refusal)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


class ContractSyncWorker(SyncWorker):  # type: ignore[misc]
    """gunicorn's sync worker, reading each request through a HeadGuard and answering what its parser refuses
    with a JSON 4xx like every refusal, not its HTML page (nor the 500 it gives an unsupported Transfer-Encoding).
    Give it UNLIMITED_HEAD_SETTINGS."""

    def handle(self, listener: socket.socket, client: socket.socket, addr: Any) -> None:
        super().handle(listener, HeadGuard(client), addr)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        if not isinstance(exc, ParseException):
            return super().handle_error(req, client, addr, exc)  # type: ignore[no-any-return]
        if isinstance(exc, RefusedHead):
            status, error = exc.status, exc.error
        else:
            status, error = 400, malformed_error(str(exc))
        to_head = isinstance(client, HeadGuard) and client.to_head
        try:
            client.sendall(raw_refusal(status, error, to_head))
        except OSError:
            pass
