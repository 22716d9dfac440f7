"""werkzeug's request handler with the contract's refusals: what http.server's parser refuses is answered in
the contract's JSON with a status line (its own answer is an HTML page, with no status line at all when the
request line had no version it knows), and a head is limited by its size, as the contract's, not by
http.client's 100 header lines."""

import email.parser
import io
import json
from http import HTTPStatus

from werkzeug.serving import WSGIRequestHandler

from .contract import (
    HEAD_LIMIT_BYTES,
    begins_no_request,
    head_too_large,
    headers_too_large_error,
    http_version_error,
    malformed_error,
    no_version_error,
)

_BLANK_LINES = (b"\r\n", b"\n", b"")


def parser_refusal(
    code: int, message: str | None, request_line: bytes
) -> tuple[int, str]:
    """What a refusal of http.server's parser (its status and reason) becomes: the contract's status and error.
    It refuses a request line over 64 KiB with 414, an HTTP version from 2.0 on with 505 (the contract's one
    5xx), the rest with 400."""
    if code == HTTPStatus.REQUEST_URI_TOO_LONG:
        return head_too_large(request_line)
    if code == HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE:
        return 431, headers_too_large_error()
    if code == HTTPStatus.HTTP_VERSION_NOT_SUPPORTED:
        version = request_line.split()[-1].decode("latin-1").removeprefix("HTTP/")
        return 505, http_version_error(version)
    reason = message or HTTPStatus(code).phrase
    return (code if 400 <= code < 500 else 400), malformed_error(reason)


class ContractRequestHandler(WSGIRequestHandler):
    """Answers every request the way the contract asks, even those that never reach the WSGI app."""

    def handle_one_request(self) -> None:
        # Binary (a TLS handshake, say) is refused at its first byte, not read up to a line end that may
        # never come while the one thread waits.
        first = (
            self.rfile.peek(1)[:1] if isinstance(self.rfile, io.BufferedReader) else b""
        )
        if begins_no_request(first):
            self.raw_requestline = b""
            self.requestline = self.command = ""
            self.refuse(
                400,
                malformed_error(f"byte 0x{first[0]:02x} begins no HTTP/1.1 request"),
            )
            return
        super().handle_one_request()

    def parse_request(self) -> bool:
        # http.server reads the headers with http.client's limits: 100 lines, of up to 64 KiB each. The
        # contract limits their size instead. So http.server parses the request line, given no headers, and
        # the header block is read here within HEAD_LIMIT_BYTES, then parsed as http.client parses it.
        rfile = self.rfile
        self.rfile = io.BytesIO(b"\r\n")
        try:
            if not super().parse_request():
                return False
        finally:
            self.rfile = rfile
        if self.request_version == "HTTP/0.9":
            # http.server's default: the request line had no version. An HTTP/0.9 answer has no status line.
            self.refuse(400, no_version_error())
            return False
        block = self._read_header_block()
        if block is None:
            return False
        parser = email.parser.Parser(_class=self.MessageClass)
        self.headers = parser.parsestr(block.decode("iso-8859-1"))
        # What http.server's parse_request does with the headers it read.
        connection = self.headers.get("Connection", "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive" and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        expect = self.headers.get("Expect", "").lower()
        if (
            expect == "100-continue"
            and self.protocol_version >= "HTTP/1.1"
            and self.request_version >= "HTTP/1.1"
        ):
            return self.handle_expect_100()
        return True

    def _read_header_block(self) -> bytes | None:
        """The header lines through the blank one that ends them; None once a head over HEAD_LIMIT_BYTES is refused."""
        lines = [self.raw_requestline]
        size = len(self.raw_requestline)
        while size <= HEAD_LIMIT_BYTES:
            line = self.rfile.readline(HEAD_LIMIT_BYTES - size + 1)
            lines.append(line)
            size += len(line)
            if line in _BLANK_LINES:
                return b"".join(lines[1:])
        self.refuse(*head_too_large(b"".join(lines)))
        return None

    def send_error(
        self, code: int, message: str | None = None, explain: str | None = None
    ) -> None:
        """http.server's refusals, in the contract's JSON."""
        self.refuse(*parser_refusal(code, message, self.raw_requestline))

    def refuse(self, status: int, error: str) -> None:
        """A JSON refusal that closes the connection; an answer to HEAD has the head only."""
        body = json.dumps({"error": error}, separators=(",", ":")).encode()
        self.close_connection = True
        # http.server writes no status line or headers for an HTTP/0.9 request, its default.
        self.request_version = self.protocol_version
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
