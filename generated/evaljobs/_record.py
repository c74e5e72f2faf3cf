"""Plain records for the modules of the command's common path (a report and its findings, the inputs, the output
of a batch), instead of dataclasses: ``import dataclasses`` imports ``inspect`` (with ``ast``, ``dis`` and
``tokenize``), and each dataclass compiles its methods when it is defined, which cost ``evaljobs validate`` on
one small file about a sixth of its start-up.

A record's ``_fields`` name its fields, in the order of its ``__init__``'s parameters (which each record writes
out); its ``__slots__`` hold them (a subclass's, the fields it adds). ``Record`` gives what a dataclass gives:
a repr naming the fields, equality field by field with a record of the same class (a mutable record has no
hash), pickling (a record is sent to the worker processes of ``--jobs`` and to a Dask cluster) and
``replace``. ``FrozenRecord``'s fields cannot be assigned once it is made (its ``__init__`` sets them with
``object.__setattr__``, as a frozen dataclass's does), and it hashes by its fields.
"""

from __future__ import annotations

from typing import Any, TypeVar


class Record:  # noqa: PLW1641 - mutable: no hash (__eq__ alone sets __hash__ to None), as a dataclass
    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({fields})"

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return self._values() == other._values()
        return NotImplemented

    # (no __hash__: a class that defines __eq__ alone has none, as a mutable dataclass)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), self._values()


class FrozenRecord(Record):
    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(self._values())


_R = TypeVar("_R", bound=Record)  # (a class, not its name: a name is compiled, 1 ms of start-up)


def replace(record: _R, **changes: Any) -> _R:
    """A copy of ``record`` with the fields ``changes`` names changed (``dataclasses.replace``)."""
    values = dict(zip(record._fields, record._values(), strict=True))
    values.update(changes)
    return type(record)(**values)
