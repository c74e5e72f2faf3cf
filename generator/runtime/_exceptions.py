"""The errors the generated clients raise, shared by every API package::

    EvaljobsError
    ├── APIStatusError                 a 4xx or 5xx response: .status_code, .body, .request_id, .response
    │   ├── BadRequestError              400
    │   ├── AuthError                    401 and 403
    │   │   ├── AuthenticationError        401
    │   │   └── PermissionDeniedError      403
    │   ├── NotFoundError                404
    │   ├── ConflictError                409
    │   ├── UnprocessableEntityError     422
    │   ├── RateLimitError               429 (.retry_after)
    │   └── ServerError                  5xx
    ├── APIConnectionError             no usable response: refused, reset, truncated body, too many redirects
    │   └── APITimeoutError              connect, read, write or pool timeout
    ├── ResponseValidationError        a 2xx body that is not JSON, is cut short or does not match the model
    ├── InvalidParameterError          refused before any request (also a ValueError): empty path parameter
    │   └── InvalidRequestError          a request body that breaks the spec (.problems, each with its pointer)
    └── WaitTimeoutError               ``wait()`` gave up before the job reached a terminal state (also a TimeoutError)

Every exception that leaves a client is one of these: transport errors, JSON errors and validation errors
are wrapped, with the original as ``__cause__``. No message or attribute holds the request's headers, so
the token never shows up in a traceback or a log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evaljobs._clients.jobs import JobProgress
    from evaljobs._clients.response import RawResponse
    from evaljobs._report import Error

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "EvaljobsError",
    "InvalidParameterError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "status_error",
]


class EvaljobsError(Exception):
    """The root of every error the generated clients raise."""


class APIStatusError(EvaljobsError):
    """The server answered with a 4xx or 5xx status.

    ``body`` is the error body parsed into the model the spec declares for that status, or the decoded JSON
    value when it does not match, or the text when it is not JSON (None when empty).
    """

    def __init__(self, message: str, *, response: RawResponse[Any], body: object) -> None:
        super().__init__(message)
        self.response = response
        self.body = body
        self.status_code = response.status_code
        self.request_id = response.request_id


class BadRequestError(APIStatusError):
    """400: the server refused the request as malformed."""


class AuthError(APIStatusError):
    """401 or 403: missing, wrong or insufficient credentials."""


class AuthenticationError(AuthError):
    """401: no token, or a token the server does not accept."""


class PermissionDeniedError(AuthError):
    """403: the token is valid but may not do this."""


class NotFoundError(APIStatusError):
    """404: no such resource (for example an unknown job id)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's state."""


class UnprocessableEntityError(APIStatusError):
    """422: the server could not validate the request's parameters."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is the wait the server asked for, in seconds, if it said."""

    def __init__(self, message: str, *, response: RawResponse[Any], body: object) -> None:
        super().__init__(message, response=response, body=body)
        from evaljobs._clients.retry import retry_after  # noqa: PLC0415 - keeps this module free of imports at load

        self.retry_after = retry_after(response.headers)


class ServerError(APIStatusError):
    """5xx: the server failed."""


class APIConnectionError(EvaljobsError):
    """No usable response arrived: the connection failed, broke off or the body was cut short."""


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or waiting for a pooled connection)."""


class ResponseValidationError(EvaljobsError):
    """A 2xx response whose body is not JSON, is cut short, or does not match the operation's model."""

    def __init__(self, message: str, *, response: RawResponse[Any]) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code


class InvalidParameterError(EvaljobsError, ValueError):
    """An argument the client refuses before sending anything (an empty or dot-segment path parameter)."""


class InvalidRequestError(InvalidParameterError):
    """A request body that breaks the operation's request schema, refused before sending (``validate_request=False``
    on the call sends it anyway). ``problems`` lists each error with its JSON pointer into the body."""

    def __init__(self, message: str, *, schema: str, problems: list[Error]) -> None:
        super().__init__(message)
        self.schema = schema
        self.problems = problems


class WaitTimeoutError(EvaljobsError, TimeoutError):
    """``wait()`` ran out of time; ``last`` is the last progress seen (None if no poll answered)."""

    def __init__(self, message: str, *, last: JobProgress[Any] | None) -> None:
        super().__init__(message)
        self.last = last


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error(response: RawResponse[Any], body: object) -> APIStatusError:
    """The exception for a 4xx/5xx response: the class of its status, with a one-line message."""
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIStatusError)
    message = f"{status} {response.reason}: {response.method} {response.url}"
    detail = _summary(body)
    return cls(f"{message}: {detail}" if detail else message, response=response, body=body)


def _summary(body: object, limit: int = 300) -> str:
    if body is None or body == "":
        return ""
    dump = getattr(body, "model_dump", None)
    value = dump(mode="json", by_alias=True, exclude_unset=True) if callable(dump) else body
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
