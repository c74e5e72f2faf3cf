"""The gate every staged package passes before it replaces generated/: it compiles, it contains only what
generated code may contain, and it imports, with every model built, in a fresh interpreter.

Files shipped from generator/runtime/ (our own code, copied: no spec text in them) are compiled and
imported; every other file was written from a spec and is also held to these rules:

- at module level only docstrings, imports, classes, functions and assignments (plus ``if TYPE_CHECKING:``
  imports and the ``Model.model_rebuild()`` calls of recursive models); in a class body only docstrings,
  assignments, functions, nested classes and ``pass``; so spec text that escaped its literal cannot have
  become a statement that runs at import;
- imports only from ALLOWED_IMPORTS (nothing with side effects, nothing that reaches the file system or
  processes);
- no call to a builtin that runs or loads code or reaches into frames (DENIED_NAMES), no attribute that
  escapes to one (DENIED_ATTRIBUTES), anywhere, function bodies included (they run when a client is used);
- no hidden character (control, format/bidi, separators) anywhere in the text.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from generator.emit.pysource import hidden_characters
from generator.problems import GenerationFailed, Problem

RUNTIME = Path(__file__).parent.parent / "runtime"
TIMEOUT = 120

ALLOWED_IMPORTS = frozenset(
    {
        "__future__",
        "abc",
        "annotated_types",
        "asyncio",
        "collections",
        "contextlib",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "evaljobs",
        "functools",
        "httpx",
        "ipaddress",
        "json",
        "pydantic",
        "pydantic_core",
        "re",
        "types",
        "typing",
        "typing_extensions",
        "uuid",
        "warnings",
    }
)
DENIED_NAMES = frozenset(
    {
        "__builtins__",
        "__import__",
        "__loader__",
        "__spec__",
        "breakpoint",
        "compile",
        "delattr",
        "eval",
        "exec",
        "exit",
        "getattr",
        "globals",
        "help",
        "input",
        "locals",
        "open",
        "quit",
        "setattr",
        "vars",
    }
)
DENIED_ATTRIBUTES = frozenset(
    {
        "__base__",
        "__bases__",
        "__builtins__",
        "__class__",
        "__closure__",
        "__code__",
        "__dict__",
        "__func__",
        "__getattribute__",
        "__globals__",
        "__import__",
        "__loader__",
        "__mro__",
        "__reduce__",
        "__reduce_ex__",
        "__self__",
        "__spec__",
        "__subclasses__",
        "f_back",
        "f_globals",
        "f_locals",
        "gi_frame",
        "tb_frame",
    }
)
_MODULE_STATEMENTS = (ast.Import, ast.ImportFrom, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
_ASSIGNMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign)
_CLASS_STATEMENTS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign, ast.AnnAssign, ast.Pass)


def gate(package: Path) -> None:
    """Raise GenerationFailed, naming every file and line at fault, unless ``package`` passes."""
    static_gate(package)
    problems = import_all(package)
    if problems:
        raise GenerationFailed(problems)


def static_gate(package: Path) -> None:
    """The part of the gate that runs nothing: every file compiles, and holds only what it may."""
    problems: list[Problem] = []
    for path in sorted(package.rglob("*.py")):
        label = path.relative_to(package.parent).as_posix()
        source = path.read_bytes()
        try:
            tree = ast.parse(source, filename=label)
            compile(tree, label, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            where = f"line {error.lineno}: " if isinstance(error, SyntaxError) and error.lineno else ""
            problems.append(Problem(label, "", f"does not compile: {where}{error}"))
            continue
        found = [] if shipped(path, package) else inspect(tree, source.decode("utf-8"))
        problems.extend(Problem(label, "", message) for message in found)
    if problems:
        raise GenerationFailed(problems)


def shipped(path: Path, package: Path) -> bool:
    """Whether ``path`` is shipped from generator/runtime/ (copied, then formatted like every module)."""
    return (RUNTIME / path.relative_to(package)).is_file()


def inspect(tree: ast.Module, text: str) -> list[str]:
    """What in a generated module breaks the rules of the module docstring, one message per finding."""
    findings = [f"line {line}: hidden character {name}" for line, name in hidden_characters(text)]
    defined = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    for statement in tree.body:
        if not _module_statement_allowed(statement, defined):
            findings.append(f"line {statement.lineno}: a generated module may not contain {_describe(statement)}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if not (_is_docstring(statement) or isinstance(statement, _CLASS_STATEMENTS)):
                    findings.append(
                        f"line {statement.lineno}: class {node.name} may not contain {_describe(statement)}"
                    )
        elif isinstance(node, ast.Import | ast.ImportFrom):
            findings.extend(f"line {node.lineno}: {message}" for message in _import_problems(node))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in DENIED_NAMES:
            findings.append(f"line {node.lineno}: {node.id!r} may not be used in generated code")
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and node.attr in DENIED_ATTRIBUTES:
            findings.append(f"line {node.lineno}: attribute {node.attr!r} may not be used in generated code")
    return findings


def _module_statement_allowed(statement: ast.stmt, defined: set[str]) -> bool:
    if _is_docstring(statement) or isinstance(statement, _MODULE_STATEMENTS + _ASSIGNMENTS):
        return True
    if isinstance(statement, ast.If):  # if TYPE_CHECKING: <imports>
        return (
            isinstance(statement.test, ast.Name)
            and statement.test.id == "TYPE_CHECKING"
            and not statement.orelse
            and all(isinstance(inner, ast.Import | ast.ImportFrom) for inner in statement.body)
        )
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):  # Node.model_rebuild()
        call = statement.value
        return (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "model_rebuild"
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id in defined
            and not call.args
            and not call.keywords
        )
    return False


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and (isinstance(statement.value.value, str) or statement.value.value is Ellipsis)
    )


def _import_problems(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: stays inside the package
            return []
        modules = [node.module or ""]
    else:
        modules = [alias.name for alias in node.names]
    return [
        f"import of {module!r} is not allowed in generated code (allowed: {', '.join(sorted(ALLOWED_IMPORTS))})"
        for module in modules
        if module.split(".")[0] not in ALLOWED_IMPORTS
    ]


def _describe(statement: ast.stmt) -> str:
    text = ast.unparse(statement).splitlines()[0] if statement else ""
    return f"a {type(statement).__name__} statement ({text[:60]!r})"


# Runs in a fresh interpreter: imports every module given and builds every pydantic model it defines;
# prints one line of JSON per failure. No spec text is in this source: module names come as arguments.
_IMPORT_SCRIPT = """
import importlib, inspect, json, sys, traceback
root = sys.argv[1]
sys.path.insert(0, root)
import pydantic

