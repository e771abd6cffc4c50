"""Undoing a response's Content-Encoding with memory bounded by the body cap.

httpx inflates each network chunk whole before its caller sees a byte, so a 64 KB gzip chunk
becomes 64 MB at once, whatever cap the caller checks afterwards. The fetcher reads the raw bytes
instead and inflates them here, never asking zlib for more than the room left under the cap.

Only gzip and deflate are accepted (the fetcher asks for nothing else); any other coding is a
`BodyDecodingError`, as is a corrupt stream.
"""

from __future__ import annotations

import zlib

ACCEPT_ENCODING = "gzip, deflate"
_STEP = 64 * 1024  # compressed bytes handed from one layer to the next at a time
_GZIP_MAGIC = b"\x1f\x8b"


class BodyDecodingError(Exception):
    """The body is in a coding we do not read, or is corrupt."""


class _Layer:
    """One coding: a zlib stream fed `pending` input, which it consumes only as room allows."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.pending = b""
        self.started = False
        self._head = b""  # the input fed before the form was settled (deflate: zlib or raw)
        self._stream = self._new_stream(raw_deflate=False)

    def _new_stream(self, raw_deflate: bool) -> zlib._Decompress:
        if self.coding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)

    def inflate(self, room: int) -> bytes:
        """Up to `room` bytes of output from the pending input (b"" when it needs more)."""
        data, self.pending = self.pending, b""
        if not self.started:
            self._head += data
        try:
            out = self._stream.decompress(data, room)
        except zlib.error as exc:
            if self.coding != "deflate" or self.started:
                raise BodyDecodingError(f"corrupt {self.coding} body: {exc}") from exc
            # "deflate" is zlib-wrapped by the RFC, raw in some servers: try the raw form.
            self._stream = self._new_stream(raw_deflate=True)
            try:
                out = self._stream.decompress(self._head, room)
            except zlib.error as raw_exc:
                raise BodyDecodingError(f"corrupt deflate body: {raw_exc}") from raw_exc
        # Past the two bytes of a zlib header, the form is settled.
        self.started = self.started or bool(out) or len(self._head) >= 2
        if self.started:
            self._head = b""
        self.pending = self._stream.unconsumed_tail
        trailing = self._stream.unused_data if self._stream.eof else b""
        if self.coding == "gzip" and trailing.startswith(_GZIP_MAGIC):
            # Several gzip members one after the other are one body (RFC 1952); anything else
            # after the end of the stream is ignored, as browsers do.
            self.pending = trailing + self.pending
            self._stream = self._new_stream(raw_deflate=False)
        return out


class BodyDecoder:
    """Inflates a body coded as `Content-Encoding` says, a raw chunk at a time."""

    def __init__(self, content_encoding: str | None) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        unknown = [c for c in codings if c not in ("gzip", "x-gzip", "deflate")]
        if unknown:
            raise BodyDecodingError(f"unsupported Content-Encoding: {', '.join(unknown)}")
        # Codings are listed in the order they were applied: the last one is undone first.
        self._layers = [_Layer("deflate" if c == "deflate" else "gzip") for c in reversed(codings)]

    def decode(self, chunk: bytes, room: int) -> list[bytes]:
        """The output `chunk` gives, in pieces, stopping once more than `room` bytes came out.

        Everything not yet inflated stays buffered (compressed) for the next call, so memory
        holds at most `room` bytes of output and a few compressed chunks.
        """
        if not self._layers:
            return [chunk]
        self._layers[0].pending += chunk
        pieces: list[bytes] = []
        while room >= 0:
            piece = self._pull(len(self._layers) - 1, room + 1)
            if not piece:
                break
            pieces.append(piece)
            room -= len(piece)
        return pieces

    def _pull(self, index: int, room: int) -> bytes:
        layer = self._layers[index]
        while True:
            if not layer.pending and index > 0:
                layer.pending = self._pull(index - 1, _STEP)
            if not layer.pending:
                # zlib may still hold output of input it already took (a match cut short).
                return layer.inflate(room)
            out = layer.inflate(room)
            if out:
                return out
