"""Minimal Python client for pnnd (protocol version 1, see docs/protocol.md).

Standard library only; numpy is used when installed (tensors come back as float32 arrays, otherwise
as nested lists). One request at a time per call; `send`/`wait`/`cancel` allow pipelining.
"""
import itertools
import json
import os
import socket
import struct

try:
    import numpy as np
except ImportError:  # pragma: no cover - exercised by monkeypatching np = None in the tests
    np = None

DEFAULT_SOCKET = "/run/pnn/pnnd.sock"
MAGIC, VERSION = b"PNN1", 1
REQUEST, RESPONSE, EVENT, CANCEL = 1, 2, 3, 4
HEADER = struct.Struct("<4sBBHQII")  # magic, version, kind, reserved, request id, metadata len, payload len
PREFIX = struct.Struct("<I")  # length of header + metadata + payload
# ErrorCode.swift, in order. Unknown codes from newer daemons are passed through as strings.
ERROR_CODES = ("invalidArgument", "outOfRange", "notFound", "resourceExhausted", "deadlineExceeded",
               "unavailable", "permissionDenied", "failedPrecondition", "cancelled", "internal")


class PNNError(Exception):
    """An error reply from pnnd: `code` is one of ERROR_CODES, `message` says what went wrong."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class FrameError(ValueError):
    """Bytes that are not a pnn frame."""


def encode_frame(kind, request_id, metadata=None, payload=b""):
    """One frame with its u32 length prefix; metadata is a dict (compact JSON, sorted keys) or None."""
    meta = b"" if metadata is None else json.dumps(
        metadata, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    header = HEADER.pack(MAGIC, VERSION, kind, 0, request_id, len(meta), len(payload))
    return PREFIX.pack(HEADER.size + len(meta) + len(payload)) + header + meta + payload


def decode_frame(body):
    """(kind, request_id, metadata dict or None, payload bytes) of a frame body (no length prefix)."""
    if len(body) < HEADER.size:
        raise FrameError(f"frame of {len(body)} bytes is shorter than the {HEADER.size}-byte header")
    magic, version, kind, _, request_id, m, p = HEADER.unpack_from(body)
    if magic != MAGIC:
        raise FrameError("bad magic: not a pnn protocol frame")
    if version != VERSION:
        raise FrameError(f"unsupported protocol version {version}")
    if kind not in (REQUEST, RESPONSE, EVENT, CANCEL):
        raise FrameError(f"unknown frame kind {kind}")
    if HEADER.size + m + p != len(body):
        raise FrameError(f"frame lengths disagree: header says {m} + {p} bytes, frame holds {len(body) - HEADER.size}")
    meta = body[HEADER.size:HEADER.size + m]
    return kind, request_id, (json.loads(meta) if meta else None), bytes(body[HEADER.size + m:])


def pack_tensors(named):
    """[(name, array-like)] -> (descriptors, payload): Float32 little-endian, row-major, in list order."""
    descriptors, chunks = [], []
    for name, value in named:
        if np is not None:
            a = np.ascontiguousarray(value, dtype="<f4")
            shape, data = list(a.shape), a.tobytes()
        else:
            shape, flat = _shape_and_flat(value)
            data = struct.pack(f"<{len(flat)}f", *flat)
        descriptors.append({"name": name, "shape": shape})
        chunks.append(data)
    return descriptors, b"".join(chunks)


def unpack_tensors(descriptors, payload):
    """{name: tensor} from a payload; the payload must hold exactly the announced tensors."""
    out, offset = {}, 0
    for d in descriptors or []:
        count = 1
        for n in d["shape"]:
            count *= n
        end = offset + 4 * count
        if end > len(payload):
            raise FrameError(f"tensor '{d['name']}' needs {4 * count} bytes, payload has {len(payload) - offset} left")
        if np is not None:
            out[d["name"]] = np.frombuffer(payload, "<f4", count, offset).reshape(d["shape"]).astype("float32")
        else:
            out[d["name"]] = _nest(list(struct.unpack_from(f"<{count}f", payload, offset)), d["shape"])
        offset = end
    if offset != len(payload):
        raise FrameError(f"payload has {len(payload) - offset} bytes beyond the {offset} its tensors use")
    return out


def _shape_and_flat(value):
    if isinstance(value, (list, tuple)):
        if not value:
            return [0], []
        parts = [_shape_and_flat(v) for v in value]
        if any(s != parts[0][0] for s, _ in parts):
            raise ValueError("ragged nested list")
        return [len(value)] + parts[0][0], [x for _, flat in parts for x in flat]
    return [], [float(value)]


def _nest(flat, shape):
    if len(shape) <= 1:
        return flat if shape else flat[0]
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


class Client:
    """A connection to pnnd. Leases belong to the connection and end when it closes."""

    def __init__(self, path=None, timeout=None, sock=None):
        self.path = path or os.environ.get("PNN_SOCKET") or DEFAULT_SOCKET
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(self.path)
        self.sock = sock
        self._ids = itertools.count(1)  # 0 is reserved for connection-level errors
        self._replies, self.events = {}, []
        self.capabilities = ()  # from hello; "acquisitions" means run(..., acquisitions=A) is honoured

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, op, fields=None, tensors=(), deadline_ms=None):
        """Sends one request without waiting; returns its id."""
        request_id = next(self._ids)
        meta = {"op": op, **(fields or {})}
        if deadline_ms is not None:
            meta["deadlineMs"] = int(deadline_ms)
        payload = b""
        if tensors:
            meta["tensors"], payload = pack_tensors(tensors)
        self.sock.sendall(encode_frame(REQUEST, request_id, meta, payload))
        return request_id

    def cancel(self, request_id):
        """Asks pnnd to drop a queued request; it then replies `cancelled` (a running one completes)."""
        self.sock.sendall(encode_frame(CANCEL, request_id))

    def wait(self, request_id):
        """(metadata, tensors) of the reply to `request_id`; raises PNNError for an error reply."""
        while request_id not in self._replies:
            self._read_frame()
        meta, payload = self._replies.pop(request_id)
        if not meta.get("ok"):
            error = meta.get("error") or {"code": "internal", "message": "error reply without an error"}
            raise PNNError(error["code"], error["message"])
        return meta, unpack_tensors(meta.get("tensors"), payload)

    def call(self, op, fields=None, tensors=(), deadline_ms=None):
        return self.wait(self.send(op, fields, tensors, deadline_ms))

    def _read_frame(self):
        (length,) = PREFIX.unpack(self._read_exactly(PREFIX.size))
        kind, rid, meta, payload = decode_frame(self._read_exactly(length))
        meta = meta or {}
        if kind == EVENT:
            self.events.append(meta["event"])
        elif rid == 0 and not meta.get("ok", True):  # pnnd refused a frame and closes the connection
            self.close()
            raise PNNError(meta["error"]["code"], meta["error"]["message"])
        else:
            self._replies[rid] = (meta, payload)

    def _read_exactly(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            if not chunk:
                raise ConnectionError("pnnd closed the connection")
            buf += chunk
        return bytes(buf)

    # Operations (docs/protocol.md, "Operations").
    def hello(self, client="pnn_client.py"):
        reply = self.call("hello", {"versions": [VERSION], "client": client})[0]["hello"]
        self.capabilities = tuple(reply.get("capabilities", ()))
        return reply

    def list_devices(self):
        return self.call("listDevices")[0].get("devices", [])

    def describe(self, device):
        return self.call("describe", {"device": device})[0]["device"]

    def lease(self, device, idle_seconds=None):
        fields = {"device": device} if idle_seconds is None else {"device": device, "idleSeconds": idle_seconds}
        return self.call("lease", fields)[0]["lease"]

    def release(self, device):
        return self.call("release", {"device": device})[0]["released"]

    def run(self, device, x, theta=(), deadline_ms=None, acquisitions=1):
        """x [B×N], theta [P] -> (y [B×M], run info dict). acquisitions=A > 1: each row of y is the
        device's mean of A readings of its sample; needs a hello() that listed "acquisitions" (an
        older pnnd would ignore the field and measure once)."""
        fields = {"device": device}
        if acquisitions != 1:
            if "acquisitions" not in self.capabilities:
                raise ValueError("pnnd did not offer 'acquisitions' in hello(); call hello() first")
            fields["acquisitions"] = acquisitions
        meta, tensors = self.call("run", fields, [("x", x), ("theta", theta)], deadline_ms)
        return tensors["y"], meta["run"]

    def calibrate(self, device, samples, seed=None, deadline_ms=None):
        """-> (x [S×N], theta [S×P], y [S×M], calibration info dict)."""
        fields = {"device": device, "samples": samples, **({} if seed is None else {"seed": seed})}
        meta, t = self.call("calibrate", fields, deadline_ms=deadline_ms)
        return t["x"], t["theta"], t["y"], meta["calibration"]

    def status(self):
        return self.call("status")[0]["status"]

    def metrics(self):
        return self.call("metrics")[0].get("metrics", "")

    def subscribe(self):
        """Device events arrive in `self.events` (and are read while waiting for any reply)."""
        self.call("subscribe")

    def next_event(self):
        while not self.events:
            self._read_frame()
        return self.events.pop(0)


def connect(path=None, timeout=None):
    """Connects to `path`, else $PNN_SOCKET, else /run/pnn/pnnd.sock."""
    return Client(path, timeout)
