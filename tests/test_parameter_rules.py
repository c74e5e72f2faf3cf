"""The mock server and ``evaljobs validate`` agree on every parameter value: what the mock refuses (400/422), the
validator reports on a captured request, in the same words, and what one accepts the other accepts.

Both read one table (``evaljobs._routes.<api>.REQUESTS``) through one rule (``request_checks.parameter_problem``);
this test drives each side through its own entry point, so that a rule of one side alone (a check added to the
mock's module, a kind the validator words apart) fails here. One difference is intended: the mock answers a path
value outside the parameter's enum as an unknown id (the spec's 404), not 400, so path enums are left out.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import quote, urlencode

import pytest

from evaljobs._inputs import Request
from evaljobs._mock.checks import check_path, check_query
from evaljobs._mock.routes import Route, routes
from evaljobs._validation import request_checks
from evaljobs._validation.request_checks import ParameterSpec, RequestFindings, RequestSpec

# a value of each parameter kind, acceptable or not
VALUES = ("1", "100", "0", "101", "-3", "+5", "007", "1.5", ".5", "1e3", "x", "", "true", "FALSE", "yes", "a", "A")
VALUES += ("1,2", "1,x", "true,no", "created_at", "-created_at", "name")

KINDS = (
    ParameterSpec("count", "query", type="integer"),
    ParameterSpec("size", "query", type="integer", minimum=1, maximum=100),
    ParameterSpec("ratio", "query", type="number", minimum=0.5),
    ParameterSpec("below", "query", type="number", maximum=2),
    ParameterSpec("flag", "query", type="boolean"),
    ParameterSpec("letter", "query", enum=("a", "b")),
    ParameterSpec("level", "query", type="integer", enum=("1", "2")),
    ParameterSpec("ids", "query", type="array", items="integer"),
    ParameterSpec("flags", "query", type="array", items="boolean"),
    ParameterSpec("words", "query", type="array"),
    ParameterSpec("text", "query"),
    ParameterSpec("needed", "query", required=True),
)


def _route(api: str, operation_id: str) -> Route:
    return next(route for route in routes((api,)) if route.operation.operation_id == operation_id)


def _spec(api: str, operation_id: str) -> RequestSpec:
    return next(each for each in request_checks._operations(api) if each.operation_id == operation_id)


def _mock_refusal(route: Route, query: list[tuple[str, str]], path: dict[str, str]) -> str | None:
    answer = check_query(route, urlencode(query)) or check_path(route, path)
    if answer is None:
        return None
    assert answer.status in (400, 422), answer
    return answer.body.decode()


def _validator_problems(findings: RequestFindings) -> list[str]:
    return [error.message for error in findings.errors if error.kind in ("invalid_parameter", "missing_parameter")]


def _agree(refusal: str | None, problems: list[str], case: str) -> None:
    assert (refusal is None) == (not problems), f"{case}: mock {refusal!r}, validator {problems!r}"
    for problem in problems:
        assert problem in (refusal or ""), f"{case}: the mock words {problem!r} otherwise: {refusal!r}"


@pytest.mark.parametrize("parameter", KINDS, ids=lambda each: each.name)
def test_each_kind_of_parameter_is_judged_alike(parameter: ParameterSpec) -> None:
    spec = dataclasses.replace(_spec("gradient", "listEvaluationRunResults"), parameters=(parameter,))
    route = dataclasses.replace(_route("gradient", "listEvaluationRunResults"), request=spec)
    for values in [[], *([value] for value in VALUES), ["1", "x"]]:
        query = [(parameter.name, value) for value in values]
        findings = RequestFindings(spec, [], [])
        # the validator's parameter step, as request_checks.check runs it, on this table of one parameter
        request_checks._check_parameters(spec, {}, query, {}, findings)
        _agree(_mock_refusal(route, query, {}), _validator_problems(findings), f"{parameter.name}={values}")


def test_the_specs_parameters_are_judged_alike_through_each_entry_point() -> None:
    """Every path and query parameter of both specs, each value sent alone (the others left out or valid)."""
    judged = 0
    for api in ("gradient", "nemo_evaluator"):
        for spec in request_checks._operations(api):
            route = _route(api, spec.operation_id)
            assert route.request == spec, "one table"
            for parameter in spec.parameters:
                if parameter.location == "query" or (parameter.location == "path" and not parameter.enum):
                    for value in VALUES:
                        judged += _judge_one(api, spec, route, parameter, value)
    assert judged > 100, "the specs have path and query parameters to judge"


def _judge_one(api: str, spec: RequestSpec, route: Route, parameter: ParameterSpec, value: str) -> bool:
    """Whether ``value`` of ``parameter`` was judged (a path segment cannot be empty)."""
    if parameter.location == "path" and not value:
        return False
    path_values = dict.fromkeys(spec.path_names, "1")
    query = [(each.name, "1") for each in spec.parameters if each.required and each.location == "query"]
    if parameter.location == "path":
        path_values[parameter.name] = value
    else:
        query = [(name, given) for name, given in query if name != parameter.name] + [(parameter.name, value)]
    path = spec.path
    for name, given in path_values.items():
        path = path.replace(f"{{{name}}}", quote(given, safe=""))
    findings = request_checks.check(Request(spec.method, path, tuple(query)), prefer=(api,))
    assert findings is not None and findings.operation.operation_id == spec.operation_id, path
    case = f"{api} {spec.operation_id} {parameter.name}={value!r}"
    _agree(_mock_refusal(route, query, path_values), _validator_problems(findings), case)
    return True
