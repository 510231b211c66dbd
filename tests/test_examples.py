"""The examples run and say what they promise (those that need no download)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(name: str) -> str:
    return subprocess.run([sys.executable, str(ROOT / "examples" / name)], capture_output=True,
                          text=True, check=True, timeout=120).stdout


def test_quickstart():
    out = _run("quickstart.py")
    assert "logsumexp gradient correct: True" in out


def test_notes_window_scorer():
    out = _run("notes_window_scorer.py")
    assert "matches the notes' closed form: True" in out
    assert out.count("outscore corrupted ones 100.0%") == 2
