"""Build the whole generated package into a staging directory, from every spec in schemas/."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jinja2

from generator import names
from generator.emit import render
from generator.emit.models import generate_models
from generator.emit.models_input import for_models
from generator.emit.operations import OperationSpec, extract
from generator.emit.pysource import program_classes
from generator.emit.scanner_programs import ScannerPrograms
from generator.emit.schema_json import bundle
from generator.emit.walk_programs import program
from generator.load.checks import check_document
from generator.load.discover import SpecFile, discover
from generator.load.document import load_document
from generator.load.lint import lint_model
from generator.problems import GenerationFailed, Problem
from generator.schema import SchemaModel
from generator.schema import build as build_model
from generator.schema.nodes import ROOT
from generator.schema.paths import Server

RUNTIME = Path(__file__).parent / "runtime"
# Header parameters OpenAPI says to ignore: HTTP's own (the request's media types, its credentials).
_HEADERS_OF_HTTP = frozenset({"accept", "content-type", "authorization"})


@dataclass
class Api:
    """One spec file, checked and prepared: everything the writers need."""

    spec: SpecFile
    for_models: dict[str, Any]
    operations: list[OperationSpec]
    root: str
    model: SchemaModel
    warnings: list[Problem]  # the model's, then the lint's (they never stop generation)

    def class_of(self, component: str) -> str:
        """The Python class name of the model generated for ``components/schemas/<component>`` (for a JSON
        Schema: ``$defs/<component>``, or the root's title): the name the schema model chose
        (``SchemaModel.classes``), which generator.emit.models checked the model generator kept. Raises
        ValueError for a name the spec lacks."""
        for name in (component, unquote(component)):
            found = self.model.class_of(name) if name != ROOT else None
            if found is not None:
                return render.identifier(found)
        if self.root and component == self.root:
            return render.identifier(self.root)
        raise ValueError(f"{component!r} is not a schema of {self.spec.label}")

    def class_of_key(self, key: str) -> str:
        """The class of the named schema ``key`` of the schema model (a JSON Schema's root is ROOT there)."""
        return self.class_of(self.root if key == ROOT else key)

    @property
    def title(self) -> str:
        return self.model.title or self.spec.name

    @property
    def description(self) -> str:
        return self.model.description


def prepare(schemas_dir: Path) -> list[Api]:
    """Load and check every spec; raise GenerationFailed with every problem of every file."""
    specs, problems = discover(schemas_dir)
    apis: list[Api] = []
    for spec in specs:
        document, found = load_document(spec.path, spec.label)
        if document is None:
            problems.extend(found)
            continue
        found = check_document(document, spec.kind, spec.label)
        if found:
            problems.extend(found)
            continue
        wanted = names.pascal(str(document.get("title") or spec.name)) if spec.kind == "jsonschema" else ""
        model, found = build_model(document, spec.kind, spec.label, names.class_name(wanted) if wanted else "")
        if found:
            problems.extend(found)
            continue
        warnings = [*model.warnings, *lint_model(model)]
        normalized = for_models(model)
        root = model.classes.get(ROOT, "")
        operations: list[OperationSpec] = []
        if spec.kind == "openapi":
            operations, found = extract(model)
            problems.extend(found)
        apis.append(Api(spec, normalized, operations, root, model, warnings))
    if problems:
        raise GenerationFailed(problems)
    return apis


def write_package(apis: list[Api], package: Path) -> None:
    """Write the package ``evaljobs`` into ``package`` (an empty staging directory)."""
    env = render.environment()
    for source in sorted(RUNTIME.rglob("*")):
        if source.is_file() and source.suffix in (".py", ".typed") and "__pycache__" not in source.parts:
            target = package / source.relative_to(RUNTIME)
            target.parent.mkdir(exist_ok=True)
            shutil.copyfile(source, target)
    specs = [{"name": api.spec.name, "file": api.spec.path.name, "title": api.title} for api in apis]
    _write(
        package / "__init__.py",
        render.render(env, "__init__.py.jinja", specs=specs, names=[api.spec.name for api in apis]),
    )
    for api in apis:
        directory = package / api.spec.name
        directory.mkdir()
        context = {
            "api": api,
            "class_of": api.class_of,
            "paths": api.model.paths,
            "name": api.spec.name,
            "file": api.spec.path.name,
            "title": api.title,
            "description": api.description,
            "operations": api.operations,
            "root": api.root,
            "kind": api.spec.kind,
        }
        try:
            for template in api_templates(api.spec.kind):
                name = template.removeprefix("api/").removesuffix(".jinja")
                _write(directory / name, render.render(env, template, **context))
        except (ValueError, jinja2.TemplateError) as error:
            raise GenerationFailed(
                [Problem(api.spec.label, "", f"cannot render the package files: {error}")]
            ) from error
        try:
            generate_models(api.for_models, api.spec.kind, api.spec.label, directory / "models.py", api.root)
        except Exception as error:  # the model generator's own failures, reported as a problem of this file
            raise GenerationFailed(
                [Problem(api.spec.label, "", f"datamodel-code-generator failed: {error}")]
            ) from error
    scanned = write_fast_path(apis, package, env)
    write_checks(apis, package, env, scanned)


def write_checks(apis: list[Api], package: Path, env: jinja2.Environment, scanned: dict[str, set[str]]) -> None:
    """``evaljobs/_walk_programs/<api>.py``: the walk's programs, compiled from the schema model (``scanned``:
    the schemas of each API that have a native scanner program)."""
    directory = package / "_walk_programs"
    directory.mkdir()
    _write(directory / "__init__.py", render.render(env, "_walk_programs/__init__.py.jinja"))
    for api in apis:
        found = program(api.model, _target_keys(api), api.class_of_key, scanned[api.spec.name])
        context = {
            "file": api.spec.path.name,
            "nodes": found.nodes,
            "targets": found.targets,
            "imports": program_classes(found.nodes),
        }
        _write(directory / f"{api.spec.name}.py", render.render(env, "_walk_programs/api.py.jinja", **context))


def write_fast_path(apis: list[Api], package: Path, env: jinja2.Environment) -> dict[str, set[str]]:
    """``evaljobs/_scanner_programs/<api>.py`` (the native scanner's strict and lenient programs, plain data),
    ``evaljobs/_routes/<api>.py`` (operations) and ``evaljobs/<api>/schema.json``. Returns the schemas of
    each API that have a native scanner program."""
    routes, outline = (package / name for name in ("_routes", "_scanner_programs"))
    for folder in (routes, outline):
        folder.mkdir()
    _write(outline / "__init__.py", render.render(env, "_scanner_programs/__init__.py.jinja"))
    _write(routes / "__init__.py", render.render(env, "_routes/__init__.py.jinja"))
    scanned: dict[str, set[str]] = {}
    for api in apis:
        keys = _target_keys(api)
        strict = ScannerPrograms(api.model)
        names = [name for name, key in keys.items() if strict.target(key, name)]
        native, native_targets, native_lists = strict.program(names)
        scanned[api.spec.name] = set(native_targets)
        found_routes = [
            (operation.method, operation.path, status, model)
            for operation in api.operations
            for status, model in operation.responses.items()
            if model is not None
        ]
        context = {
            "file": api.spec.path.name,
            "routes": found_routes,
            "requests": [request_entry(operation) for operation in api.operations],
            "servers": server_urls(api.model.paths.servers),
            "root": api.root or None,
            "classes": {name: api.class_of(name) for name in keys},
            "native": native,
            "native_targets": native_targets,
            "native_lists": native_lists,
            "api": api.spec.name,
            "fields": strict.top_level_fields(names),
        }
        lenient = ScannerPrograms(api.model, lenient=True)
        lenient_names = [name for name in names if lenient.target(keys[name], name)]
        lenient_native, context["lenient_targets"], _ = lenient.program(lenient_names)
        context["lenient_native"] = lenient_native
        _write(routes / f"{api.spec.name}.py", render.render(env, "_routes/api.py.jinja", **context))
        _write(outline / f"{api.spec.name}.py", render.render(env, "_scanner_programs/api.py.jinja", **context))
        schema = bundle(api.model, api.title)
        _write(package / api.spec.name / "schema.json", json.dumps(schema, indent=1, ensure_ascii=False) + "\n")
    return scanned


def server_urls(servers: Iterable[Server]) -> list[str]:
    """The URLs of the spec's ``servers``, each variable replaced by its default (as a client would call it); a
    relative URL stays a path."""
    urls = []
    for server in servers:
        if server.url is None:
            continue

        def default(match: re.Match[str], variables: Mapping[str, str] = server.variables) -> str:
            return variables.get(match.group(1), match.group(0))

        urls.append(re.sub(r"\{([^{}]+)\}", default, server.url))
    return list(dict.fromkeys(urls))


def request_entry(operation: OperationSpec) -> dict[str, Any]:
    """What ``operation`` takes, as the plain data of ``REQUESTS`` in ``evaljobs/_routes/<api>.py`` (read by
    ``evaljobs._validation.request_checks``, for ``evaljobs validate`` and the mock server): keys with their
    default values (false, empty, none) are left out."""
    parameters = []
    for parameter in operation.parameters:
        if parameter.location not in ("path", "query", "header") or (
            parameter.location == "header" and parameter.name.lower() in _HEADERS_OF_HTTP
        ):
            continue
        name = parameter.name.lower() if parameter.location == "header" else parameter.name
        entry: dict[str, Any] = {"name": name, "in": parameter.location}
        if parameter.required:
            entry["required"] = True
        if parameter.json_type != "string":
            entry["type"] = parameter.json_type
        if parameter.json_type == "array":
            item = parameter.python_type.removeprefix("list[").removesuffix("]")
            entry["items"] = {"int": "integer", "float": "number", "bool": "boolean"}.get(item, "string")
        if parameter.enum:
            # as the text of a path or query (true, 3): what a captured request's value is compared with
            entry["enum"] = [value if isinstance(value, str) else json.dumps(value) for value in parameter.enum]
        if parameter.json_type in ("integer", "number"):
            if parameter.minimum is not None:
                entry["minimum"] = parameter.minimum
            if parameter.maximum is not None:
                entry["maximum"] = parameter.maximum
        if parameter.default is not None:
            entry["default"] = parameter.default
        parameters.append(entry)
    found: dict[str, Any] = {"method": operation.method, "path": operation.path, "operation_id": operation.operation_id}
    found["statuses"] = list(operation.responses)
    if parameters:
        found["parameters"] = parameters
    if operation.request_media_types:
        found["body_media_types"] = list(operation.request_media_types)
    body = operation.request_body
    if body is not None and body.model:
        found["body_schema"] = body.model
    if body is not None and body.required:
        found["body_required"] = True
    if operation.response_media_types:
        found["response_media_types"] = {
            status: list(media) for status, media in operation.response_media_types.items()
        }
    if operation.security:
        found["security"] = [[credential.as_data() for credential in each] for each in operation.security]
    return found


def _target_keys(api: Api) -> dict[str, str]:
    """The schemas a payload can be validated against (the spec's own and its named bodies, not the named
    inline schemas): name -> the key of its named schema in the schema model."""
    return {api.root if key == ROOT else key: key for key in api.model.targets()}


def api_templates(kind: str) -> list[str]:
    """The templates of one API package: every ``templates/evaljobs/api/*.jinja`` for an OpenAPI spec (one
    output file each, same name without ``.jinja``); only ``__init__.py.jinja`` for a plain JSON Schema."""
    names = sorted(path.name for path in (render.TEMPLATES / "api").glob("*.jinja"))
    return [f"api/{name}" for name in names if kind == "openapi" or name == "__init__.py.jinja"]


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")
