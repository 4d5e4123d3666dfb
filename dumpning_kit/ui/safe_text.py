"""Text widgets that survive a broken paste (issue 12).

Chromium can hold half an emoji (a lone UTF-16 surrogate) in a text field. The kernel
receives it, but ipywidgets first echoes the value back, that echo cannot be encoded as
UTF-8, and the whole update is dropped: the field keeps its old value on the server and
"Spara" says "Inga ändringar att spara" although the caseworker typed something. These
widgets replace each lone surrogate with U+FFFD (shown as "�") before anything else, so
the update arrives, the caseworker sees where the broken character is, and saving gives
case.clean_value's Swedish "trasigt tecken" message.
"""
from __future__ import annotations

import re

import ipywidgets as w

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def repair_surrogates(value):
    """A lone surrogate becomes U+FFFD; anything else is returned unchanged."""
    return _LONE_SURROGATE.sub(REPLACEMENT, value) if isinstance(value, str) else value


class _RepairsBrokenText:
    def set_state(self, sync_data):
        if isinstance(sync_data.get("value"), str):
            sync_data = {**sync_data, "value": repair_surrogates(sync_data["value"])}
        super().set_state(sync_data)


class SafeText(_RepairsBrokenText, w.Text):
    pass


class SafeTextarea(_RepairsBrokenText, w.Textarea):
    pass


class SafeCombobox(_RepairsBrokenText, w.Combobox):
    pass
