"""The seed's ten reconnection tests, against a real `faultline mock` behind the proxy, with the small
client in examples/ as the client under test."""

import time

import pytest

from faultline import poll_until, track_event, wait_for_connection, wait_for_disconnection
from mini_comfy_client import text_to_image


def back_since(client, reconnected, instant, cycle):
    """Waits until the client is connected again by a reconnection made since `instant`. (A server
    that is shutting down may still take a connection and close it, so reconnections are not one
    per restart.)"""
    poll_until(lambda: client.is_connected() and any(at >= instant for _, at in reconnected.events),
               what=f"the client back after restart {cycle}")


class TestManualReconnection:
    def test_successfully_reconnects_after_server_restart(self, faultline, make_client):
        client = make_client()
        client.connect()
        faultline.stop_server()
        wait_for_disconnection(client)
        faultline.start_server(faultline.server_port)
        client.reconnect()
        wait_for_connection(client)
        assert client.validate_connection()

    def test_handles_multiple_reconnection_attempts(self, faultline, make_client):
        client = make_client(connect_timeout=1.0)
        client.connect()
        faultline.kill_server()
        wait_for_disconnection(client)
        for _ in range(2):  # no server: each attempt fails
            with pytest.raises(Exception):
                client.reconnect()
        faultline.start_server(faultline.server_port)
        client.reconnect()
        assert client.is_connected()


class TestAutomaticReconnection:
    def test_automatically_reconnects_when_auto_reconnect_is_enabled(self, faultline, make_client):
        client = make_client(auto_reconnect=True)
        client.connect()
        disconnected = track_event(client, "disconnected")
        faultline.restart_server(delay_ms=300)
        disconnected.wait()
        wait_for_connection(client)
        assert client.validate_connection()

    def test_emits_reconnected_event_on_successful_auto_reconnection(self, faultline, make_client):
        client = make_client(auto_reconnect=True)
        client.connect()
        reconnected = track_event(client, "reconnected")
        faultline.restart_server(method="kill")
        reconnected.wait()
        assert reconnected.count() == 1


class TestConnectionStateTransitions:
    def test_tracks_connection_state_through_server_lifecycle(self, faultline, make_client):
        client = make_client(auto_reconnect=True)
        states = track_event(client, "state")
        client.connect()
        faultline.stop_server()
        poll_until(lambda: any(value == "reconnecting" for value, _ in states.events), what="reconnecting")
        faultline.start_server(faultline.server_port)
        wait_for_connection(client)
        sequence = [value for value, _ in states.events]
        expected = ["connecting", "connected", "disconnected", "reconnecting", "connected"]
        seen = 0
        for state in sequence:
            if seen < len(expected) and state == expected[seen]:
                seen += 1
        assert seen == len(expected), f"states in order: {' → '.join(sequence)}"


class TestConnectionValidation:
    def test_validate_connection_returns_true_when_server_is_up(self, make_client):
        client = make_client()
        client.connect()
        assert client.validate_connection()

    def test_validate_connection_returns_false_when_server_is_down(self, faultline, make_client):
        client = make_client()
        client.connect()
        faultline.kill_server()
        assert not client.validate_connection()


class TestReconnectionFailureHandling:
    def test_invokes_on_reconnection_failed_callback(self, faultline, make_client):
        failures = []
        client = make_client(auto_reconnect=True, max_attempts=3, initial_delay=0.05, connect_timeout=1.0,
                             on_reconnection_failed=lambda: failures.append(1))
        client.connect()
        attempts = track_event(client, "reconnecting")
        faultline.kill_server()
        poll_until(lambda: failures, what="on_reconnection_failed")
        assert len(failures) == 1
        assert attempts.count() == 3
        assert client.state == "failed"


class TestMultipleServerRestarts:
    def test_handles_multiple_server_restarts_gracefully(self, faultline, make_client):
        client = make_client(auto_reconnect=True)
        client.connect()
        reconnected = track_event(client, "reconnected")
        for cycle in (1, 2, 3):
            before = faultline.get_server()["pid"]
            started = time.monotonic()
            after = faultline.restart_server(method="kill" if cycle == 2 else "terminate")
            assert after["pid"] != before, "a new process each time"
            back_since(client, reconnected, started, cycle)
        assert client.validate_connection()


class TestWebSocketMessageHandling:
    def test_receives_messages_correctly_after_reconnection(self, faultline, make_client):
        client = make_client(auto_reconnect=True)
        client.connect()
        reconnected = track_event(client, "reconnected")
        status = track_event(client, "status")
        faultline.restart_server(method="kill")
        reconnected.wait()
        status.wait()
        executing = track_event(client, "executing")
        prompt_id = client.queue_prompt(text_to_image())
        history = client.wait_for_prompt(prompt_id)
        assert history["outputs"]["9"]["images"], "the saved image is in the history"
        assert any(value and value.get("node") == "3" for value, _ in executing.events)
