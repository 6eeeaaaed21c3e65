"""The Binder-faithful environment for tests/test_binder.py: `python tests/binder_env.py` (make binder-env).

repo2docker builds a Python 3.11 image in three steps, all into one environment: its own locked Jupyter
stack (tests/binder-stack.txt lists the versions of its current lock), then our requirements.txt, then
postBuild with the repository as working directory and HOME. This script does the first two into
.binder-venv; the test runs postBuild in a copy of the repository. The venv is keyed by a hash of both
files and the Python version, so it is rebuilt only when one of them changes (a few minutes, from PyPI);
reusing it keeps the test to about a minute. An interrupted build leaves no key, so the next run starts over.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".binder-venv"
STACK = REPO / "tests" / "binder-stack.txt"
REQUIREMENTS = REPO / "requirements.txt"
KEY_FILE = VENV / ".key"
#: What this machine's pip configuration prints once per project missing from its local index folders: a line
#: about the machine, not the project, dropped so that the warnings left are real (the Makefile does the same).
MACHINE_PIP_NOISE = re.compile(r"^WARNING: Location 'file://[^']*' is ignored: it is neither a file nor a directory\.$")


def without_machine_noise(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not MACHINE_PIP_NOISE.match(line.rstrip("\n")))


def pip_install(*args: str) -> None:
    """pip install into .binder-venv; its error output is shown, less the machine's own notes."""
    command = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args]
    result = subprocess.run(command, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(without_machine_noise(result.stderr))
    if result.returncode:
        raise subprocess.CalledProcessError(result.returncode, command)


def expected_key() -> str:
    digest = hashlib.sha256()
    for path in (STACK, REQUIREMENTS):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"python{sys.version_info.major}.{sys.version_info.minor}".encode())
    return digest.hexdigest()


def is_current() -> bool:
    return KEY_FILE.is_file() and KEY_FILE.read_text().strip() == expected_key()


def build(python: str = sys.executable) -> None:
    if is_current():
        print(f"{VENV.name} is current ({expected_key()[:12]})")
        return
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(VENV)], check=True)
    pip_install("-r", str(STACK))         # repo2docker's own environment
    pip_install("-r", str(REQUIREMENTS))  # then ours, into the same env
    KEY_FILE.write_text(expected_key() + "\n")
    print(f"{VENV.name} built ({expected_key()[:12]})")


if __name__ == "__main__":
    build()
