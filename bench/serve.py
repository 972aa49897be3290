"""Benchmark: pages a member uses, served the production way, side by side with the cheapest one.

Run on purpose, not in the test suite, against PostgreSQL and Redis on this machine:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/network_bench \\
    REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/serve.py --members 50000

It migrates that database and makes sure it holds the demo network with at least that many
members (seed_demo --members), collects the static files, then starts gunicorn with production
settings (DEBUG off, a throwaway SECRET_KEY, gunicorn.conf.py, two workers) on 127.0.0.1. A
small threaded client signs in once as a demo member, keeps the session cookie, and sends each
page requests from a few connections at once for a fixed time, the pages taking turns. It
prints requests a second, p50 and p99 for each page and its throughput as a share of the
cheapest page's (`/healthz`).
"""

import argparse
import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST = "127.0.0.1"
MEMBER = "amara.okafor@example.org"
DEMO_PASSWORD = "demo-network-2026"  # noqa: S105 - the demo accounts' published password

PAGES = {
    "/healthz (cheapest)": "/healthz",
    "home": "/home/",
    "directory": "/members/",
    "search": "/members/?q=governance",
    "filtered search": "/members/?q=board+finance&profession=nursing",
    "filter: region, mentors": "/members/?region=london&mentors=on",
    "old link ?page=1000": "/members/?page=1000",
    # Filled in once seeded: the thousandth page reached by Next, from the member before it.
    "deep page (1,000th)": "/members/?after={member_before_page_1000}",
}
PAGE_SIZE = 30


DIRECTORY_ORDER = (
    "SELECT p.user_id FROM members_profile p JOIN members_user u ON u.id = p.user_id"
    " WHERE u.is_active ORDER BY p.display_name, p.user_id OFFSET {offset} LIMIT 1"
)


@dataclass
class Result:
    timings: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def add(self, other: "Result") -> None:
        self.timings += other.timings
        self.errors += other.errors
        self.seconds += other.seconds

    @property
    def rate(self) -> float:
        return len(self.timings) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.timings)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def prepare(members: int, env: dict[str, str]) -> None:
    seeding = {**env, "DEBUG": "true"}
    manage("migrate", "--verbosity", "0", env=seeding)
    started = time.perf_counter()
    manage("seed_demo", "--members", str(members), env=seeding)
    print(f"seed_demo --members {members}: {time.perf_counter() - started:.1f} s")
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    subprocess.run(["psql", os.environ["DATABASE_URL"], "-qc", "VACUUM ANALYZE"], check=True)


def member_before_page(number: int) -> str:
    """The member that page `number` of the directory follows, as its Next link names them."""
    found = subprocess.run(
        [
            "psql",
            os.environ["DATABASE_URL"],
            "-Atc",
            DIRECTORY_ORDER.format(offset=(number - 1) * PAGE_SIZE - 1),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return found.stdout.strip()


def request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str],
    body: str | None = None,
) -> http.client.HTTPResponse:
    connection.request(method, path, body=body, headers={"Host": HOST, **headers})
    response = connection.getresponse()
    response.read()
    if response.getheader("Connection", "").lower() == "close":
        connection.close()
    return response


def cookies_from(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
    return found


def sign_in(port: int) -> str:
    """Sign in through the real form once; every request then carries the session cookie."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", "/accounts/login/", headers={"Host": HOST})
    response = connection.getresponse()
    form = response.read().decode()
    connection.close()
    jar = cookies_from(response)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    if token is None:
        sys.exit(f"No sign-in form at /accounts/login/ (status {response.status}).")
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "login": MEMBER, "password": DEMO_PASSWORD}
    )
    cookie = "; ".join(f"{name}={value}" for name, value in jar.items())
    response = request(
        connection,
        "POST",
        "/accounts/login/",
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body,
    )
    session = cookies_from(response).get("sessionid")
    if response.status != 302 or not session:
        sys.exit(f"Signing in as {MEMBER} failed (status {response.status}).")
    return f"sessionid={session}"


def hammer(port: int, path: str, cookie: str, *, seconds: float, connections: int) -> Result:
    result = Result()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        timings, errors = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                response = request(connection, "GET", path, {"Cookie": cookie})
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            if ok:
                timings.append(time.perf_counter() - started)
            else:
                errors += 1
        with lock:
            result.timings.extend(timings)
            result.errors += errors

    threads = [threading.Thread(target=run) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if server.poll() is not None:
            sys.exit("gunicorn stopped before answering: see its output above.")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            if request(connection, "GET", "/healthz", {}).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("gunicorn did not answer /healthz with 200 in 20 s.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="for each page")
    parser.add_argument("--rounds", type=int, default=5, help="turns each page takes")
    parser.add_argument("--connections", type=int, default=4, help="requests in flight")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: see this file's help.")
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL: the production shape caches in Redis.")

    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"http://{HOST}:{args.port}",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(args.workers),
    }
    prepare(args.members, env)
    server = subprocess.Popen(
        [
            *(GUNICORN, "network.wsgi", "--config", "gunicorn.conf.py"),
            *("--bind", f"{HOST}:{args.port}", "--workers", str(args.workers)),
            *("--access-logfile", os.devnull),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(args.port, server)
        cookie = sign_in(args.port)
        before = member_before_page(1000)
        paths = {name: path.format(member_before_page_1000=before) for name, path in PAGES.items()}
        results = {name: Result() for name in paths}
        for path in paths.values():
            # A short warm-up fills each worker's caches and connections before timing.
            hammer(args.port, path, cookie, seconds=1, connections=args.connections)
        # Pages take turns, a slice of their time each round, so that anything else the
        # machine does meanwhile slows them all alike and the ratios stay fair.
        for _ in range(args.rounds):
            for name, path in paths.items():
                results[name].add(
                    hammer(
                        args.port,
                        path,
                        cookie,
                        seconds=args.seconds / args.rounds,
                        connections=args.connections,
                    )
                )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    cheapest = next(iter(results.values())).rate
    print(
        f"\n{args.members:,} members; gunicorn, {args.workers} workers; {args.connections} "
        f"connections; {args.seconds:g} s a page in {args.rounds} turns\n"
    )
    print(f"| {'page':24} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'ratio':>5} | errors |")
    print(f"|{'-' * 26}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 7}|--------|")
    for name, result in results.items():
        print(
            f"| {name:24} | {result.rate:7.1f} | {result.percentile(0.5):7.1f} "
            f"| {result.percentile(0.99):7.1f} | {result.rate / cheapest:5.2f} "
            f"| {result.errors:6} |"
        )
    if any(result.errors for result in results.values()):
        sys.exit("Some requests failed.")


if __name__ == "__main__":
    main()
