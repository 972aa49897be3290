"""Benchmark: the member directory and its search with tens of thousands of members.

Run on purpose, not in the test suite, against PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/network_bench \\
    DEBUG=true .venv/bin/python bench/directory.py --members 50000

It migrates that database, makes sure it holds the demo network with at least that many members
(seed_demo --members, timed), then times directory requests through Django's test client, which
runs the whole request in this process: server time, without a browser or the network.
"""

import argparse
import io
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from members.models import Profile, User  # noqa: E402

REQUESTS = {
    "first page": "/members/",
    "page 1,000": "/members/?page=1000",
    "filter: region and mentors": "/members/?region=london&mentors=on",
    "search: one word": "/members/?q=governance",
    "search: two words and a filter": "/members/?q=board+finance&profession=nursing",
    "search: a name": "/members/?q=Okafor",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to PostgreSQL: see this file's help.")

    call_command("migrate", verbosity=0)
    missing = args.members - Profile.objects.filter(user__email__startswith="member").count()
    if missing > 0:
        started = time.perf_counter()
        call_command("seed_demo", members=args.members, stdout=io.StringIO())
        print(f"seeded {missing} members in {time.perf_counter() - started:.1f} s")
    call_command("seed_demo", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    client = Client(headers={"host": "127.0.0.1"})
    client.force_login(User.objects.get(email="amara.okafor@example.org"))
    print(f"{Profile.objects.count()} profiles; {args.repeat} requests each, times in ms")
    print(f"{'request':34} {'median':>7} {'p95':>7} {'queries':>8} {'found':>7}")
    for name, url in REQUESTS.items():
        client.get(url)
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        found = re.search(r"([\d,]+) members? found", response.content.decode())
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(
            f"{name:34} {statistics.median(timings):7.1f} {p95:7.1f} {len(queries):8} "
            f"{found.group(1) if found else '?':>7}"
        )


if __name__ == "__main__":
    main()
