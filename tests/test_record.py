"""The plain records of the command's common path (evaljobs._record) behave as the dataclasses they replaced:
equality by fields within a class, a hash for the frozen ones only, no assignment to a frozen one, a repr naming
the fields, pickling (what --jobs and Dask send) and replace."""

from __future__ import annotations

import pickle

import pytest

from evaljobs._inputs import Payload, Request, Unit
from evaljobs._output import Ending, Rendered
from evaljobs._record import replace
from evaljobs._report import Drift, Error, Report
from evaljobs._storage import Located


def test_frozen_records_compare_hash_and_refuse_assignment() -> None:
    error = Error("/a", "expected a string")
    assert error == Error("/a", "expected a string", None, None, None, None)
    assert error != Error("/a", "expected a string", side="response")
    assert hash(error) == hash(Error("/a", "expected a string"))
    assert error != Drift("/a", "unknown_field", "expected a string")  # other class, same values: unequal
    with pytest.raises(AttributeError):
        error.pointer = "/b"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        error.other = 1  # type: ignore[attr-defined]
    assert (
        repr(error)
        == "Error(pointer='/a', message='expected a string', side=None, kind=None, parameter=None, location=None)"
    )


def test_mutable_records_have_defaults_of_their_own_and_no_hash() -> None:
    first, second = Report("a", None), Report("a", None)
    assert first == second
    first.errors.append(Error("", "x"))
    assert second.errors == [] and first != second
    with pytest.raises(TypeError):
        hash(first)
    assert Rendered().pieces is not Rendered().pieces


@pytest.mark.parametrize(
    "record",
    [
        Error("/a", "m", "request", "invalid_parameter", "page", "query"),
        Drift("/b", "unknown_field", "m", "response"),
        Report("s", "api.Name", [Error("", "e")], [Drift("", "unknown_field", "d")], ("api", "op", 200), "GET /", "t"),
        Request("GET", "/v1/jobs", (("page", "1"),), b"{}", "application/json", None, "http://x/v1/jobs", ()),
        Payload("s", b"{}", ("GET", "/", 200), None, None, None, "application/json", "t"),
        Unit("f.jsonl", 0, 10, 1, 10, 2, "lines", ()),
        Ending(None, 1, {"a": 1}),
        Located("s3://b/k.jsonl.gz", size=3, key="s3://b/k.jsonl.gz", compression="gzip"),
    ],
)
def test_records_pickle_and_replace(record: object) -> None:
    again = pickle.loads(pickle.dumps(record))
    assert type(again) is type(record)
    assert again == record
    assert repr(again) == repr(record)
    assert replace(record) == record  # type: ignore[type-var]


def test_replace_changes_the_fields_named() -> None:
    drift = Drift("/b", "unknown_field", "m")
    assert replace(drift, side="response") == Drift("/b", "unknown_field", "m", "response")
    located = Located("x.gz", size=1, key="secret", compression="gzip", fs=object())
    assert "secret" not in repr(located) and "fs=" not in repr(located)
    assert located == Located("x.gz", size=1, key="secret", compression="gzip")  # fs is not compared
