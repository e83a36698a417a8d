"""The exceptions batchverify raises; `_native` imports these classes to raise them."""

from __future__ import annotations


class Error(Exception):
    """Base class of every error batchverify raises."""


class MalformedInputError(Error, ValueError):
    """An input item is malformed: the wrong length, not a valid point, a null, a bad count.

    ``index`` is the position of the item to blame (``None`` when the whole column is wrong)
    and ``field`` names the argument or field (``"public_key"``, ``"messages"``, ...).
    """

    def __init__(self, message: str, index: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.field = field

    def __reduce__(self) -> tuple[type[MalformedInputError], tuple[str, int | None, str | None]]:
        return (type(self), (str(self), self.index, self.field))


class IndexOutOfRangeError(MalformedInputError, IndexError):
    """A leaf index is not inside the tree."""


class UnsupportedError(Error, ValueError):
    """The operation is not defined for the chosen BLS scheme or Merkle flavor."""
