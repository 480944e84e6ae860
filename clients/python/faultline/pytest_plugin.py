"""pytest fixtures for Faultline: `pytest -p faultline.pytest_plugin`, or
`pytest_plugins = ["faultline.pytest_plugin"]` in a conftest.py.

- `faultline_up` (module scope): one `faultline up` per test module (more `up` arguments from the
  `faultline_args` fixture, which a module can override).
- `faultline` (each test): the same, with its server running and no toxics when the test starts, and
  every extra server stopped after it.
"""

from __future__ import annotations

import pytest

from . import Faultline


@pytest.fixture(scope="module")
def faultline_args() -> tuple:
    """More `faultline up` arguments; override in a module for a profile, node time, etc."""
    return ("--node-time", "50ms")


@pytest.fixture(scope="module")
def faultline_up(faultline_args):
    with Faultline.start(args=tuple(faultline_args)) as up:
        yield up


@pytest.fixture
def faultline(faultline_up: Faultline):
    up = faultline_up
    up.clear_toxics()
    if not up.is_running():
        up.start_server(up.server_port)
    yield up
    for server in up.list_servers():
        if server["port"] != up.server_port and server.get("running"):
            up.stop_server(server["port"])
