"""One problem found in an input file, printed as ``FILE:LINE: message``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int  # 1-based; 0 when no single line is to blame
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class Refused(Exception):
    """What the owner asked for cannot be done; the message says why, for the owner.

    The command line prints it and exits 1, whichever command it comes from."""
