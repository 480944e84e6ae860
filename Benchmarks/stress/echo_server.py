"""An echo server on one selector (standard library only), for tens of thousands of connections without
a thread each. Prints its port, then serves until standard input ends.

  echo_server.py [MAX_CONNECTIONS]
"""
import os
import selectors
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402


def main():
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    common.raise_descriptor_limit(wanted + 64)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    listener.setblocking(False)
    print(listener.getsockname()[1], flush=True)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, None)
    while not stop.is_set():
        for key, _ in selector.select(timeout=0.5):
            if key.data is None:
                while True:
                    try:
                        connection, _ = listener.accept()
                    except (BlockingIOError, OSError):
                        break
                    connection.setblocking(False)
                    selector.register(connection, selectors.EVENT_READ, b"")
                continue
            connection = key.fileobj
            try:
                data = connection.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionError:
                data = b""
            if not data:
                selector.unregister(connection)
                connection.close()
                continue
            try:
                # Small messages in these tests: a blocking send of what was read keeps it simple.
                connection.setblocking(True)
                connection.sendall(data)
                connection.setblocking(False)
            except OSError:
                selector.unregister(connection)
                connection.close()


if __name__ == "__main__":
    main()
