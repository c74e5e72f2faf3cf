"""``RawResponse``: the status, headers and bytes of one call, and the model parsed from them on demand."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError

from evaljobs._exceptions import ResponseValidationError

if TYPE_CHECKING:
    import httpx

__all__ = ["RawResponse"]

T = TypeVar("T")
_UNPARSED: Any = object()


class RawResponse(Generic[T]):
    """What came back for one call: ``status_code``, ``headers``, ``content`` (bytes), ``request_id``,
    ``retries_taken`` and ``elapsed`` (seconds, last attempt); ``parse()`` gives the operation's model."""

    __slots__ = (
        "_model",
        "_parsed",
        "content",
        "elapsed",
        "headers",
        "method",
        "reason",
        "request_id",
        "retries_taken",
        "status_code",
        "url",
    )

    def __init__(
        self,
        response: httpx.Response,
        model: type[T] | None,
        *,
        request_id_header: str | None,
        retries_taken: int,
        content: bytes | None = None,
    ) -> None:
        """``content``: the body read from ``response`` as a stream (default: the response's own)."""
        self.status_code = response.status_code
        self.reason = response.reason_phrase
        self.headers = response.headers
        self.content = response.content if content is None else content
        self.method = response.request.method
        self.url = str(response.request.url)
        self.elapsed = response.elapsed.total_seconds()
        self.request_id = response.headers.get(request_id_header) if request_id_header else None
        self.retries_taken = retries_taken
        self._model = model
        self._parsed: T = _UNPARSED

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] {self.method} {self.url}>"

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as a JSON value; ``ResponseValidationError`` when it is not JSON."""
        try:
            return json.loads(self.content)
        except (ValueError, RecursionError) as error:
            raise ResponseValidationError(
                f"{self.method} {self.url}: the body is not valid JSON ({error})", response=self
            ) from error

    def parse(self) -> T:
        """The body validated into the operation's model (cached); ``ResponseValidationError`` when it is not
        JSON, is cut short or does not match the model. None for an operation without a JSON body."""
        if self._parsed is not _UNPARSED:
            return self._parsed
        model = self._model
        if model is None:
            self._parsed = cast("T", None)
            return self._parsed
        content_type = self.headers.get("content-type", "")
        if content_type and "json" not in content_type:
            raise ResponseValidationError(
                f"{self.method} {self.url}: expected a JSON body, found {content_type[:80]!r}", response=self
            )
        try:
            self._parsed = cast("type[BaseModel]", model).model_validate_json(self.content)  # type: ignore[assignment]
        except ValidationError as error:
            raise ResponseValidationError(
                f"{self.method} {self.url}: the body does not match {model.__name__}: {_errors(error)}", response=self
            ) from error
        return self._parsed


def _errors(error: ValidationError, limit: int = 3) -> str:
    found = error.errors(include_url=False, include_input=False)
    parts = ["/".join(str(p) for p in item["loc"]) + f": {item['msg']}" for item in found[:limit]]
    more = f" (and {len(found) - limit} more)" if len(found) > limit else ""
    return "; ".join(parts) + more
