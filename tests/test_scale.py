"""Beyond one machine: inputs in object storage (evaljobs._storage), `evaljobs validate --dask` (evaljobs._cluster)
and the evaljobs.scale API, on real parts: an S3-compatible server started here on loopback (moto's server
mode) holding gzip, zstd and plain JSONL and HAR objects, and Dask LocalClusters of 2 worker processes.

The measure is one process's report: whatever reads the bytes (a file, S3, a decompressor) and whoever
validates them (this process, `--dask` workers, a worker killed midway), the report is the same, byte for byte.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.test_cli_inputs import har
from tests.test_cli_jobs import CAPTURES, _lines

# moto's threaded Flask server leaves some request streams to the garbage collector, which warns from its threads
# at any later moment (an unclosed file): not this project's, and no test here is about it
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

BUCKET = "captures"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def run(*args: str, env: dict[str, str] | None = None, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """`evaljobs ...` in a process of its own (``code``: Python run before the command line, in its process)."""
    prelude = code or ""
    script = f"import sys\n{prelude}\nfrom evaljobs.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )


def _corpus() -> dict[str, bytes]:
    """Object names -> bytes: two days of gzip JSONL (and one of another month), zstd, a HAR (gzip and not),
    an uncompressed JSONL over CHUNK (cut in byte ranges), and something that is no payload."""
    import zstandard

    lines = _lines()
    day = "".join(lines[index * 5 % len(lines)] + "\n" for index in range(400)).encode()
    big = "".join(lines[index * 7 % len(lines)] + "\n" for index in range(2_500)).encode()
    run_body = (CAPTURES / "gradient" / "evaluation-run-successful.json").read_text()
    url = "https://api.digitalocean.com/v2/gen-ai/evaluation_runs/8f0c"
    capture = har(
        [
            ("GET", url, 200, "application/json", run_body),
            ("GET", "https://api.digitalocean.com/v2/account", 200, "application/json", "{}"),
            ("GET", url, 200, "text/html", "<html></html>"),
            ("GET", url, 200, "application/json", '{"evaluation_run": {"agent_name": 1}}'),
        ]
    ).encode()
    return {
        "2026-11/30.jsonl.gz": gzip.compress(day[:5000]),
        "2026-12/01.jsonl.gz": gzip.compress(day),
        "2026-12/02.jsonl.gz": gzip.compress(b"\n".join(reversed(day.split(b"\n")))),
        "2026-12/03.jsonl.zst": zstandard.ZstdCompressor().compress(day),
        "2026-12/04.jsonl": big,
        "2026-12/session.har.gz": gzip.compress(capture),
        "2026-12/session.har": capture,
        "2026-12/README.txt": b"not a capture",
    }


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    """A loopback S3 server holding the corpus; yields the environment that points fsspec (and so the command
    and Dask's workers started from this process) at it, its endpoint set as fsspec reads options."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {**CREDENTIALS, "FSSPEC_S3_ENDPOINT_URL": f"http://{host}:{port}"}
    client = boto3.client("s3", endpoint_url=env["FSSPEC_S3_ENDPOINT_URL"], **_boto(env))
    client.create_bucket(Bucket=BUCKET)
    for name, data in _corpus().items():
        client.put_object(Bucket=BUCKET, Key=name, Body=data)
    try:
        yield env
    finally:
        server.stop()


def _boto(env: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "region_name": env["AWS_DEFAULT_REGION"],
    }


class _Cluster:
    """A LocalCluster of 2 worker processes, each a single thread, started with ``env`` set (the workers read
    S3's endpoint and credentials from it, as on a real cluster), and a client of it."""

    def __init__(self, env: dict[str, str]) -> None:
        from distributed import Client, LocalCluster

        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        try:
            self.cluster = LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
            )
        finally:
            for name, value in saved.items():
                if value is None:
                    del os.environ[name]
                else:
                    os.environ[name] = value
        self.client = Client(self.cluster, set_as_default=False)
        self.address: str = self.cluster.scheduler_address

    def close(self) -> None:
        self.client.close()
        self.cluster.close()


@pytest.fixture(scope="module")
def cluster(s3: dict[str, str]) -> Iterator[_Cluster]:
    started = _Cluster(s3)
    try:
        yield started
    finally:
        started.close()


