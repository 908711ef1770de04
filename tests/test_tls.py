"""The TLS transport against misbehaving servers: small real TCP servers on 127.0.0.1, in threads.

Each server below misbehaves in one way a production or hostile server might; the fetcher must
turn every one of them into a clear error on the endpoint, within its deadline and byte limits.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from confcheck import certs, pki
from confcheck.endpoint import Endpoint
from confcheck.transport import tls
from confcheck.transport.tls import Policy, UrlError

FAST = Policy(connect_timeout=1.0, read_timeout=1.0, deadline=3.0, retries=0, backoff=0.05)
FEATURES = (
    b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    b"from='example.com' id='1' version='1.0'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
    b"<required/></starttls></stream:features>"
)
PROCEED = b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"

Handler = Callable[[socket.socket], None]


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], int]]:
    """Start a one-handler-per-connection TCP server on 127.0.0.1; returns its port."""
    listeners: list[socket.socket] = []

    def start(handler: Handler) -> int:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listeners.append(listener)

        def loop() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                threading.Thread(target=_run, args=(handler, conn), daemon=True).start()

        threading.Thread(target=loop, daemon=True).start()
        return int(listener.getsockname()[1])

    yield start
    for listener in listeners:
        listener.close()


def _run(handler: Handler, conn: socket.socket) -> None:
    try:
        handler(conn)
    except OSError:
        pass
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    issued = pki.server("example.com", dns=["example.com"], xmpp_addr=["example.com"])
    directory: Path = tmp_path_factory.mktemp("tls")
    (directory / "c.pem").write_text(issued.pem)
    (directory / "k.pem").write_text(issued.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "c.pem", directory / "k.pem")
    return context


def _error(url: str, policy: Policy = FAST, name: str | None = None) -> tuple[str, str]:
    endpoint = tls.fetch(tls.parse_url(url, name), policy)
    assert endpoint.error is not None, endpoint
    assert endpoint.chain == ()
    return endpoint.error.kind, endpoint.error.message


def _xmpp(port: int) -> str:
    return f"xmpp://127.0.0.1:{port}"


def _after_header(conn: socket.socket) -> None:
    conn.recv(4096)  # the client's stream header


# --- well-behaved: the happy paths ---------------------------------------------------------------


def test_xmpp_starttls_with_a_python_server(
    serve: Callable[[Handler], int], server_context: ssl.SSLContext
) -> None:
    def handler(conn: socket.socket) -> None:
        _after_header(conn)
        conn.sendall(FEATURES)
        conn.recv(4096)
        conn.sendall(PROCEED)
        with server_context.wrap_socket(conn, server_side=True) as tls_conn:
            tls_conn.recv(1)

    endpoint = tls.fetch(tls.parse_url(_xmpp(serve(handler)), "example.com"), FAST)
    assert endpoint.error is None
    assert endpoint.chain[0].san is not None
    assert endpoint.chain[0].san.xmpp_addr == ("example.com",)
    assert endpoint.protocol == "xmpp-client"
    assert endpoint.server_name == "example.com"


# --- hostile or broken XMPP servers --------------------------------------------------------------


def test_server_that_accepts_and_never_answers_times_out(serve: Callable[[Handler], int]) -> None:
    port = serve(lambda conn: time.sleep(5))
    started = time.monotonic()
    kind, message = _error(_xmpp(port))
    assert kind == "timeout"
    assert message == "waiting for the stream features: no answer within 1 s"
    assert time.monotonic() - started < 2.5
    assert _error(f"https://127.0.0.1:{port}")[0] == "timeout"


@pytest.mark.parametrize(
    ("policy", "expected", "waited"),
    [
        (  # the handshake may take a connect and a read timeout: that is the limit said
            Policy(connect_timeout=0.2, read_timeout=0.3, deadline=5.0, retries=0),
            "TLS handshake with {url}: no answer within 0.5 s",
            0.5,
        ),
        (  # the overall deadline comes first: it is the limit said
            Policy(connect_timeout=0.3, read_timeout=0.5, deadline=0.4, retries=0),
            "TLS handshake with {url}: no answer within the overall deadline of 0.4 s",
            0.4,
        ),
    ],
    ids=["handshake-limit", "overall-deadline"],
)
def test_a_silent_tls_server_is_reported_with_the_limit_that_expired(
    serve: Callable[[Handler], int], policy: Policy, expected: str, waited: float
) -> None:
    url = f"https://127.0.0.1:{serve(lambda conn: time.sleep(3))}"
    started = time.monotonic()
    kind, message = _error(url, policy)
    elapsed = time.monotonic() - started
    assert kind == "timeout"
    assert message == expected.format(url=url)
    assert waited - 0.05 <= elapsed < waited + 1.0


def test_endless_stream_is_cut_at_the_preamble_limit(serve: Callable[[Handler], int]) -> None:
    def handler(conn: socket.socket) -> None:
        _after_header(conn)
        conn.sendall(FEATURES[: FEATURES.index(b"<stream:features>")])
        while True:
            conn.sendall(b"<x/>" * 1024)

    kind, message = _error(_xmpp(serve(handler)))
    assert kind == "protocol"
    assert f"more than {FAST.max_preamble} bytes before TLS" in message


def test_megabytes_of_features_are_refused(serve: Callable[[Handler], int]) -> None:
    def handler(conn: socket.socket) -> None:
        _after_header(conn)
        conn.sendall(
            FEATURES.replace(b"<required/>", b"<required/>" + b"<mechanism>PLAIN</mechanism>" * 100_000)
        )

    assert _error(_xmpp(serve(handler)))[0] == "protocol"


def test_slow_drip_hits_the_overall_deadline(serve: Callable[[Handler], int]) -> None:
    def handler(conn: socket.socket) -> None:
        _after_header(conn)
        for byte in FEATURES[:-20]:
            conn.sendall(bytes([byte]))
            time.sleep(0.1)

    policy = Policy(connect_timeout=1.0, read_timeout=1.0, deadline=1.0, retries=0)
    started = time.monotonic()
    kind, message = _error(_xmpp(serve(handler)), policy)
    assert kind == "timeout"
    assert "overall deadline of 1 s" in message
    assert time.monotonic() - started < 2.0


def test_garbage_after_proceed_is_a_protocol_error(serve: Callable[[Handler], int]) -> None:
    def handler(conn: socket.socket) -> None:
        _after_header(conn)
        conn.sendall(FEATURES)
        conn.recv(4096)
        conn.sendall(PROCEED + b"garbage that is not TLS")
        time.sleep(1)

    kind, message = _error(_xmpp(serve(handler)))
    assert kind == "protocol"
    assert "sent data after <proceed/>" in message


def test_garbage_instead_of_a_tls_handshake_is_a_tls_error(serve: Callable[[Handler], int]) -> None:
    def handler(conn: socket.socket) -> None:
        _after_header(conn)
        conn.sendall(FEATURES)
        conn.recv(4096)
        conn.sendall(PROCEED)
        time.sleep(0.1)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n" * 10)
        time.sleep(0.5)

    kind, message = _error(_xmpp(serve(handler)))
    assert kind == "tls"
    assert "TLS handshake with" in message


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (FEATURES.replace(b"urn:ietf:params:xml:ns:xmpp-tls", b"urn:other"), "does not offer STARTTLS"),
        (FEATURES + b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", "refused STARTTLS (<failure/>)"),
        (
            b"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
            b"<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>",
            "stream error <host-unknown/>",
        ),
        (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><stream:stream>", "sent a DTD"),
        (b"<stream:stream><<<not xml", "malformed XML"),
    ],
    ids=["no-starttls", "failure", "host-unknown", "dtd", "not-xml"],
)
def test_xmpp_refusals_are_clear_errors(
    serve: Callable[[Handler], int], answer: bytes, expected: str
) -> None:
    def handler(conn: socket.socket) -> None:
        _after_header(conn)
        if b"<failure" in answer:
            conn.sendall(answer.split(b"<failure")[0])
            conn.recv(4096)
            conn.sendall(b"<failure" + answer.split(b"<failure")[1])
        else:
            conn.sendall(answer)
        time.sleep(0.5)

    kind, message = _error(_xmpp(serve(handler)))
    assert kind in ("xmpp", "protocol")
    assert expected in message


@pytest.mark.parametrize(
    "pieces",
    [
        [b"<?xml version='1.0'?><!DOC", b"TYPE stream [<!ENT", b"ITY a 'b'>]>"],
        [b"<?xml version='1.0'?><!", b"DOCTYPE stream [<!", b"ENTITY a 'b'>]>"],
        [b"<?xml version='1.0'?>", b"<!DOCTYPE stream SYSTEM 'file:///etc/passwd'>"],
    ],
    ids=["split-in-keywords", "split-after-bang", "external"],
)
def test_a_dtd_split_across_reads_is_refused(serve: Callable[[Handler], int], pieces: list[bytes]) -> None:
    """The DTD arrives in pieces, one TCP read each; the stream after it would be acceptable."""

    def handler(conn: socket.socket) -> None:
        _after_header(conn)
        for piece in pieces:
            conn.sendall(piece)
            time.sleep(0.15)  # each piece its own read
        conn.sendall(FEATURES.replace(b"<?xml version='1.0'?>", b"").replace(b"<required/>", b"&a;"))
        conn.recv(4096)
        conn.sendall(PROCEED)
        time.sleep(0.5)

    kind, message = _error(_xmpp(serve(handler)))
    assert (kind, message) == ("protocol", "the server sent a DTD, which XMPP forbids")


def test_early_close_is_reported(serve: Callable[[Handler], int]) -> None:
    port = serve(_after_header)
    kind, message = _error(_xmpp(port))
    assert kind == "closed"
    assert "closed the connection while confcheck waited for the stream features" in message


# --- IMAP ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("greeting", "reply", "expected"),
    [
        (b"* OK ready\r\n", b"C1 BAD unknown command\r\n", "refused STARTTLS: C1 BAD unknown command"),
        (b"* BYE go away\r\n", b"", "greeted with b'* BYE go away'"),
    ],
    ids=["bad", "bye"],
)
def test_imap_refusals_are_clear_errors(
    serve: Callable[[Handler], int], greeting: bytes, reply: bytes, expected: str
) -> None:
    def handler(conn: socket.socket) -> None:
        conn.sendall(greeting)
        conn.recv(4096)
        conn.sendall(reply)
        time.sleep(0.5)

    kind, message = _error(f"imap://127.0.0.1:{serve(handler)}")
    assert kind == "imap"
    assert expected in message


# --- connections that fail ----------------------------------------------------------------------


def test_closed_port_is_refused_after_retries_with_backoff() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = Policy(connect_timeout=1.0, read_timeout=1.0, deadline=5.0, retries=2, backoff=0.1)
    started = time.monotonic()
    kind, message = _error(f"https://127.0.0.1:{port}", policy)
    assert (kind, message) == ("refused", f"connect to https://127.0.0.1:{port}: connection refused")
    assert time.monotonic() - started >= 0.3  # 0.1 s, then 0.2 s of backoff


def test_fetch_all_keeps_input_order_and_isolates_failures(
    serve: Callable[[Handler], int], server_context: ssl.SSLContext
) -> None:
    def handler(conn: socket.socket) -> None:
        with server_context.wrap_socket(conn, server_side=True) as tls_conn:
            tls_conn.recv(1)

    good = tls.parse_url(f"tls://127.0.0.1:{serve(handler)}")
    silent = tls.parse_url(f"tls://127.0.0.1:{serve(lambda conn: time.sleep(3))}")
    results = tls.fetch_all([silent, good, good], FAST, purpose="tomcat")
    assert [e.error.kind if e.error else "ok" for e in results] == ["timeout", "ok", "ok"]
    assert all(e.purpose == "tomcat" for e in results)


def test_fetch_all_reads_every_chain_in_the_calling_thread(
    serve: Callable[[Handler], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers only talk to servers: were they to read chains, each would import the parser and read
    the CA every endpoint presents, all at once, before any had cached it."""
    issuer = pki.ca("Shared Issuing CA")
    issued = pki.server("node.example.com", dns=["node.example.com"], issuer=issuer)
    (tmp_path / "chain.pem").write_text(issued.pem + issuer.pem)
    (tmp_path / "key.pem").write_text(issued.key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "chain.pem", tmp_path / "key.pem")

    def handler(conn: socket.socket) -> None:
        with context.wrap_socket(conn, server_side=True) as tls_conn:
            tls_conn.recv(1)

    port = serve(handler)
    readers: set[str] = set()
    load = certs.load

    def recording_load(data: bytes, source: str) -> tuple[certs.Certificate, ...]:
        readers.add(threading.current_thread().name)
        return load(data, source)

    monkeypatch.setattr(certs, "load", recording_load)
    results = tls.fetch_all([tls.parse_url(f"tls://127.0.0.1:{port}")] * 4, FAST)
    assert [[c.subject_cn for c in e.chain] for e in results] == [
        [("node.example.com",), ("Shared Issuing CA",)]
    ] * 4
    assert readers == {threading.current_thread().name}


