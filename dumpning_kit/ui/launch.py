"""Reading the page's query string in Voilà, also with preheated kernels."""
from __future__ import annotations

import os
from urllib.parse import parse_qs


def query_params() -> dict[str, str]:
    if "VOILA_KERNEL_ID" not in os.environ and "QUERY_STRING" not in os.environ:
        return {}  # JupyterLab or nbclient: no page request to wait for
    try:
        from voila.utils import get_query_string
        qs = get_query_string() or ""  # waits for the request when the kernel was preheated
    except Exception:
        qs = os.environ.get("QUERY_STRING", "")
    return {k: v[0] for k, v in parse_qs(qs).items()}


def requested_case() -> int | None:
    """?arende=12 opens case 12 directly (links from the team overview)."""
    value = query_params().get("arende", "")
    return int(value) if value.isdigit() else None
