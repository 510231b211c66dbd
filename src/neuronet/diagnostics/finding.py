"""What a diagnostic check reports: one ``Finding`` per problem and layer."""

from __future__ import annotations

import textwrap
from dataclasses import asdict, dataclass
from typing import Any

#: The severities, mildest first: ``info`` (worth knowing, training is fine), ``warning``
#: (training is likely hurt) and ``error`` (training cannot work as it is).
SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class Finding:
    """A problem a check measured.

    ``code`` names the check (see the table in ``neuronet.diagnostics``), ``layer`` the module's
    qualified name in the model (``''``: the model as a whole, for findings about the loss or
    all parameters), ``severity`` one of ``SEVERITIES``, ``value`` the measured number and
    ``threshold`` the limit it crossed, ``message`` what is wrong and the fix (one or two
    sentences) and ``why`` the one-paragraph explanation.
    """

    code: str
    layer: str
    severity: str
    value: float
    threshold: float
    message: str
    why: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"severity: expected one of {', '.join(SEVERITIES)}, got {self.severity!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Finding:
        return cls(**{k: values[k] for k in cls.__dataclass_fields__})

    @property
    def where(self) -> str:
        """The layer as printed: its qualified name, or 'model' for the model as a whole."""
        return self.layer or "model"

    def format(self, teach: bool = False, width: int = 88) -> str:
        """``severity [code] layer: message`` and, with ``teach``, the ``why`` paragraph
        indented below it."""
        head = f"{self.severity} [{self.code}] {self.where}: {self.message}"
        if not teach:
            return head
        why = textwrap.fill(self.why, width, initial_indent="    ", subsequent_indent="    ")
        return f"{head}\n{why}"


def at_least(severity: str, level: str) -> bool:
    """Whether ``severity`` is ``level`` or worse."""
    return SEVERITIES.index(severity) >= SEVERITIES.index(level)
