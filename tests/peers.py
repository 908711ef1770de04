"""Real third-party servers on loopback for the tests: prosody (XMPP), nginx (HTTPS), dovecot (IMAP).

Each is started as a private, foreground process with its own configuration in a temporary
directory, waited for until its ports accept connections, and stopped by PID. Only 127.0.0.0/8 is
ever used. A test needing a server the machine lacks is skipped with the command that installs it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from confcheck import pki

INSTALL = (
    "apt-get install -y --no-install-recommends prosody nginx dovecot-imapd dnsmasq-base "
    "(bash .ci/run does this when it runs as root)"
)


def require(binary: str) -> str:
    """The path of ``binary``; skips the test, saying how to install it, when it is missing.

    CI sets CONFCHECK_REQUIRE_REAL_SERVERS=1: there a missing server fails instead of skipping.
    """
    for candidate in (shutil.which(binary), f"/usr/sbin/{binary}", f"/usr/bin/{binary}"):
        if candidate and Path(candidate).exists():
            return candidate
    message = f"{binary} is not installed: {INSTALL}"
    if os.environ.get("CONFCHECK_REQUIRE_REAL_SERVERS"):
        pytest.fail(message)
    pytest.skip(message)


def free_port(*hosts: str) -> int:
    """A TCP port free on every one of ``hosts`` (loopback addresses)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((hosts[0], 0))
            port = int(probe.getsockname()[1])
        try:
            for host in hosts[1:]:
                with socket.socket() as other:
                    other.bind((host, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port")


def wait_until_accepting(
    process: subprocess.Popen[bytes], addresses: Sequence[tuple[str, int]], log: Path
) -> None:
    """Poll until every address accepts, or fail with the server's own log."""
    deadline = time.monotonic() + 15
    pending = list(addresses)
    while pending:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {_tail(log)}")
        try:
            with socket.create_connection(pending[0], timeout=0.5):
                pending.pop(0)
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not accepting on {pending[0]}: {_tail(log)}") from None
            time.sleep(0.02)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it does not exit within five seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(log: Path) -> str:
    with contextlib.suppress(OSError):
        return " | ".join(log.read_text(errors="replace").strip().splitlines()[-5:])
    return "(no log)"


def _write_pair(directory: Path, name: str, issued: pki.Issued, *chain: pki.Issued) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    cert.write_text(issued.pem + "".join(c.pem for c in chain))
    key.write_text(issued.key_pem)
    key.chmod(0o644)
    return cert, key


# --- prosody: XMPP STARTTLS ---------------------------------------------------------------------


@dataclass(frozen=True)
class Xmpp:
    """A running prosody: one c2s port, a virtual host per certificate."""

    host: str
    port: int


@contextlib.contextmanager
def prosody(workdir: Path, vhosts: dict[str, pki.Issued]) -> Iterator[Xmpp]:
    """prosody on 127.0.0.1 with one virtual host (and certificate) per domain in ``vhosts``."""
    binary = require("prosody")
    base = workdir / "prosody"
    (base / "data").mkdir(parents=True)
    (base / "nocerts").mkdir()
    port = free_port("127.0.0.1")
    blocks = []
    for domain, issued in vhosts.items():
        cert, key = _write_pair(base, domain, issued)
        blocks.append(f'VirtualHost "{domain}"\n    ssl = {{ certificate = "{cert}"; key = "{key}"; }}\n')
    config = base / "prosody.cfg.lua"
    config.write_text(
        f"""run_as_root = true
pidfile = "{base}/prosody.pid"
data_path = "{base}/data"
plugin_paths = {{}}
log = {{ info = "{base}/prosody.log"; error = "{base}/prosody.err"; }}
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {port} }}
c2s_direct_tls_ports = {{}}
modules_enabled = {{ "roster"; "saslauth"; "tls"; "disco"; "ping"; "posix"; }}
modules_disabled = {{ "s2s"; "s2s_auth_certs"; "offline"; }}
authentication = "internal_hashed"
storage = "internal"
c2s_require_encryption = true
certificates = "{base}/nocerts"
"""
        + "\n".join(blocks)
    )
    log = base / "prosody.log"
    process = subprocess.Popen(
        [binary, "-F", "--config", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_accepting(process, [("127.0.0.1", port)], log)
        yield Xmpp("127.0.0.1", port)
    finally:
        stop(process)


# --- nginx: HTTPS nodes, one loopback address and certificate each ------------------------------


@dataclass(frozen=True)
class Https:
    """A running nginx: node name -> (address, port)."""

    nodes: dict[str, tuple[str, int]]


@contextlib.contextmanager
def nginx(
    workdir: Path,
    nodes: Mapping[str, tuple[str, Sequence[pki.Issued]]],
    twins: Mapping[str, Sequence[pki.Issued]] | None = None,
) -> Iterator[Https]:
    """nginx serving each node (name -> (loopback address, chain leaf first)) on its own address.

    ``twins``: a second chain per node name, of the other key type (nginx holds an RSA and an ECDSA
    certificate per server and picks by the client's offer, as a Cisco node with tomcat-ECDSA does)."""
    binary = require("nginx")
    base = workdir / "nginx"
    for sub in ("logs", "tmp", "certs"):
        (base / sub).mkdir(parents=True)
    port = free_port(*(address for address, _ in nodes.values()))
    servers = []
    for name, (address, chain) in nodes.items():
        cert, key = _write_pair(base / "certs", name, chain[0], *chain[1:])
        pairs = f" ssl_certificate {cert}; ssl_certificate_key {key};"
        twin = (twins or {}).get(name)
        if twin:
            cert, key = _write_pair(base / "certs", f"{name}-twin", twin[0], *twin[1:])
            pairs += f" ssl_certificate {cert}; ssl_certificate_key {key};"
        servers.append(
            f"  server {{ listen {address}:{port} ssl; server_name {name};{pairs}"
            f" location / {{ return 200 '{name}'; }} }}"
        )
    temp = " ".join(
        f"{kind}_temp_path {base}/tmp/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = base / "nginx.conf"
    config.write_text(
        f"daemon off; master_process on; worker_processes 1; pid {base}/nginx.pid;\n"
        f"error_log {base}/logs/error.log notice;\nevents {{ worker_connections 256; }}\n"
        f"http {{ access_log {base}/logs/access.log; {temp} ssl_protocols TLSv1.2 TLSv1.3;\n"
        + "\n".join(servers)
        + "\n}\n"
    )
    log = base / "logs" / "error.log"
    process = subprocess.Popen(
        [binary, "-e", str(log), "-p", str(base), "-c", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_accepting(process, [(address, port) for address, _ in nodes.values()], log)
        yield Https({name: (address, port) for name, (address, _) in nodes.items()})
    finally:
        stop(process)


# --- dovecot: IMAP STARTTLS (the mail store) ----------------------------------------------------


@contextlib.contextmanager
def dovecot(workdir: Path, issued: pki.Issued) -> Iterator[tuple[str, int]]:
    """dovecot offering IMAP with STARTTLS on 127.0.0.1."""
    binary = require("dovecot")
    base = workdir / "dovecot"
    for sub in ("run", "state", "home"):
        (base / sub).mkdir(parents=True)
    cert, key = _write_pair(base, "mail", issued)
    port = free_port("127.0.0.1")
    config = base / "dovecot.conf"
    config.write_text(
        f"""base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain
passdb {{
  driver = static
  args = password=test
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={base}/home/%u
}}
mail_location = maildir:{base}/home/%u/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
    )
    log = base / "dovecot.log"
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_accepting(process, [("127.0.0.1", port)], log)
        yield ("127.0.0.1", port)
    finally:
        stop(process)


# --- dnsmasq: DNS ----------------------------------------------------------------------------------


@contextlib.contextmanager
def dnsmasq(workdir: Path, hosts: Mapping[str, str], srv: Sequence[str] = ()) -> Iterator[tuple[str, int]]:
    """dnsmasq answering for example.com from ``hosts`` (name -> address) and ``srv-host`` lines."""
    binary = require("dnsmasq")
    base = workdir / "dnsmasq"
    base.mkdir(parents=True)
    (base / "hosts").write_text("".join(f"{address} {name}\n" for name, address in hosts.items()))
    port = free_port("127.0.0.1")
    config = base / "dnsmasq.conf"
    config.write_text(
        f"port={port}\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\nno-poll\n"
        f"addn-hosts={base}/hosts\nlocal=/example.com/\nuser=root\npid-file={base}/dnsmasq.pid\n"
        f"log-facility={base}/dnsmasq.log\n" + "".join(f"srv-host={line}\n" for line in srv)
    )
    process = subprocess.Popen(
        [binary, "--keep-in-foreground", f"--conf-file={config}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_accepting(process, [("127.0.0.1", port)], base / "dnsmasq.log")  # its TCP listener
        yield ("127.0.0.1", port)
    finally:
        stop(process)
