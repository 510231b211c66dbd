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


def test_manual_backprop_matches_autograd():
    """Gradients written by hand with in-place updates on intermediates (``dlogits[range(n),
    Yb] -= 1``, ``dlogits /= n``, ``dC[i] += ...``) equal those of ``loss.backward()``."""
    out = _run("manual_backprop.py")
    assert out.count("matches: True") == 10
    assert "every gradient by hand matches autograd's: True" in out
