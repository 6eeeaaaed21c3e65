"""Kernels the book starts to execute its chapters talk to it over IPC (Unix sockets), not TCP.

ipykernel warns "Kernel is running over TCP without encryption" when its connection file says tcp; the
manager that writes that file is created inside myst-nb's executor with no configuration we can pass.
jupyter_client picks the *provisioner* that launches a kernel from the kernelspec or, when the kernelspec
names none, from ``JUPYTER_DEFAULT_PROVISIONER_NAME``; the book's Sphinx extension sets that to this
provisioner (registered as the ``il6mm-ipc-provisioner`` entry point in code/pyproject.toml), which is
jupyter_client's local provisioner with the manager switched to the ipc transport. Sockets live in the
Jupyter runtime folder (private to the user); jupyter_client removes them when the kernel shuts down.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from jupyter_core.paths import jupyter_runtime_dir

from .inputs import PAGE_ENV

#: Entry-point name (code/pyproject.toml) and the environment variable jupyter_client reads.
PROVISIONER_NAME = "il6mm-ipc-provisioner"
DEFAULT_PROVISIONER_ENV = "JUPYTER_DEFAULT_PROVISIONER_NAME"


#: Run in every kernel the book starts, before any cell: record what the page reads (il6mm.build.inputs).
TRACK_INPUTS = "import il6mm.build.inputs as _il6mm_inputs; _il6mm_inputs.track_kernel(); del _il6mm_inputs"


class IPCProvisioner(LocalProvisioner):  # type: ignore[misc]
    """jupyter_client's local provisioner, with the kernel's sockets on the ipc transport, and the kernel
    recording the inputs of the page it runs (only while the book's build says which page that is)."""

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        if os.environ.get(PAGE_ENV):
            kwargs["extra_arguments"] = [*kwargs.get("extra_arguments", []),
                                         f"--IPKernelApp.exec_lines={TRACK_INPUTS!r}"]
        km = self.parent
        if km is not None and km.transport != "ipc":
            runtime = Path(jupyter_runtime_dir())
            runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
            km.transport = "ipc"
            km.cache_ports = False  # port caching reserves TCP ports
            km.ip = str(runtime / f"kernel-{km.kernel_id or uuid.uuid4()}-ipc")
        return await super().pre_launch(**kwargs)


def use_ipc_kernels() -> None:
    """Make kernels this process starts use ``IPCProvisioner`` (unless the user chose a provisioner)."""
    os.environ.setdefault(DEFAULT_PROVISIONER_ENV, PROVISIONER_NAME)