def _sorted_stderr(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The command's messages about its input (their order across streams is not promised)."""
    return sorted(line for line in result.stderr.splitlines() if line.startswith("evaljobs:"))


@pytest.mark.parametrize("form", ["json", "text"])
def test_a_glob_of_s3_objects_gives_one_report_alone_and_on_dask(
    s3: dict[str, str], cluster: _Cluster, form: str
) -> None:
    url = f"s3://{BUCKET}/2026-12/*"
    alone = run("validate", "--coverage", "--format", form, url, env=s3)
    assert alone.returncode == 1, alone.stderr  # the corpus holds broken payloads on purpose
    on_dask = run("validate", "--coverage", "--format", form, "--dask", cluster.address, url, env=s3)
    assert (on_dask.returncode, on_dask.stdout) == (alone.returncode, alone.stdout)
    assert _sorted_stderr(on_dask) == _sorted_stderr(alone)
    if form == "json":  # each object read: gzip, zstd and plain; HAR entries; 2026-11 left out by the glob
        found = [json.loads(line) for line in alone.stdout.splitlines()]
        sources = {re.sub(r":[0-9]+( .*)?$", "", each["source"]) for each in found if "source" in each}
        names = (
            "01.jsonl.gz",
            "02.jsonl.gz",
            "03.jsonl.zst",
            "04.jsonl",
            "README.txt",
            "session.har",
            "session.har.gz",
        )
        assert sources == {f"s3://{BUCKET}/2026-12/{name}" for name in names}


def test_s3_objects_read_as_their_local_copies_are(s3: dict[str, str], tmp_path: Path) -> None:
    """Listing a prefix (a folder) and decompressing as it streams change nothing in the report: the same
    objects as local files give it too, their names aside; files of other kinds are named in a note."""
    for name, data in _corpus().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    remote = run("validate", "--format", "json", f"s3://{BUCKET}/2026-12", env=s3)
    names = sorted(p for p in _corpus() if p.startswith("2026-12/") and not p.endswith(".txt"))
    local = run("validate", "--format", "json", *(str(tmp_path / name) for name in names))
    assert remote.returncode == local.returncode == 1
    assert remote.stdout == local.stdout.replace(f"{tmp_path}/", f"s3://{BUCKET}/")
    folder = run("validate", "--format", "json", str(tmp_path / "2026-12"))  # a local folder reads them alike
    assert folder.stdout == local.stdout
    assert "skipped 1 file(s) not named .json, .jsonl, .ndjson or .har: captures/2026-12/README.txt" in remote.stderr
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(gzip.decompress((tmp_path / "2026-12/01.jsonl.gz").read_bytes()))
    zipped = run("validate", "--format", "json", str(tmp_path / "2026-12/01.jsonl.gz"))
    assert zipped.stdout == run("validate", "--format", "json", str(plain)).stdout.replace(
        str(plain), str(tmp_path / "2026-12/01.jsonl.gz")
    )


def test_unreadable_urls_are_named_without_their_secrets(s3: dict[str, str]) -> None:
    missing = run("validate", f"s3://{BUCKET}/2027-01/*.jsonl.gz", f"s3://{BUCKET}/nowhere.json", env=s3)
    assert missing.returncode == 2
    assert f"evaljobs: s3://{BUCKET}/2027-01/*.jsonl.gz: no file matches" in missing.stderr
    assert f"evaljobs: s3://{BUCKET}/nowhere.json: no such file or folder" in missing.stderr
    secret = run("validate", "https://user:hunter2@127.0.0.1:9/captures/a.json?X-Amz-Signature=hunter3")
    assert secret.returncode == 2
    assert "evaljobs: https://127.0.0.1:9/captures/a.json?...: " in secret.stderr
    assert "hunter" not in secret.stderr + secret.stdout
    assert "Traceback" not in secret.stderr


def test_a_worker_killed_mid_run_is_replaced_and_nothing_is_lost_or_counted_twice(
    s3: dict[str, str], tmp_path: Path
) -> None:
    """A plugin on each worker kills its own process (SIGKILL) as it begins the tenth task of the run, once:
    the tasks and results it held are run again elsewhere by Dask, and the report is one process's."""
    lines = _lines()
    big = tmp_path / "big.jsonl"
    with big.open("w") as stream:
        for index in range(30_000):  # about 24 batches
            stream.write(lines[index * 3 % len(lines)] + "\n")
    flag = tmp_path / "killed"
    alone = run("validate", "--format", "json", str(big))
    started = _Cluster(s3)
    try:
        started.client.register_plugin(_killer(str(flag)), name="evaljobs-test-killer")
        on_dask = run("validate", "--format", "json", "--dask", started.address, str(big))
    finally:
        started.close()
    assert flag.exists(), "no worker was killed: the test proves nothing"
    assert (on_dask.returncode, on_dask.stdout) == (alone.returncode, alone.stdout)
    assert len(on_dask.stdout.splitlines()) == 30_000


def _killer(flag: str) -> Any:
    from distributed import WorkerPlugin

    class KillOnce(WorkerPlugin):  # (defined here: pickled by value to the workers)
        def __init__(self) -> None:
            self.begun = 0

        def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
            if finish != "executing" or not str(key).startswith("evaljobs-validate-"):
                return
            self.begun += 1
            if self.begun == 5:  # (each of the 2 workers begins about half of the tasks)
                try:
                    os.close(os.open(flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                except FileExistsError:
                    return  # the other worker, or this one's successor: killed once is enough
                os.kill(os.getpid(), 9)

    return KillOnce()


def test_dask_local_starts_its_own_cluster() -> None:
    folder = CAPTURES
    alone = run("validate", "--coverage", str(folder))
    local = run("validate", "--coverage", "--dask", "local:2", str(folder))
    assert (local.returncode, local.stdout) == (alone.returncode, alone.stdout) == (1, alone.stdout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dask", "tcp://127.0.0.1:9", "x.json"], "--dask tcp://127.0.0.1:9: cannot reach the scheduler"),
        (["--dask", "local", "-"], "--dask validates files and URLs its workers read, not standard input"),
        (["--dask", "local:0", "x.json"], "expected local:N with N from 1 to 64"),
        (["--dask", "local", "--jobs", "2", "x.json"], "not allowed with argument"),
    ],
)
def test_dask_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run("validate", *args, env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"})
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_without_the_extras_the_message_names_the_pip_command() -> None:
    hidden = "sys.modules.update(dict.fromkeys(['distributed', 'fsspec', 'zstandard']))"  # None: not importable
    sample = str(CAPTURES / "gradient" / "evaluation-run-successful.json")
    dask = run("validate", "--dask", "local:2", sample, code=hidden)
    assert dask.returncode == 2 and "pip install 'evaljobs[dask]'" in dask.stderr, dask.stderr
    s3 = run("validate", "s3://bucket/captures/2026-12-*.jsonl.gz", code=hidden)
    assert s3.returncode == 2 and "pip install 'evaljobs[s3]'" in s3.stderr, s3.stderr
    assert "Traceback" not in dask.stderr + s3.stderr


def test_the_python_api_validates_a_bag_on_the_cluster(s3: dict[str, str], cluster: _Cluster) -> None:
    """evaljobs.scale over a dask.bag read from S3 by Dask itself, a partition per object: the reports and the
    merged summary are those of `evaljobs validate --format json` on the same objects."""
    import dask.bag

    from evaljobs import scale

    urls = [f"s3://{BUCKET}/2026-12/0{day}.jsonl.gz" for day in (1, 2)]
    options = {"endpoint_url": s3["FSSPEC_S3_ENDPOINT_URL"], "key": "testing", "secret": "testing"}
    lines = dask.bag.read_text(urls, storage_options=options, blocksize=None)
    findings = scale.validate_bag(lines)
    reports = findings.compute(scheduler=cluster.client.get)
    total = scale.summary(findings, scheduler=cluster.client.get)
    # (a file a command: a validator each, as each partition has; the schema named for a payload that fits
    # several can depend on the payloads before it, see evaljobs._validation.validator)
    cli = [
        json.loads(line)
        for url in urls
        for line in run("validate", "--format", "json", url, env=s3).stdout.splitlines()
    ]
    assert [{**r, "source": None} for r in reports] == [{**r, "source": None} for r in cli]
    assert reports[0]["source"] == "partition-0:1"
    assert total["payloads"] == len(cli) == 800
    assert total["invalid"] == sum(not r["valid"] for r in cli) > 0
    assert total["first_invalid"] == next(r["source"] for r in reports if not r["valid"])
    assert total["schemas"] == {
        name: sum(r["schema"] == name for r in cli) for name in sorted({r["schema"] for r in cli if r["schema"]})
    }
    with pytest.raises(LookupError):
        scale.validate_bag(lines, schema="nemo_evaluator.NoSuchModel")
