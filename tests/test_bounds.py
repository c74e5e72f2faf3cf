"""A large payload broken in one place: the walk words a broken bound as the models do (so the models need not
validate the whole payload again) and passes over the items the native scanner finds valid (issue 17: a 24 MB
jobs page invalid at its end took 4.8 s and 340 MB; now 1.75 s and 207 MB)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from evaljobs._validation import reference as _pydantic_reference
from evaljobs._validation import targets as _registry
from evaljobs._validation import walk as _walk
from evaljobs._validation.program_nodes import Model
from tests.conftest import ROOT

JOB = json.loads((ROOT / "samples" / "captures" / "nemo_evaluator" / "v1-job-completed.json").read_text())


def _job(progress: Any) -> dict[str, Any]:
    job = copy.deepcopy(JOB)
    job["status_details"]["progress"] = progress
    return job


@pytest.mark.parametrize(
    ("progress", "phrase"),
    [(101, "less than or equal to 100"), (-1.5, "greater than or equal to 0"), (100.5, "less than or equal to 100")],
)
def test_a_broken_bound_is_worded_by_the_walk_as_by_the_models(progress: Any, phrase: str) -> None:
    target = _registry.schema("nemo_evaluator.EvaluationJob")
    walked = _walk.errors(_job(progress), "nemo_evaluator", "EvaluationJob")
    assert walked is not None  # the walk is sure: no pydantic
    by_models = _pydantic_reference.errors_for(_job(progress), target)
    expected = f"expected {phrase}; found number {progress}"
    assert [(e.pointer, e.message) for e in walked] == [("/status_details/progress", expected)]
    assert [(e.pointer, e.message) for e in by_models] == [("/status_details/progress", expected)]


def test_bounds_are_written_as_the_models_write_them() -> None:
    assert _walk._number_text(100) == "100"
    assert _walk._number_text(100.0) == "100"
    assert _walk._number_text(0.1) == "0.1"
    assert _walk._number_text(1e-7) is None  # the models write 0.0000001: the models word it
    assert _walk._broken_bound(5, (("ge", 0), ("le", 3))) == "less than or equal to 3"
    assert _walk._broken_bound("x", (("le", 3),)) is None
    assert _walk._broken_bound(5, (("multiple_of", 2),)) is None


def test_a_large_page_broken_at_its_end_is_explained_without_the_models(tmp_path: Path) -> None:
    page = json.loads((ROOT / "samples" / "captures" / "nemo_evaluator" / "v1-job-completed.json").read_text())
    jobs = [copy.deepcopy(page) for _ in range(200)]
    jobs[-1]["status_details"]["progress"] = 101
    assert _walk.errors({"data": jobs}, "nemo_evaluator", "EvaluationJobsPage") is not None


def _count_models_walked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pointers of the objects the walk checks as models from now on, in order."""
    walked: list[str] = []
    kind = Model._field_defaults["kind"]  # the walk dispatches on a node's kind
    model_handler = _walk._BY_KIND[kind]

    def counting(nodes: Any, node: Any, value: Any, pointer: str, found: Any) -> None:
        walked.append(pointer)
        model_handler(nodes, node, value, pointer, found)

    monkeypatch.setitem(_walk._BY_KIND, kind, counting)
    return walked


def test_the_error_walk_passes_over_the_items_the_scanner_finds_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """A decoded page broken in one item: the walk checks that item, not the 199 others, and says the same."""
    import evaljobs
    from evaljobs._validation.targets import native_scanner

    assert native_scanner() is not None  # built by `make install` wherever a C compiler is
    jobs = [copy.deepcopy(JOB) for _ in range(200)]
    jobs[150]["status_details"]["progress"] = 101
    body = {
        "object": "list",
        "data": jobs,
        "pagination": {"page": 1, "page_size": 200, "current_page_size": 200, "total_pages": 1, "total_results": 200},
        "sort": "created_at",
        "filter": {},
        "search": {},
    }
    walked = _count_models_walked(monkeypatch)
    report = evaljobs.validate(json.dumps(body).encode(), schema="nemo_evaluator.EvaluationJobsPage")
    assert [(e.pointer, e.message) for e in report.errors] == [
        ("/data/150/status_details/progress", "expected less than or equal to 100; found number 101")
    ]
    assert "/data/150" in walked and "/data/0" not in walked and len(walked) < 20, walked
    by_models = _pydantic_reference.errors_for(body, _registry.schema("nemo_evaluator.EvaluationJobsPage"))
    assert report.errors == by_models


def test_a_candidate_with_too_many_errors_stops_its_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Detected, a v1 jobs page is also a finalist as the v2 page, where each of its jobs is an error: that walk
    stops past CANDIDATE_ERRORS errors, and the report is the one a full comparison gives."""
    import evaljobs

    jobs = [copy.deepcopy(JOB) for _ in range(400)]
    jobs[-1]["status_details"]["progress"] = 101
    pagination = {"page": 1, "page_size": 400, "current_page_size": 400, "total_pages": 1, "total_results": 400}
    body = json.dumps({"object": "list", "data": jobs, "pagination": pagination}).encode()
    walked = _count_models_walked(monkeypatch)
    limited = evaljobs.validate(body)
    assert len(walked) < 400  # neither candidate walked every job
    monkeypatch.setattr(_walk, "CANDIDATE_ERRORS", 10**9)
    full = evaljobs.validate(body)
    assert limited.as_json() == full.as_json()
    assert limited.schema == "nemo_evaluator.EvaluationJobsPage"
    assert [e.pointer for e in limited.errors] == ["/data/399/status_details/progress"]
