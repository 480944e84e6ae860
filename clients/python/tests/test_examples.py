"""The seed's three step-by-step examples: copy one to start a test of your own client."""

import time

from faultline import poll_until, track_event, wait_for_connection, wait_for_disconnection


def test_basic_reconnection_flow(faultline, make_client):
    # Step 1: the `faultline` fixture runs a server behind a proxy; the client uses the proxy.
    client = make_client()
    # Step 2: connect.
    client.connect()
    # Step 3: the server goes down (SIGTERM; the mock says goodbye with close code 1001).
    faultline.stop_server()
    wait_for_disconnection(client)
    # Step 4: a new server process on the same port.
    faultline.start_server(faultline.server_port)
    # Step 5: reconnect by hand, and check.
    client.reconnect()
    wait_for_connection(client)
    assert client.validate_connection()


def test_auto_reconnection_with_server_restart(faultline, make_client):
    client = make_client(auto_reconnect=True)
    client.connect()
    reconnected = track_event(client, "reconnected")  # subscribe before the crash
    faultline.restart_server(method="kill", delay_ms=500)
    reconnected.wait()
    assert client.validate_connection()


def test_multiple_server_restarts(faultline, make_client):
    client = make_client(auto_reconnect=True)
    client.connect()
    reconnected = track_event(client, "reconnected")
    for cycle in (1, 2, 3):
        started = time.monotonic()
        faultline.restart_server(method="kill", delay_ms=200)
        # Back by a reconnection made since this restart began.
        poll_until(lambda: client.is_connected() and any(at >= started for _, at in reconnected.events),
                   what=f"the client back after restart {cycle}")
    assert client.validate_connection()
