"""The compose proxy's own config (deploy/nginx/network.conf), run for real in front of gunicorn.

nginx listens on loopback with a throwaway certificate; two visitors connect from different
loopback addresses, as two people on the internet would reach the proxy from theirs.
"""

import http.client
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

from invitations.services import INTEREST_LIMIT
from tests.conftest import skip_without
from tests.network.test_logs import free_port
from tests.network.test_proxy import INTEREST

HOST = "network.example.org"


@dataclass
class Site:
    http_port: int
    https_port: int
    nginx_log: Path
    gunicorn_log: Path


def write_certificate(folder: Path) -> None:
    """A throwaway self-signed certificate for HOST, as TLS_CERTIFICATE_DIR would hold."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(log.read_text())
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": HOST})
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(log.read_text())


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    nginx = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if os.path.exists(path)), None
    )
    if nginx is None:
        skip_without("nginx", "apt-get install nginx-light (CI does)")
    assert nginx is not None

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_PROVIDER", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="a-production-like-secret-that-is-long-enough-for-the-deploy-check-0123",
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        TRUSTED_PROXY_COUNT="1",
    )
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "-v", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            timeout=180,
        )

    certs = tmp_path / "certs"
    certs.mkdir()
    write_certificate(certs)

    web_port, http_port, https_port = free_port(), free_port(), free_port()
    config = (Path(settings.BASE_DIR) / "deploy" / "nginx" / "network.conf").read_text()
    for shipped, here in [
        ("server web:8000;", f"server 127.0.0.1:{web_port};"),
        ("listen 80 default_server;", f"listen 127.0.0.1:{http_port} default_server;"),
        ("listen 443 ssl default_server;", f"listen 127.0.0.1:{https_port} ssl default_server;"),
        ("/etc/nginx/certs/", f"{certs}/"),
        ("/var/log/nginx/access.log", str(tmp_path / "nginx-access.log")),
    ]:
        assert shipped in config, shipped
        config = config.replace(shipped, here)
    (tmp_path / "network.conf").write_text(config)
    temp = tmp_path / "nginx-temp"
    temp.mkdir()
    (tmp_path / "nginx.conf").write_text(
        ("user root root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/nginx-error.log;\n"
        + "events {}\nhttp {\n"
        + "".join(
            f"    {kind}_temp_path {temp}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"    include {tmp_path}/network.conf;\n}}\n"
    )

    gunicorn_log = tmp_path / "gunicorn.log"
    with gunicorn_log.open("w") as log:
        web = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                "gunicorn.conf.py",
                "network.wsgi",
                "--bind",
                f"127.0.0.1:{web_port}",
                "--workers",
                "1",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        proxy = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(web_port, web, gunicorn_log)
            deadline = time.monotonic() + 10
            while not (tmp_path / "nginx.pid").exists():
                if proxy.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(gunicorn_log.read_text())
                time.sleep(0.1)
            yield Site(http_port, https_port, tmp_path / "nginx-access.log", gunicorn_log)
        finally:
            for process in (proxy, web):
                process.terminate()
                process.wait(timeout=30)


class Visitor:
    """A browser on its own address: keeps its cookies and speaks HTTPS to the proxy."""

    def __init__(self, site: Site, address: str) -> None:
        self.site, self.address = site, address
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None, **headers: str
    ) -> tuple[int, http.client.HTTPMessage, str]:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(
            "127.0.0.1",
            self.site.https_port,
            timeout=10,
            context=context,
            source_address=(self.address, 0),
        )
        headers = {"Host": HOST, **headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response.status, response.headers, text

    def express_interest(self, n: int, forwarded_for: str = "") -> int:
        _, _, page = self.request("GET", "/join/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page
        body = urlencode(
            {**INTEREST, "email": f"person{n}@example.org", "csrfmiddlewaretoken": token.group(1)}
        )
        extra = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        status, _, _ = self.request(
            "POST",
            "/join/",
            body,
            **{"Content-Type": "application/x-www-form-urlencoded"},
            Origin=f"https://{HOST}",
            Referer=f"https://{HOST}/join/",
            **extra,
        )
        return status


def test_through_the_proxy_each_visitor_has_their_own_limit(site: Site) -> None:
    first, second = Visitor(site, "127.0.0.2"), Visitor(site, "127.0.0.3")
    # The first visitor writes a different address into X-Forwarded-For each time.
    statuses = [
        first.express_interest(n, forwarded_for=f"198.51.100.{n}")
        for n in range(INTEREST_LIMIT + 1)
    ]
    assert statuses[:INTEREST_LIMIT] == [200] * INTEREST_LIMIT
    assert statuses[-1] == 429
    assert second.express_interest(100) == 200


def test_the_proxy_redirects_to_https_and_the_site_sees_https(site: Site) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=10)
    connection.request("GET", "/join/?from=poster", headers={"Host": HOST})
    response = connection.getresponse()
    assert response.status == 301
    assert response.headers["Location"] == f"https://{HOST}/join/?from=poster"
    # Served over the proxy's HTTPS, Django knows it: no redirect loop, HSTS on the answer.
    status, headers, _ = Visitor(site, "127.0.0.2").request("GET", "/privacy/")
    assert status == 200
    assert "max-age=31536000" in headers["Strict-Transport-Security"]


def test_the_proxy_log_holds_no_link_secrets_search_terms_or_addresses(site: Site) -> None:
    visitor = Visitor(site, "127.0.0.2")
    for path in [
        "/invitation/5f1c9a7e0b3d4c2a8e6f/",
        "/members/?q=secret-search",
        "/accounts/password/reset/key/abc-def/",
        "/join/withdraw/withdraw-token/",
        "/nowhere/grace@example.org/",
    ]:
        visitor.request("GET", path)
    deadline = time.monotonic() + 5
    while site.nginx_log.read_text().count("\n") < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    proxy_log = site.nginx_log.read_text()
    assert '"GET /invitation/[redacted]/ HTTP/1.1" 404' in proxy_log
    assert '"GET /members/ HTTP/1.1" 302' in proxy_log
    assert '"GET /accounts/password/reset/key/[redacted]/ HTTP/1.1"' in proxy_log
    for secret in ["5f1c9a7e0b3d4c2a8e6f", "secret-search", "abc-def", "withdraw-token", "grace"]:
        assert secret not in proxy_log, secret
        assert secret not in site.gunicorn_log.read_text(), secret
    assert "127.0.0.2" not in proxy_log


def test_each_request_has_the_proxys_id_in_both_logs_and_the_answer(site: Site) -> None:
    visitor = Visitor(site, "127.0.0.2")
    # An id the visitor makes up is replaced by the proxy's own.
    _, headers, _ = visitor.request("GET", "/privacy/", **{"X-Request-ID": "visitor-chosen-id"})
    request_id = headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id
    deadline = time.monotonic() + 5
    while request_id not in site.gunicorn_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert '"GET /privacy/ HTTP/1.1" 200' in site.nginx_log.read_text()
    assert request_id in site.nginx_log.read_text()
    assert request_id in site.gunicorn_log.read_text()
    assert "visitor-chosen-id" not in site.gunicorn_log.read_text()
