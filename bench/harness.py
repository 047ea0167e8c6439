"""
What the benchmark and the load test share: a gunicorn server on the loopback address that is
always stopped, a bounded concurrent HTTP client, and the figures computed from it.

Traffic only ever goes to 127.0.0.1: HOST is the one address the client knows.
"""

import atexit
import contextlib
import ctypes
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(database_url, *, static_root=None, **extra):
    """The environment of a production-like server on the loopback address."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
        # Every client of a benchmark is one address: the API's throttle would measure itself.
        API_RATE="1000000/minute",
    )
    env.pop("CACHE_URL", None)
    env.pop("REDIS_URL", None)
    if static_root:
        env["BENCH_STATIC_ROOT"] = str(static_root)
        env["DJANGO_STATIC_MANIFEST"] = "true"
    else:
        env["DJANGO_STATIC_MANIFEST"] = "false"
    env.update({name: str(value) for name, value in extra.items()})
    return env


def run_step(args, env, *, quiet=True):
    """Run a command from the project folder; return its duration in seconds, or raise with its output."""
    started = time.monotonic()
    result = subprocess.run(
        args,
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        text=True,
    )
    if result.returncode != 0:
        output = (result.stdout or "")[-4000:]
        raise RuntimeError(f"{' '.join(map(str, args))} failed with exit code {result.returncode}\n{output}")
    return time.monotonic() - started


def manage(env, *args, quiet=True):
    return run_step([PYTHON, "manage.py", *args], env, quiet=quiet)


def _die_with_parent():
    """In the child before exec: get SIGTERM if the process that started us dies (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Gunicorn:
    """gunicorn on 127.0.0.1 in its own process group; stop() (or exit, or a signal) ends it."""

    def __init__(self, env, *, workers=2, log_path, wsgi="peacekeeping.wsgi"):
        self.env, self.workers, self.log_path, self.wsgi = env, workers, Path(log_path), wsgi
        self.port = free_port()
        self.process = None

    def start(self, timeout=60):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    self.wsgi,
                    "--bind",
                    f"{HOST}:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--timeout",
                    "120",
                    "--graceful-timeout",
                    "5",
                ],
                cwd=PROJECT_DIR,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with code {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                if get(self.port, "/_floor/", timeout=5).status == 200 and len(self.worker_pids()) >= self.workers:
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout}s:\n{self.log_tail()}")

    def worker_pids(self):
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def memory(self):
        """Peak and current resident memory (MB) of the master and each worker."""
        return {
            "master": read_memory(self.process.pid) if self.process else None,
            "workers": [read_memory(pid) for pid in self.worker_pids()],
        }

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def read_memory(pid):
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in {"VmHWM", "VmRSS"}:
                values[name] = int(rest.split()[0]) / 1024
    except OSError:
        return None
    return {"pid": pid, "peak_rss_mb": round(values.get("VmHWM", 0), 1), "rss_mb": round(values.get("VmRSS", 0), 1)}


def exit_on_sigterm():
    """Treat SIGTERM as Ctrl-C: `finally` blocks stop the server and what was measured is reported."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float
    cache: str | None  # the X-Cache header: "hit", "miss", or None when the page was not cached


def get(port, path, *, timeout=30):
    """GET http://127.0.0.1:port/path, on a new connection, and read the whole answer."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": HOST, "Accept": "text/html,*/*"})
        response = connection.getresponse()
        body = response.read()
        return Answer(response.status, body, time.perf_counter() - started, response.getheader("X-Cache"))
    finally:
        connection.close()


def is_success(status):
    return 200 <= status < 400


@dataclass
class Load:
    """The outcome of one bounded load: latencies of successful requests, errors by kind."""

    latencies: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    error_samples: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0
    bytes: int = 0
    by_kind: dict = field(default_factory=dict)
    cache: dict = field(default_factory=dict)

    @property
    def requests(self):
        return sum(self.statuses.values()) + sum(n for kind, n in self.errors.items() if not kind.startswith("HTTP"))

    @property
    def error_count(self):
        return sum(self.errors.values())

    def percentile(self, p):
        return percentile(self.latencies, p)

    def figures(self):
        return {
            "requests": self.requests,
            "errors": self.error_count,
            "error_kinds": dict(self.errors),
            "error_samples": self.error_samples[:5],
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "x_cache": {str(k): v for k, v in sorted(self.cache.items(), key=str)},
            "seconds": round(self.seconds, 3),
            "p50_ms": ms(self.percentile(50)),
            "p95_ms": ms(self.percentile(95)),
            "p99_ms": ms(self.percentile(99)),
            "max_ms": ms(max(self.latencies)) if self.latencies else None,
            "rps": round(self.requests / self.seconds, 1) if self.seconds else None,
            "mean_bytes": round(self.bytes / self.requests) if self.requests else None,
            "by_kind": {
                kind: {
                    "requests": len(values),
                    "p50_ms": ms(percentile(values, 50)),
                    "p95_ms": ms(percentile(values, 95)),
                    "max_ms": ms(max(values)),
                }
                for kind, values in sorted(self.by_kind.items())
            },
        }


def percentile(values, p):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def run_load(port, choose_path, *, clients, max_requests=None, max_seconds, timeout=30, kind_of=None):
    """
    `clients` threads send GET requests to 127.0.0.1:port, one at a time each, until
    `max_requests` have been sent in all or `max_seconds` have passed, whichever comes first.
    `choose_path(client_index, request_index)` gives each request's path; `kind_of(path)`, if
    given, names the kind of page, and successful latencies are also kept per kind.
    """
    load = Load()
    lock = threading.Lock()
    sent = 0
    deadline = time.monotonic() + max_seconds

    def client(index):
        nonlocal sent
        while time.monotonic() < deadline:
            with lock:
                if max_requests is not None and sent >= max_requests:
                    return
                number = sent
                sent += 1
            path = choose_path(index, number)
            started = time.perf_counter()
            try:
                answer = get(port, path, timeout=timeout)
            except Exception as error:  # any failure is a finding, never a crash of the client
                kind = type(error).__name__
                with lock:
                    load.errors[kind] = load.errors.get(kind, 0) + 1
                    load.error_samples.append(
                        f"{path}: {kind} {error} after {time.perf_counter() - started:.1f}s".strip()
                    )
                continue
            with lock:
                load.statuses[answer.status] = load.statuses.get(answer.status, 0) + 1
                load.cache[answer.cache] = load.cache.get(answer.cache, 0) + 1
                load.bytes += len(answer.body)
                if is_success(answer.status):
                    load.latencies.append(answer.seconds)
                    if kind_of is not None:
                        load.by_kind.setdefault(kind_of(path), []).append(answer.seconds)
                else:
                    kind = f"HTTP {answer.status}"
                    load.errors[kind] = load.errors.get(kind, 0) + 1
                    load.error_samples.append(f"{path}: {kind}")

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        # A request may outlive the deadline by at most its timeout.
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + timeout + 5)
    load.seconds = time.monotonic() - started
    return load
