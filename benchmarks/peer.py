"""Run the NegMAS peer in its own virtual environment, as a separate process.

NegMAS (AGPL) is never imported by negsim: this module only creates
``benchmarks/.peer-venv`` on demand (``python3 -m venv`` + ``pip install negmas==0.16.*``)
and talks to ``benchmarks/peer_negmas.py`` through JSON lines on stdin/stdout: `Peer`
keeps one process up for many requests (so NegMAS and negsim blocks can be interleaved),
`call_peer` sends a single request to a fresh process.

    from benchmarks.peer import Peer
    with Peer() as peer:
        peer.call({"task": "analysis", "spec": spec, "path": "numpy"})
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEER_VENV = HERE / ".peer-venv"
PEER_SCRIPT = HERE / "peer_negmas.py"
NEGMAS_REQUIREMENT = "negmas==0.16.*"
STAMP = PEER_VENV / ".negmas-installed"


class PeerError(RuntimeError):
    """The peer could not be created or answered with an error."""


def peer_python() -> Path:
    """The peer venv's interpreter."""
    if os.name == "nt":  # pragma: no cover
        return PEER_VENV / "Scripts" / "python.exe"
    return PEER_VENV / "bin" / "python"


def _clean_env() -> dict:
    """Environment for peer processes: nothing from the project's venv leaks in."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    return env


def _stamp_ok() -> bool:
    return peer_python().exists() and STAMP.exists()


def ensure_peer_venv(log=print) -> Path:
    """Create the peer venv and install NegMAS into it unless already done."""
    if _stamp_ok():
        return peer_python()
    base = shutil.which("python3") or sys.executable
    env = _clean_env()
    if not peer_python().exists():
        log(f"[peer] creating {PEER_VENV} with {base} -m venv")
        subprocess.run([base, "-m", "venv", str(PEER_VENV)], check=True, env=env)
    log(f"[peer] installing {NEGMAS_REQUIREMENT} into the peer venv (one-off)")
    proc = subprocess.run(
        [str(peer_python()), "-m", "pip", "install", "--quiet", NEGMAS_REQUIREMENT],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise PeerError(
            f"pip install {NEGMAS_REQUIREMENT} failed:\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        )
    version = call_peer({"task": "version"}, ensure=False)["negmas"]
    STAMP.write_text(version + "\n")
    log(f"[peer] negmas {version} ready")
    return peer_python()


class Peer:
    """One long-lived peer process answering JSON-line requests (see peer_negmas.py).

        with Peer() as peer:
            peer.call({"task": "version"})
    """

    def __init__(self, timeout: float | None = 3600, ensure: bool = True) -> None:
        """Start the peer process (creating its venv first when ``ensure``)."""
        if ensure:
            ensure_peer_venv()
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [str(peer_python()), "-I", str(PEER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # NegMAS chatter and tracebacks go straight to our stderr
            text=True,
            env=_clean_env(),
            cwd=str(HERE),
        )

    def call(self, request: dict) -> dict:
        """Send one request; return its answer.

        Raises:
            PeerError: the peer died or answered ``ok: false``.
        """
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError as exc:
            raise PeerError(f"peer exited (rc={self.proc.poll()})") from exc
        line = self.proc.stdout.readline()
        if not line:
            raise PeerError(
                f"peer task {request.get('task')!r} gave no answer (rc={self.proc.wait()})"
            )
        answer = json.loads(line)
        if not answer.get("ok"):
            raise PeerError(f"peer task {request.get('task')!r} failed: {answer.get('error')}")
        return answer

    def close(self) -> None:
        """Close stdin and wait for the process to exit."""
        if self.proc.poll() is None:
            with contextlib.suppress(Exception):
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Peer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def call_peer(request: dict, timeout: float | None = 3600, ensure: bool = True) -> dict:
    """Send one JSON request to a fresh peer process; return its JSON answer.

    Raises:
        PeerError: the peer exited non-zero, timed out or answered ``ok: false``.
    """
    if ensure:
        ensure_peer_venv()
    try:
        proc = subprocess.run(
            [str(peer_python()), "-I", str(PEER_SCRIPT)],
            input=json.dumps(request) + "\n",
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_clean_env(),
            cwd=str(HERE),
        )
    except subprocess.TimeoutExpired as exc:
        raise PeerError(f"peer task {request.get('task')!r} timed out after {timeout}s") from exc
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if not lines:
        raise PeerError(
            f"peer task {request.get('task')!r} gave no output (rc={proc.returncode}):\n"
            f"{proc.stderr[-4000:]}"
        )
    answer = json.loads(lines[-1])
    if not answer.get("ok"):
        raise PeerError(
            f"peer task {request.get('task')!r} failed: {answer.get('error')}\n"
            f"{proc.stderr[-4000:]}"
        )
    return answer


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(call_peer({"task": "version"})))
