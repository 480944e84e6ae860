# The helper module and the example client are imported from this repository (no install step).
import sys
from pathlib import Path

import pytest

root = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(root), str(root / "examples")]

pytest_plugins = ["faultline.pytest_plugin"]

from mini_comfy_client import MiniComfyClient  # noqa: E402


@pytest.fixture
def make_client(faultline):
    """Clients of the proxy, destroyed when the test ends."""
    clients = []

    def make(**options):
        client = MiniComfyClient(faultline.proxy_url, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.destroy()
