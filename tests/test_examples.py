"""Every example of both specs, and the seed documents' example responses, round-trip losslessly."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from evaljobs import validate
from tests.conftest import APIS, ROOT, documented_examples, model, spec
from tests.roundtrip import assert_lossless, canonical

SEED_EXAMPLES = Path(__file__).with_name("seed_examples.txt")
"""The seed documents' example payloads, vendored from shared/seeds/ (its header says how)."""
SEEDS = ROOT.parent / "shared" / "seeds"
"""Where the seed documents are in the workspace; not part of the repository."""
EXAMPLES = [(api, *example) for api in APIS for example in documented_examples(api)]


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{e[0]}-{e[1]}-{e[2]}-{e[3]}" for e in EXAMPLES])
def test_every_example_round_trips_and_validates(example: tuple[str, str, str, str, str, Any]) -> None:
    api, _operation, _status, _name, model_name, value = example
    assert_lossless(model(api, model_name), value)
    report = validate(json.dumps(value).encode(), schema=f"{api}.{model_name}")
    assert report.errors == [], report.errors


def test_the_specs_carry_examples_for_every_operation() -> None:
    for api in APIS:
        operations = {op for op, status, *_ in documented_examples(api) if status.startswith("2")}
        declared = {  # a 204 or a download has no JSON body to show
            op["operationId"]
            for item in spec(api)["paths"].values()
            for op in item.values()
            if any(s.startswith("2") and "application/json" in r.get("content", {}) for s, r in op["responses"].items())
        }
        assert operations == declared, f"{api}: operations without a 2xx example: {declared - operations}"


REQUESTS = [
    (api, op["operationId"], name, media["schema"]["$ref"].rsplit("/", 1)[-1], example["value"])
    for api in APIS
    for item in spec(api)["paths"].values()
    for op in item.values()
    if "requestBody" in op
    for media in [op["requestBody"]["content"]["application/json"]]
    for name, example in media["examples"].items()
]


@pytest.mark.parametrize("example", REQUESTS, ids=[f"{e[0]}-{e[1]}-{e[2]}" for e in REQUESTS])
def test_every_request_example_round_trips_and_validates(example: tuple[str, str, str, str, Any]) -> None:
    api, _operation, _name, model_name, value = example
    assert_lossless(model(api, model_name), value)
    report = validate(json.dumps(value).encode(), schema=f"{api}.{model_name}")
    assert report.errors == [] and report.drift == [], (report.errors, report.drift)


def _json_blocks(text: str) -> list[str]:
    """The top-level {...} blocks of a seed page, in order (brace matching outside strings)."""
    blocks, depth, start, in_string, escaped = [], 0, 0, False, False
    for index, char in enumerate(text):
        if in_string:
            escaped, in_string = (not escaped and char == "\\"), in_string and (escaped or char != '"')
            continue
        if char == '"':
            in_string = True
        elif char == "{":
            start = index if depth == 0 else start
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                blocks.append(text[start : index + 1])
    return blocks


def _docs_example(api: str, operation_id: str, name: str) -> Any:
    return next(
        v
        for _, (op, _s, n, _m, v) in ((a, e) for a in [api] for e in documented_examples(a))
        if op == operation_id and n == name
    )


def _seed_sections() -> dict[str, str]:
    """Seed file name -> the text of its section in tests/seed_examples.txt."""
    sections: dict[str, str] = {}
    name = ""
    for line in SEED_EXAMPLES.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("== "):
            name = line[3:].split(":", 1)[0]
            sections[name] = ""
        elif name:
            sections[name] += line
    return sections


def _seed(prefix: str) -> str:
    found = [text for name, text in sorted(_seed_sections().items()) if name.startswith(f"{prefix}_")]
    assert len(found) == 1, f"tests/seed_examples.txt has no section of seed {prefix}"
    return found[0]


def test_the_vendored_seed_examples_are_the_seed_pages_blocks() -> None:
    sections = _seed_sections()
    assert sorted(sections) == ["000_7d47c442632d9288.txt", "002_3d84395670e9013b.txt"]
    assert "copied verbatim from shared/seeds/" in SEED_EXAMPLES.read_text(encoding="utf-8")
    for name, text in sections.items():
        blocks = _json_blocks(text)
        assert blocks, name
        page = SEEDS / name
        if page.is_file():  # in the workspace, where the seed documents are: each block is the page's, verbatim
            page_blocks = _json_blocks(page.read_text(encoding="utf-8"))
            assert all(block in page_blocks for block in blocks), f"{name}: a block differs from the seed page"


def test_nemo_v2_seed_examples_are_embedded_verbatim_and_round_trip() -> None:
    blocks = [b for b in _json_blocks(_seed("000")) if '"id": "job-dq1pjj6vj5p64xaeqgvuk4"' in b]
    assert len(blocks) == 2, "the seed shows a v2 example and a v2 failure example"
    docs, failed = (json.loads(block) for block in blocks)
    assert canonical(docs) == canonical(_docs_example("nemo_evaluator", "getEvaluationJobV2", "docs"))
    assert canonical(failed) == canonical(_docs_example("nemo_evaluator", "getEvaluationJobV2", "docs-failed"))
    for value in (docs, failed):
        assert_lossless(model("nemo_evaluator", "EvaluatorV2Job"), value)
        assert validate(value, schema="nemo_evaluator.EvaluatorV2Job").valid


def test_nemo_v1_seed_example_is_embedded_with_its_elisions_filled() -> None:
    block = next(b for b in _json_blocks(_seed("000")) if '"id": "eval-UVW123XYZ456"' in b)
    elided = re.sub(r"(?m)^\s*//.*$", "", block)  # the `// comments` lines stand for elided content
    seed = json.loads(elided)
    embedded = _docs_example("nemo_evaluator", "getEvaluationJob", "docs")
    assert list(embedded) == list(seed), "same keys in the same order"
    for key, value in seed.items():
        if key in ("target", "config"):
            assert embedded[key]["type"], f"{key} is filled with realistic content"
        else:
            assert canonical(embedded[key]) == canonical(value), key
    assert validate(embedded, schema="nemo_evaluator.EvaluationJob").valid


def test_gradient_seed_example_is_embedded_verbatim_and_round_trips() -> None:
    blocks = [json.loads(b) for b in _json_blocks(_seed("002")) if '"evaluation_run"' in b]
    assert blocks, "the seed shows the example response"
    embedded = _docs_example("gradient", "getEvaluationRun", "docs")
    for seed in blocks:
        assert canonical(seed) == canonical(embedded)
    assert_lossless(model("gradient", "EvaluationRunRetrieveResponse"), embedded)
    report = validate(embedded, schema="gradient.EvaluationRunRetrieveResponse")
    assert report.valid and report.drift == []
