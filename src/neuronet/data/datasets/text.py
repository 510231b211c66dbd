"""Text corpora for character-level language models: the English first names published in the
``mimesis==22.2.0`` wheel (MIT licence), and any UTF-8 text file of your own.

The wheel is fetched once into the cache with pip (``pip download --no-deps``), verified by its
SHA-256 and read straight from the zip: the package is never installed or imported, and its
data is never copied into the repository.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from ..cache import DataUnavailableError, data_root, fetch_wheel
from ..formats import DataFormatError

NAMES_WHEEL = (
    "mimesis",
    "22.2.0",
    "mimesis-22.2.0-py3-none-any.whl",
    "037011eb3d5edf0b0b5d9eafd74d9881f6dce25b4f01032da0e13fb2a56f37e9",
)
#: The member of the wheel that holds the names (a JSON object with ``names.female``,
#: ``names.male``).
NAMES_MEMBER = "mimesis/datasets/en/person.json"


def FirstNames(root=None, download: bool = True) -> list[str]:  # noqa: N802
    """The English first names of the mimesis wheel (female and male, each once, sorted:
    3,323 names of letters A-Z, a-z)."""
    folder = data_root(root) / "names"
    if not download and not (folder / NAMES_WHEEL[2]).is_file():
        raise DataUnavailableError(f"names: no {folder / NAMES_WHEEL[2]} and download=False")
    wheel = fetch_wheel(folder, *NAMES_WHEEL)
    try:
        with zipfile.ZipFile(wheel) as z:
            people = json.loads(z.read(NAMES_MEMBER).decode("utf-8"))
        names = people["names"]["female"] + people["names"]["male"]
    except (zipfile.BadZipFile, KeyError, TypeError, ValueError) as err:
        raise DataFormatError(f"{wheel}: no list of names in {NAMES_MEMBER} ({err})") from None
    if not all(isinstance(n, str) and n for n in names):
        raise DataFormatError(f"{wheel}: {NAMES_MEMBER} holds names that are not text")
    return sorted(set(names))


def read_text_lines(path: str | Path) -> list[str]:
    """The non-blank lines of the UTF-8 text file ``path`` (line ends removed). A missing
    file is a ``FileNotFoundError``; a file that is not UTF-8 a ``DataFormatError``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DataFormatError(f"{path}: not UTF-8 text (byte {err.start})") from None
    return [line for line in text.splitlines() if line.strip()]
