"""Build the whole generated package into a staging directory, from every spec in schemas/."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from generator import render
from generator.checks import check_document
from generator.discover import SpecFile, discover
from generator.loading import load_document
from generator.models import generate_models
from generator.normalize import for_models, pascal
from generator.operations import OperationSpec, extract
from generator.problems import GenerationFailed, Problem

RUNTIME = Path(__file__).parent / "runtime"


@dataclass
class Api:
    """One spec file, checked and prepared: everything the writers need."""

    spec: SpecFile
    document: dict[str, Any]
    for_models: dict[str, Any]
    operations: list[OperationSpec]
    root: str

    def class_of(self, component: str) -> str:
        """The Python class name of the model generated for ``components/schemas/<component>``."""
        return render.identifier(component)

    @property
    def title(self) -> str:
        info = self.document.get("info", {})
        return str(info.get("title") or self.document.get("title") or self.spec.name)

    @property
    def description(self) -> str:
        info = self.document.get("info", {})
        text = str(info.get("description") or self.document.get("description") or "")
        return text.strip().split("\n\n", 1)[0]


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
        root = pascal(str(document.get("title") or spec.name)) if spec.kind == "jsonschema" else ""
        normalized, found = for_models(document, spec.kind, root, spec.label)
        operations: list[OperationSpec] = []
        if spec.kind == "openapi":
            operations, more = extract(document, spec.label)
            found = found + more
        problems.extend(found)
        apis.append(Api(spec, document, normalized, operations, root))
    if problems:
        raise GenerationFailed(problems)
    return apis


def write_package(apis: list[Api], package: Path) -> None:
    """Write the package ``evaljobs`` into ``package`` (an empty staging directory)."""
    env = render.environment()
    for source in sorted(RUNTIME.iterdir()):
        if source.is_file() and source.suffix in (".py", ".typed"):
            shutil.copyfile(source, package / source.name)
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
            "document": api.document,
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


def api_templates(kind: str) -> list[str]:
    """The templates of one API package: every ``templates/evaljobs/api/*.jinja`` for an OpenAPI spec (one
    output file each, same name without ``.jinja``); only ``__init__.py.jinja`` for a plain JSON Schema."""
    names = sorted(path.name for path in (render.TEMPLATES / "api").glob("*.jinja"))
    return [f"api/{name}" for name in names if kind == "openapi" or name == "__init__.py.jinja"]


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")