def report(name, error, path, line=0, what="does not import"):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(root)]
    if frames:
        path, line = frames[-1].filename, frames[-1].lineno
    text = str(error).strip()
    print("GATE " + json.dumps({
        "module": name,
        "what": what,
        "file": path[len(root) + 1:] if path.startswith(root) else path,
        "line": line,
        "error": type(error).__name__ + (": " + text.splitlines()[0] if text else ""),
    }), flush=True)

for name, path in zip(sys.argv[2::2], sys.argv[3::2]):
    try:
        module = importlib.import_module(name)
    except BaseException as error:
        report(name, error, path)
        continue
    for value in list(vars(module).values()):
        if (
            isinstance(value, type)
            and issubclass(value, pydantic.BaseModel)
            and value.__module__ == name
            and not getattr(value, "__parameters__", ())  # (a generic model is built once parametrized)
        ):
            try:
                value.model_rebuild(force=True)
            except BaseException as error:
                line = inspect.getsourcelines(value)[1]
                report(name + "." + value.__qualname__, error, path, line, "model does not build")
"""


def import_all(package: Path) -> list[Problem]:
    """Import every module of ``package`` (and build its models) in a fresh, isolated interpreter."""
    arguments = []
    for path in sorted(package.rglob("*.py")):
        if path.stem != "__main__":
            module = ".".join(path.relative_to(package.parent).with_suffix("").parts).removesuffix(".__init__")
            arguments += [module, str(path)]
    result = fresh_interpreter(_IMPORT_SCRIPT, package, arguments, "importing the generated package")
    problems = []
    for line in result.stdout.splitlines():
        if line.startswith("GATE "):
            failure = json.loads(line[5:])
            where = failure["file"] or failure["module"]
            line_part = f"line {failure['line']}: " if failure["line"] else ""
            problems.append(
                Problem(where, "", f"{line_part}{failure['what']} ({failure['module']}): {failure['error']}")
            )
    if result.returncode != 0 and not problems:
        tail = result.stderr.strip().splitlines()[-1:] or ["no output"]
        problems.append(Problem(package.name, "", f"the import check failed: {tail[0]}"))
    return problems


def fresh_interpreter(script: str, package: Path, arguments: list[str], what: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh, isolated interpreter, with the staged ``package``'s folder as its first
    argument (then ``arguments``); GenerationFailed naming ``what`` when it takes more than TIMEOUT s."""
    try:
        return subprocess.run(
            [sys.executable, "-I", "-B", "-c", script, str(package.parent), *arguments],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            cwd=package.parent,
        )
    except subprocess.TimeoutExpired:
        raise GenerationFailed([Problem(package.name, "", f"{what} took more than {TIMEOUT} s")]) from None
