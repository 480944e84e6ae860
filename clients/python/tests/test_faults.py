"""The network side through the helper: toxics and profiles on the proxy in front of the server."""

import time
import urllib.request

import pytest

from faultline import FaultlineError, track_event, wait_for_event


def test_a_half_open_connection_is_noticed_only_with_a_silence_deadline(faultline, make_client):
    deaf = make_client(auto_reconnect=True)
    watchful = make_client(auto_reconnect=True, silence_timeout=1.5)
    deaf.connect()
    watchful.connect()
    deaf_lost = track_event(deaf, "disconnected")
    lost = track_event(watchful, "disconnected")
    faultline.add_toxic({"type": "half_open", "name": "silence", "stream": "downstream", "attributes": {}})
    lost.wait(1, timeout=10)
    assert not deaf_lost.did_fire(), "without a deadline the client never notices"
    assert deaf.is_connected()
    reconnected = track_event(watchful, "reconnected")
    faultline.remove_toxic("silence")
    reconnected.wait(1, timeout=15)
    assert watchful.validate_connection()


def test_a_profiles_latency_slows_every_answer(faultline, make_client):
    client = make_client()
    profile = "name: slow\ndescription: test\nfaults:\n  - type: latency\n    stream: downstream\n    latency: 400ms\n"
    assert faultline.load_profile(profile)["profile"] == "slow"
    started = time.monotonic()
    assert client.validate_connection(timeout=5)
    assert time.monotonic() - started >= 0.4
    faultline.clear_toxics()
    assert faultline.toxics() == []


def test_the_apis_refusals_are_errors_naming_the_problem(faultline):
    with pytest.raises(FaultlineError) as refused:
        faultline.kill_server(1)
    assert refused.value.status == 404
    with pytest.raises(FaultlineError, match="HTTP 400"):
        faultline.load_profile("faults: [\n")
    with pytest.raises(FaultlineError, match="HTTP 409"):
        faultline.start_server(faultline.server_port)


def test_several_servers_at_once_each_behind_its_own_proxy(faultline):
    second = faultline.start_server()
    assert second["port"] != faultline.server_port
    url = faultline.create_proxy("second", second["port"])
    try:
        ports = [server["port"] for server in faultline.list_servers()]
        assert second["port"] in ports and faultline.server_port in ports
        assert urllib.request.urlopen(url + "/system_stats", timeout=5).status == 200
        assert faultline.pause_server(second["port"])["paused"]
        with pytest.raises(OSError):
            urllib.request.urlopen(url + "/system_stats", timeout=0.5)
        faultline.resume_server(second["port"])
        assert urllib.request.urlopen(url + "/system_stats", timeout=5).status == 200
    finally:
        faultline.request("DELETE", "/proxies/second")
