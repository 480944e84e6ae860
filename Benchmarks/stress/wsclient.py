"""A minimal WebSocket client on raw sockets (standard library only), enough to open a mock session,
read its frames and leave in the ways real clients leave: a close handshake, a plain close, a reset."""
import base64
import os
import socket
import struct


def handshake(host, port, client_id, timeout=10.0):
    """Connects and upgrades to /ws?clientId=...; returns (socket, bytes already read past the headers)."""
    connection = socket.create_connection((host, port), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    connection.sendall((f"GET /ws?clientId={client_id} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        part = connection.recv(65536)
        if not part:
            raise ConnectionError(f"connection closed during the upgrade: {data[:200]!r}")
        data += part
    head, rest = data.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(f"upgrade refused: {head[:200]!r}")
    return connection, rest


def split_frame(buffer):
    """The first complete server frame of `buffer` as (opcode, payload, rest), or None if incomplete."""
    if len(buffer) < 2:
        return None
    opcode, length, offset = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
    if length == 126:
        if len(buffer) < 4:
            return None
        length, offset = struct.unpack("!H", buffer[2:4])[0], 4
    elif length == 127:
        if len(buffer) < 10:
            return None
        length, offset = struct.unpack("!Q", buffer[2:10])[0], 10
    if len(buffer) < offset + length:
        return None
    return opcode, buffer[offset:offset + length], buffer[offset + length:]


def read_frame(connection, buffer):
    """Reads until one whole frame is there; returns (opcode, payload, rest)."""
    while True:
        frame = split_frame(buffer)
        if frame:
            return frame
        part = connection.recv(65536)
        if not part:
            raise ConnectionError("connection closed before a whole frame")
        buffer += part


def masked_frame(opcode, payload):
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def close_cleanly(connection, buffer=b""):
    """Sends a close frame (1000) and waits for the server's close frame or the end of the stream."""
    connection.sendall(masked_frame(0x8, struct.pack("!H", 1000)))
    try:
        while True:
            opcode, _, buffer = read_frame(connection, buffer)
            if opcode == 0x8:
                break
    except (ConnectionError, OSError):
        pass
    connection.close()


def reset(connection):
    """Closes with a RST (SO_LINGER 0), as a crashed client's kernel would."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()
