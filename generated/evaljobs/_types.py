"""Value types shared by every generated API package.

- ``Model``: the base of every generated model. Unknown fields are kept (tolerant reader) and
  written back on dump, so a round trip loses nothing.
- ``OpenEnum``: the base of every generated enum. A value the spec does not list still parses,
  into a member that knows it is not one of the documented values (``is_known`` is False).
- ``DateTime`` / ``LocalDateTime``: ``datetime`` objects that remember the exact text they were
  read from and write it back unchanged (offset spelling, fraction digits, naive timestamps).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from evaljobs._datetimes import EXPECTED, LOCAL_EXPECTED, parse, problem

__all__ = ["DateTime", "LocalDateTime", "Model", "OpenEnum"]


class Model(BaseModel):
    """Base of the generated models: keeps unknown fields, builds its validator on first use."""

    model_config = ConfigDict(extra="allow", protected_namespaces=(), defer_build=True)


class OpenEnum(StrEnum):
    """A string enum that also accepts values the spec does not list.

    ``Status("brand_new")`` returns a pseudo-member whose ``value`` is the text received and whose
    ``is_known`` is False, so the payload parses and dumps back unchanged while drift stays visible.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """Whether this value is one of the values the spec lists."""
        return self._value_ in type(self)._value2member_map_


class DateTime(datetime):
    """An RFC 3339 date-time (offset required) that keeps the exact text it was read from.

    It is a real ``datetime`` (fractions beyond microseconds are truncated there); ``str()`` and
    JSON serialization give back the original text.
    """

    __slots__ = ("_text",)
    _text: str
    offset_required: ClassVar[bool] = True
    _expected: ClassVar[str] = EXPECTED

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read ``text``; raise ``ValueError`` with a readable reason when it is not a date-time."""
        value = parse(text, cls.offset_required, cls._expected, cls)
        value._text = text
        return value

    @property
    def text(self) -> str:
        """The exact text this value was read from (ISO format for a value made by arithmetic)."""
        try:
            return self._text
        except AttributeError:  # datetime arithmetic and replace() build instances without text
            return self.isoformat()

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r})"

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        return (type(self).parse, (self.text,))

    @classmethod
    def _validate(cls, value: object) -> Self:
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls.parse(value)
            except ValueError:
                pass
        kind, expected = problem(value, cls.offset_required, cls._expected) or ("datetime_format", cls._expected)
        raise PydanticCustomError(kind, "expected {expected}", {"expected": expected})

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, return_schema=core_schema.str_schema(), when_used="json"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "date-time"}


class LocalDateTime(DateTime):
    """A date-time whose UTC offset may be missing (a naive timestamp), as NeMo sends them."""

    __slots__ = ()
    offset_required: ClassVar[bool] = False
    _expected: ClassVar[str] = LOCAL_EXPECTED