def test_fetch_all_in_the_callers_pool_starts_no_thread_of_its_own(
    serve: Callable[[Handler], int], server_context: ssl.SSLContext
) -> None:
    """A collection hands its started threads over: starting new ones makes each submission wait until
    its thread runs. What is fetched, and in which order, is the same."""

    def handler(conn: socket.socket) -> None:
        with server_context.wrap_socket(conn, server_side=True) as tls_conn:
            tls_conn.recv(1)

    good = tls.parse_url(f"tls://127.0.0.1:{serve(handler)}")
    silent = tls.parse_url(f"tls://127.0.0.1:{serve(lambda conn: time.sleep(3))}")
    workers: set[str] = set()
    fetch_chain = tls._fetch_chain

    def recording(target: tls.Target, policy: tls.Policy, purpose: str) -> list[bytes] | Endpoint:
        workers.add(threading.current_thread().name)
        return fetch_chain(target, policy, purpose)

    with (
        ThreadPoolExecutor(max_workers=4, thread_name_prefix="callers") as pool,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(tls, "_fetch_chain", recording)
        results = tls.fetch_all([silent, good, good], FAST, purpose="tomcat", pool=pool)
    assert [e.error.kind if e.error else "ok" for e in results] == ["timeout", "ok", "ok"]
    assert workers
    assert all(name.startswith("callers") for name in workers)


# --- URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://cucm1.example.com", ("https", "cucm1.example.com", 8443, "https://cucm1.example.com:8443")),
        ("xmpp://10.0.0.21", ("xmpp", "10.0.0.21", 5222, "xmpp://10.0.0.21:5222")),
        ("imap://mail.example.com", ("imap", "mail.example.com", 143, "imap://mail.example.com:143")),
        ("imaps://mail.example.com", ("imaps", "mail.example.com", 993, "imaps://mail.example.com:993")),
        ("tls://127.0.0.1:5061", ("tls", "127.0.0.1", 5061, "tls://127.0.0.1:5061")),
        ("HTTPS://[::1]:8443", ("https", "::1", 8443, "https://[::1]:8443")),
        ("https://[2001:db8::1]", ("https", "2001:db8::1", 8443, "https://[2001:db8::1]:8443")),
    ],
)
def test_urls_parse_with_default_ports(url: str, expected: tuple[str, str, int, str]) -> None:
    target = tls.parse_url(url)
    assert (target.scheme, target.host, target.port, target.url) == expected


def test_sni_is_the_host_name_or_the_given_name_never_an_address() -> None:
    assert tls.parse_url("https://cucm1.example.com").server_name == "cucm1.example.com"
    assert tls.parse_url("https://10.0.0.11").server_name is None
    assert tls.parse_url("https://[::1]").server_name is None
    assert tls.parse_url("https://10.0.0.11", "cucm1.example.com").server_name == "cucm1.example.com"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://host", "unknown scheme 'ftp'"),
        ("https://", "no host"),
        ("https://host:0", "port out of range"),
        ("https://host:70000", "not a valid URL"),
        ("https://host:port", "not a valid URL"),
        ("https://[::1", "not a valid URL"),
        ("tls://host", "tls:// needs a port"),
        ("https://host/path", "only scheme://host[:port]"),
        ("https://user:secret@host", "only scheme://host[:port]"),
    ],
)
def test_bad_urls_are_one_line_usage_errors(url: str, expected: str) -> None:
    with pytest.raises(UrlError) as caught:
        tls.parse_url(url)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2
