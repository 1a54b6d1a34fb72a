#!/usr/bin/env python3
"""Set up and run Lianxin on a machine that has only Python 3.11.

    python3 dev.py demo    virtual environment, install, migrate, demo company, serve on :8000 with the job worker
    python3 dev.py test    virtual environment, install with test tools, run the whole test suite

Only the standard library is used here: this script creates the environment everything else needs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: str, env: dict | None = None) -> None:
    result = subprocess.run(args, cwd=ROOT, env={**os.environ, **(env or {})})
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv(extras: str) -> None:
    if sys.version_info[:2] < (3, 11):
        sys.exit("Lianxin needs Python 3.11 or newer.")
    if not PY.exists():
        say("creating the virtual environment in .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    marker = VENV / ".lianxin-installed"
    if marker.exists() and marker.read_text() == wanted:
        return
    say("installing Lianxin and its dependencies (first time takes a few minutes)")
    run(str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(str(PY), "-m", "pip", "install", "--quiet", "-e", f".{extras}")
    marker.write_text(wanted)


def ensure_chromium() -> None:
    """Browser tests drive Debian's Chromium; install it when we may, else stop with a clear message."""
    if CHROMIUM.exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Debian's chromium for the browser tests")
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=env)
        run("apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-cjk", env=env)
        return
    sys.exit(
        "The browser tests need Chromium at /usr/bin/chromium: run `sudo apt-get install chromium fonts-noto-cjk`."
    )


def manage(*args: str) -> None:
    run(str(PY), "manage.py", *args)


def demo(args: list[str]) -> None:
    ensure_venv("")
    manage("migrate", "--no-input", "-v", "0")
    manage("demo_company", "--if-empty")
    address = args[0] if args else "127.0.0.1:8000"
    # The job worker beside the web server: the deadline sweep (overdue, escalation, lapsed ratings).
    jobs = subprocess.Popen([str(PY), "manage.py", "run_huey", "--workers", "1"], cwd=ROOT)
    say(f"Lianxin is at http://{address}/  (Ctrl+C stops it)")
    try:
        manage("runserver", address, *args[1:])
    finally:
        jobs.terminate()
        jobs.wait(timeout=10)


def test(args: list[str]) -> None:
    ensure_venv("[test]")
    ensure_chromium()
    run(str(PY), "-m", "pytest", *args)


def main() -> None:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    os.chdir(ROOT)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
