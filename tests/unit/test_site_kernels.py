"""il6mm.build.kernels: the kernels the build starts talk over IPC, so they print no TCP warning."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

# What the build does: the extension selects the provisioner, then myst-nb's executor runs nbclient.
SCRIPT = textwrap.dedent("""
    import json, nbformat, nbclient
    from il6mm.build.kernels import use_ipc_kernels
    use_ipc_kernels()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import json, os, ipykernel.connect\\n"
        "print(json.load(open(ipykernel.connect.get_connection_file()))['transport'])")])
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3")
    client.execute()
    print("transport:", nb.cells[0].outputs[0]["text"].strip())
""")


def test_book_kernels_run_over_ipc_without_the_tcp_warning(tmp_path):
    env_clean = {k: v for k, v in os.environ.items() if k != "JUPYTER_DEFAULT_PROVISIONER_NAME"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path, env=env_clean)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "transport: ipc" in result.stdout, result.stdout
    assert "Kernel is running over TCP" not in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []  # no socket files left in the working folder
