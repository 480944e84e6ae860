"""Drives Faultline's control API with the unmodified `toxiproxy-python` client from PyPI.

Environment: TOXIPROXY_HOST, TOXIPROXY_PORT (the API), ECHO_UPSTREAM (HOST:PORT of an echo server).
Prints one JSON object with the measurements; exits 1 with a message on the first failed check.
"""

import json
import os
import socket
import statistics
import sys
import time

from toxiproxy import Toxiproxy


def fail(message):
    print(json.dumps({"error": message}))
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def round_trip(sock):
    """Seconds for one byte to go through the proxy to the echo server and back."""
    start = time.monotonic()
    sock.sendall(b"*")
    echoed = sock.recv(1)
    check(echoed == b"*", "echo returned %r" % echoed)
    return time.monotonic() - start


def median_round_trip(sock, count=5):
    return statistics.median(round_trip(sock) for _ in range(count))


def refused(port):
    try:
        connect(port).close()
        return False
    except ConnectionRefusedError:
        return True


def main():
    server = Toxiproxy()
    server.update_api_consumer(os.environ["TOXIPROXY_HOST"], int(os.environ["TOXIPROXY_PORT"]))
    check(server.running(), "the API does not accept connections")
    check(b"faultline" in server.version(), "unexpected version %r" % server.version())

    proxy = server.create(upstream=os.environ["ECHO_UPSTREAM"], name="interop", listen="127.0.0.1:0")
    port = port_of(proxy.listen)
    check(port != 0, "listen port not resolved: %s" % proxy.listen)
    check("interop" in server.proxies(), "created proxy not listed")

    live = connect(port)
    baseline = median_round_trip(live)

    proxy.add_toxic(type="latency", attributes={"latency": 300})
    toxics = proxy.toxics()
    check(list(toxics) == ["latency_downstream"], "toxics after add: %r" % list(toxics))
    toxic = toxics["latency_downstream"]
    check(toxic.stream == "downstream" and toxic.toxicity == 1.0, "defaults: %r" % vars(toxic))
    check(toxic.attributes.get("latency") == 300, "attributes: %r" % toxic.attributes)
    latency_live = round_trip(live)
    fresh = connect(port)
    latency_fresh = round_trip(fresh)
    fresh.close()

    proxy.destroy_toxic("latency_downstream")
    check(proxy.toxics() == {}, "toxic not removed")
    after_removal = median_round_trip(live)

    proxy.disable()
    check(server.get_proxy("interop").enabled is False, "proxy still enabled")
    live.settimeout(5)
    check(live.recv(1) == b"", "open connection not closed by disable")
    live.close()
    disabled_refused = refused(port)
    proxy.enable()
    check(not refused(port), "proxy not listening after enable")

    proxy.add_toxic(type="bandwidth", stream="upstream", name="slow", attributes={"rate": 1})
    with proxy.down():
        check(refused(port), "proxy.down() did not refuse connections")
    server.reset()
    reset_cleared = proxy.toxics() == {} and server.get_proxy("interop").enabled is True
    after_reset = connect(port)
    after_reset_rtt = median_round_trip(after_reset)
    after_reset.close()

    server.populate([{"name": "populated", "upstream": os.environ["ECHO_UPSTREAM"], "listen": "127.0.0.1:0"}])
    check("populated" in server.proxies(), "populate did not create the proxy")
    server.destroy_all()
    check(server.proxies() == {}, "destroy_all left proxies")

    print(json.dumps({
        "baseline_rtt": baseline,
        "latency_rtt": min(latency_live, latency_fresh),
        "latency_live_rtt": latency_live,
        "latency_fresh_rtt": latency_fresh,
        "after_removal_rtt": after_removal,
        "after_reset_rtt": after_reset_rtt,
        "disabled_refused": disabled_refused,
        "reset_cleared": reset_cleared,
    }))


if __name__ == "__main__":
    main()
