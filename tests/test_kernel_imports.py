"""What a case page's kernel has imported after its first screen (issue 13: start time, memory).

The app notebook's own cells run in a real IPython kernel, as Voilà runs them for a page with
?arende=ID (the query string in the kernel's environment). Heavy packages that only the analysis,
the register or the making of a document need must not be in the kernel then, nor after a visit
of the summary (which lists the documents but makes none). No timings: only which modules.
"""
import json
import os
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

from dumpning_kit.demo import create_demo_cases

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "arende.ipynb"
#: Not for the first screen: analysis and register (pandas, numpy, matplotlib), documents
#: (nbconvert, bleach, bs4), and Voilà's server side (jupyter_server, jsonschema), which
#: `voila.utils` drags along.
HEAVY = ("pandas", "numpy", "matplotlib", "nbconvert", "bleach", "bs4", "voila", "jupyter_server",
         "jupyterlab_server", "jsonschema")

REPORT = ("import sys, json\n"
          f"print('MODULES=' + json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))")


def run(kc, code: str) -> str:
    """Execute `code`, return its stdout; fail with the kernel's error text if it raised."""
    out, err = [], []
    msg_id = kc.execute(code)
    while True:
        msg = kc.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            out.append(content["text"])
        elif kind == "error":
            err.append("\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            break
    assert not err, err
    return "".join(out)


def env_case(kc) -> str:
    return run(kc, "import os; print(os.environ['QUERY_STRING'].split('=')[1])").strip()


def modules(kc) -> list[str]:
    line = next(x for x in run(kc, REPORT).splitlines() if x.startswith("MODULES="))
    return json.loads(line.removeprefix("MODULES="))


@pytest.fixture
def case_kernel(tmp_path):
    from dumpning_kit.store import Store
    store = Store()  # the data folder's database, as the kernel will open it
    ids = create_demo_cases(store, count=8)
    store.close()
    # what Voilà puts in the environment of a kernel it starts for /?arende=ID
    env = {**os.environ, "QUERY_STRING": f"arende={ids[-1]}", "VOILA_KERNEL_ID": "test", "VOILA_PREHEAT": "False"}
    km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(tmp_path))
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_case_page_kernel_stays_light_through_first_screen_and_summary(case_kernel):
    kc = case_kernel
    assert modules(kc) == []  # the kernel itself does not bring them
    for cell in nbformat.read(NOTEBOOK, as_version=4).cells:
        if cell.cell_type == "code":
            run(kc, cell.source)
    # the first screen is the wizard of the requested case
    shown = run(kc, "import gc\nfrom dumpning_kit.ui.wizard import CaseWizard\n"
                    "wiz = next(o for o in gc.get_objects() if isinstance(o, CaseWizard))\n"
                    "print('OPEN', wiz.case.id, app.main.children[0] is wiz.widget, repr(app.error.value))")
    assert shown.split("OPEN")[1].split() == [env_case(kc), "True", "''"]
    assert modules(kc) == []
    # the summary lists the case's documents (their builders run), without making one
    listed = run(kc, "wiz.go(len(wiz.step_ids) - 1)\nprint('ROWS', len(wiz._document_panel.rows))")
    assert int(listed.split("ROWS")[1]) >= 5
    assert modules(kc) == []
