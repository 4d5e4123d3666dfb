"""Reading the page's query string in Voilà, also with preheated kernels.

Without importing Voilà: ``voila.utils`` pulls in jupyter_server, jupyterlab_server and
jsonschema (2-3 s and some 50 MiB in every kernel, issue 13). A kernel Voilà started for a page
has the query string in its environment; a preheated one asks the server's request-info socket
for it, exactly as ``voila.utils.wait_for_request`` does, with the small ``websockets`` client.
"""
from __future__ import annotations

import json
import os
from urllib.parse import parse_qs


def _wait_for_request() -> None:
    """In a preheated kernel: wait until the page request has come, then put its request info
    (QUERY_STRING and friends) into the environment, as Voilà's own helper does."""
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return
    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    ip = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    url = f"{protocol}://{ip}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID', '')}"
    from websockets.sync.client import connect
    with connect(url, open_timeout=5, max_size=None) as ws:
        info = ws.recv()
    for k, v in json.loads(info).items():
        os.environ[k] = v


def query_params() -> dict[str, str]:
    if "VOILA_KERNEL_ID" not in os.environ and "QUERY_STRING" not in os.environ:
        return {}  # JupyterLab or nbclient: no page request to wait for
    try:
        _wait_for_request()  # returns at once unless the kernel was preheated
    except Exception:
        try:  # Voilà's own helper as a fallback (slow to import, but it knows its server)
            from voila.utils import wait_for_request
            wait_for_request()
        except Exception:
            pass
    qs = os.environ.get("QUERY_STRING", "")
    return {k: v[0] for k, v in parse_qs(qs).items()}


def requested_case() -> int | None:
    """?arende=12 opens case 12 directly (links from the team overview)."""
    value = query_params().get("arende", "")
    return int(value) if value.isdigit() else None
