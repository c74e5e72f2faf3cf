"""Python names for what a spec names: one sanitizer for class, field and package names.

A name from a spec becomes a valid, unique Python identifier here and nowhere else:

- NFKC first: Python folds identifiers with NFKC, so ``ﬁeld`` and ``field`` would be one attribute;
  every name is written in its folded form and compared in it;
- characters that cannot appear in an identifier become ``_`` (fields) or split words (classes);
  a name that cannot start an identifier (digit, ``_``, empty) gets a prefix;
- keywords and names the surroundings own (pydantic's ``BaseModel`` attributes for fields, the names a
  generated ``models.py`` imports for classes) get a suffix;
- the result is unique in its scope (classes case-insensitively: Windows and macOS fold case in file
  names, and ``Job``/``job`` twins confuse readers), with ``_1``/``1`` suffixes in spec order.

The original name is never lost: renamed fields keep it as their alias, so data round-trips.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

import pydantic

FIELD_PREFIX = "field"
CLASS_PREFIX = "Schema"
CLASS_SUFFIX = "Model"

# Public attributes of pydantic's BaseModel and of its metaclass (`mro`, `register`): a field with one
# of these names would shadow it. Names starting with `_` are renamed anyway (pydantic makes them private).
# And `kwargs`: pydantic's mypy plugin gives the __init__ of a model that keeps unknown fields a `**kwargs`,
# which a field of that name would clash with (mypy: "Name 'kwargs' already defined").
RESERVED_FIELDS = frozenset(
    {name for name in {*dir(pydantic.BaseModel), *dir(type(pydantic.BaseModel))} if not name.startswith("_")}
    | {"kwargs"}
)

# Names a generated models.py may import or define besides the models: the runtime's types, and what
# datamodel-code-generator imports from typing, pydantic and the standard library for our option set.
RESERVED_CLASSES = frozenset(
    {
        # evaljobs._types
        "DateTime",
        "LocalDateTime",
        "Model",
        "OpenEnum",
        # typing / collections.abc
        "Annotated",
        "Any",
        "ClassVar",
        "Dict",
        "FrozenSet",
        "Iterator",
        "List",
        "Literal",
        "Mapping",
        "Optional",
        "Sequence",
        "Set",
        "Tuple",
        "TypeAlias",
        "Union",
        # standard library value types
        "Decimal",
        "Enum",
        "IntEnum",
        "IPv4Address",
        "IPv4Network",
        "IPv6Address",
        "IPv6Network",
        "Path",
        "StrEnum",
        "UUID",
        # pydantic
        "AliasChoices",
        "AnyUrl",
        "AwareDatetime",
        "Base64Bytes",
        "Base64Str",
        "BaseModel",
        "ConfigDict",
        "EmailStr",
        "Field",
        "MISSING",
        "NaiveDatetime",
        "RootModel",
        "SecretStr",
        "StrictBool",
        "StrictBytes",
        "StrictFloat",
        "StrictInt",
        "StrictStr",
        "StringConstraints",
        "TypeAdapter",
        "MultipleOf",
    }
)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def is_safe_identifier(name: str) -> bool:
    """A valid identifier, not a keyword, written in the NFKC form Python reads it in."""
    return name.isidentifier() and not keyword.iskeyword(name) and nfkc(name) == name


def _continues(char: str) -> bool:
    return ("a" + char).isidentifier()


def _starts(char: str) -> bool:
    return char.isidentifier()


def field_name(original: object, reserved: Iterable[str] = ()) -> str:
    """The Python attribute for a property named ``original`` (not yet made unique)."""
    text = nfkc(str(original))
    name = "".join(char if _continues(char) else "_" for char in text)
    if not name:
        name = FIELD_PREFIX + "_"
    elif name.startswith("_"):
        name = FIELD_PREFIX + name
    elif not _starts(name[0]):
        name = f"{FIELD_PREFIX}_{name}"
    if keyword.iskeyword(name) or name in RESERVED_FIELDS or name in set(reserved):
        name += "_"
    return name if is_safe_identifier(name) else _ascii_field_name(text)


def _ascii_field_name(text: str) -> str:
    """The fallback when NFKC folding of the sanitized text is not stable (combining marks)."""
    name = "".join(char if char.isascii() and (char.isalnum() or char == "_") else f"_u{ord(char):x}_" for char in text)
    return f"{FIELD_PREFIX}_{name}"


def field_names(originals: Iterable[object]) -> dict[str, str]:
    """Unique Python attributes for the properties of one object, by original name.

    Names that are fine as they are keep themselves; the others take the next free ``_1``, ``_2``.
    """
    keys = [str(original) for original in originals]
    result: dict[str, str] = {}
    taken: set[str] = set()
    for key in keys:
        if field_name(key) == key:
            result[key] = key
            taken.add(key)
    for key in keys:
        if key not in result:
            result[key] = _free(field_name(key), taken, "_")
    return {key: result[key] for key in keys}


def class_name(original: object) -> str:
    """The Python class for a schema named ``original`` (not yet made unique): PascalCase words."""
    text = nfkc(str(original))
    words = "".join(char if _continues(char) and char != "_" else " " for char in text).split()
    name = "".join(word[:1].upper() + word[1:] for word in words)
    name = nfkc(name)  # upper-casing can leave a character NFKC folds (e.g. 'ǆ' -> 'ǅ')
    if not name:
        name = CLASS_PREFIX
    elif not _starts(name[0]):
        name = CLASS_PREFIX + name
    if keyword.iskeyword(name) or name in RESERVED_CLASSES:
        name += CLASS_SUFFIX
    if not is_safe_identifier(name):
        ascii_words = "".join(char if char.isascii() and char.isalnum() else " " for char in text).split()
        name = CLASS_PREFIX + "".join(word[:1].upper() + word[1:] for word in ascii_words)
    return name


def class_names(originals: Iterable[object], taken: Iterable[str] = ()) -> dict[str, str]:
    """Unique class names for named schemas, by original name: case-insensitively unique, and apart from
    ``taken``. Names that are already good class names keep themselves."""
    keys = [str(original) for original in originals]
    used = {name.casefold() for name in taken}
    result: dict[str, str] = {}
    for key in keys:
        if class_name(key) == key and key.casefold() not in used:
            result[key] = key
            used.add(key.casefold())
    for key in keys:
        if key not in result:
            result[key] = _free(class_name(key), used, "", fold=True)
    return {key: result[key] for key in keys}


def free_class_name(wanted: str, taken: set[str]) -> str:
    """``wanted`` made a good class name, with a number added when another name (any case) has it.
    Adds the result to ``taken`` (a set of casefolded names)."""
    return _free(class_name(wanted), taken, "", fold=True)


def _free(name: str, taken: set[str], separator: str, *, fold: bool = False) -> str:
    def key(candidate: str) -> str:
        return candidate.casefold() if fold else candidate

    candidate, number = name, 0
    while key(candidate) in taken:
        number += 1
        candidate = f"{name}{separator}{number}"
    taken.add(key(candidate))
    return candidate


def duplicates_after_folding(names: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of names that Python reads as the same identifier (the same name twice included)."""
    seen: dict[str, str] = {}
    pairs = []
    for name in names:
        folded = nfkc(name)
        if folded in seen:
            pairs.append((seen[folded], name))
        seen.setdefault(folded, name)
    return pairs


def pascal(text: str) -> str:
    """``job_status`` / ``job-status`` / ``jobStatus`` -> ``JobStatus``; keeps inner capitals (and letters
    of any script: ``été`` -> ``Été``)."""
    words = re.split(r"[\W_]+", text)
    return "".join(word[:1].upper() + word[1:] for word in words if word)
