"""Iterating over every item of a paginated list operation, page after page (``x-evaljobs-pagination``).

Two styles, declared per operation in the spec:

- ``cursor``: the next request sends the previous page's ``next_field`` as ``cursor_param``; the walk
  ends when that value is empty (or repeats, which would loop forever).
- ``page``: the next request asks for ``page_param`` + 1; the walk ends on a page without items or, when
  the body says how many pages there are (``total_pages_field``), after the last one.

``Pager`` and ``AsyncPager`` iterate over the items; ``pages()`` over the page models.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from evaljobs._clients.jobs import dig

if TYPE_CHECKING:
    from evaljobs._clients.http import AsyncBaseClient, Endpoint, SyncBaseClient, TimeoutTypes
    from evaljobs._clients.response import RawResponse

__all__ = ["AsyncPager", "Pager", "Pagination"]

Item = TypeVar("Item")
Page = TypeVar("Page")


@dataclass(frozen=True)
class Pagination:
    """How an operation pages (rendered from its ``x-evaljobs-pagination``)."""

    style: Literal["cursor", "page"]
    items_field: str
    cursor_param: str = ""
    next_field: str = ""
    page_param: str = ""
    size_param: str = ""
    total_pages_field: str = ""
    # the models' attribute for each step of items_field ("": a key the models keep among their extra fields)
    items_attrs: tuple[str, ...] = ()

    def next_query(self, query: Mapping[str, object], body: Any) -> dict[str, object] | None:
        """The query of the page after the one ``query`` fetched (whose JSON body is ``body``), or None."""
        if self.style == "cursor":
            cursor = dig(body, self.next_field)
            if not cursor or cursor == query.get(self.cursor_param):
                return None
            return {**query, self.cursor_param: cursor}
        if not dig(body, self.items_field):
            return None
        current = query.get(self.page_param)
        number = current if isinstance(current, int) and not isinstance(current, bool) else 1
        total = dig(body, self.total_pages_field) if self.total_pages_field else None
        if isinstance(total, int) and not isinstance(total, bool) and number >= total:
            return None
        return {**query, self.page_param: number + 1}


def _items(page: object, pagination: Pagination) -> list[Any]:
    """The items of a parsed page: the field at ``items_field`` (JSON names; in a model, the attributes the
    generator found for them)."""
    value: Any = page
    keys = pagination.items_field.split(".")
    attributes = pagination.items_attrs or ("",) * len(keys)
    for key, attribute in zip(keys, attributes, strict=False):
        value = _field(value, key, attribute)
    return value if isinstance(value, list) else []


def _field(value: object, key: str, attribute: str) -> object:
    if isinstance(value, BaseModel):
        if attribute and hasattr(value, attribute):
            return getattr(value, attribute)
        return (value.model_extra or {}).get(key)
    return value.get(key) if isinstance(value, Mapping) else None


class _Walk(Generic[Page]):
    """The arguments of one paginated call, and what a page yields."""

    def __init__(
        self,
        endpoint: Endpoint[Page],
        pagination: Pagination,
        arguments: Sequence[object],
        query: Mapping[str, object],
        options: tuple[TimeoutTypes | None, int | None],
    ) -> None:
        self.endpoint = endpoint
        self.pagination = pagination
        self.arguments = tuple(arguments)
        self.query = {key: value for key, value in query.items() if value is not None}
        self.timeout, self.max_retries = options

    def step(self, query: dict[str, object], raw: RawResponse[Page]) -> tuple[Page, dict[str, object] | None]:
        return raw.parse(), self.pagination.next_query(query, raw.json())


class Pager(Generic[Item, Page]):
    """Every item of a paginated list, fetched page by page as the iteration goes (``for item in pager``);
    ``pages()`` yields the page models instead. Each iteration starts again from the first page."""

    def __init__(
        self,
        client: SyncBaseClient,
        endpoint: Endpoint[Page],
        pagination: Pagination,
        arguments: Sequence[object],
        query: Mapping[str, object],
        *,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
    ) -> None:
        self._client = client
        self._walk = _Walk(endpoint, pagination, arguments, query, (timeout, max_retries))

    def pages(self) -> Iterator[Page]:
        walk = self._walk
        query: dict[str, object] | None = dict(walk.query)
        while query is not None:
            raw = self._client._call_raw(walk.endpoint, walk.arguments, query, walk.timeout, walk.max_retries)
            page, query = walk.step(query, raw)
            yield page

    def __iter__(self) -> Iterator[Item]:
        for page in self.pages():
            yield from _items(page, self._walk.pagination)


class AsyncPager(Generic[Item, Page]):
    """The async ``Pager``: ``async for item in pager``; ``pages()`` is an async iterator of page models."""

    def __init__(
        self,
        client: AsyncBaseClient,
        endpoint: Endpoint[Page],
        pagination: Pagination,
        arguments: Sequence[object],
        query: Mapping[str, object],
        *,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
    ) -> None:
        self._client = client
        self._walk = _Walk(endpoint, pagination, arguments, query, (timeout, max_retries))

    async def pages(self) -> AsyncIterator[Page]:
        walk = self._walk
        query: dict[str, object] | None = dict(walk.query)
        while query is not None:
            raw = await self._client._call_raw(walk.endpoint, walk.arguments, query, walk.timeout, walk.max_retries)
            page, query = walk.step(query, raw)
            yield page

    async def __aiter__(self) -> AsyncIterator[Item]:
        async for page in self.pages():
            for item in _items(page, self._walk.pagination):
                yield item
