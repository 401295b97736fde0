"""TLS on `tls-port` beside the plain port, with certificates this test makes with
openssl: redis-cli --tls, redis-py over TLS, redis-benchmark --tls; client certificates
required, optional or not asked for; allowed protocol versions; an encrypted key; a
certificate replaced by CONFIG SET for new connections; start-up and CONFIG SET errors."""
import shutil
import socket
import ssl
import subprocess

import pytest
import redis

from conftest import cairn_binary, free_port, start_cairn

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make certificates")


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=Cairn Test CA", cwd=d)
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in ("server", "server2", "client"):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", f"/CN={name}", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", f"{name}.crt", "-days", "2", "-extfile", "san.ext", cwd=d)
    openssl("pkey", "-in", "server.key", "-aes256", "-passout", "pass:s3cret", "-out", "server-encrypted.key", cwd=d)
    return d


def tls_flags(certs, port, *extra):
    return ["--tls-port", str(port), "--tls-cert-file", str(certs / "server.crt"),
            "--tls-key-file", str(certs / "server.key"), "--tls-ca-cert-file", str(certs / "ca.crt"),
            "--appendonly", "no", *extra]


def cli(certs, port, *args, client_cert=False):
    argv = ["redis-cli", "-p", str(port), "--tls", "--cacert", str(certs / "ca.crt")]
    if client_cert:
        argv += ["--cert", str(certs / "client.crt"), "--key", str(certs / "client.key")]
    return subprocess.run(argv + list(args), capture_output=True, text=True, timeout=20)


def peer_subject(certs, port, maximum=None):
    context = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    if maximum:
        context.maximum_version = maximum
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
            conn.sendall(b"*1\r\n$4\r\nPING\r\n")
            assert conn.recv(100) == b"+PONG\r\n"
            return dict(x[0] for x in conn.getpeercert()["subject"])["commonName"]


def test_tls_port_serves_real_clients_beside_the_plain_port(tmp_path, certs):
    tls_port = free_port()
    with start_cairn(tmp_path, *tls_flags(certs, tls_port, "--tls-auth-clients", "no")) as cairn:
        assert cli(certs, tls_port, "PING").stdout.strip() == "PONG"
        assert cli(certs, tls_port, "SET", "k", "over-tls").stdout.strip() == "OK"
        plain = redis.Redis(port=cairn.port, decode_responses=True)
        assert plain.get("k") == "over-tls"
        secure = redis.Redis(port=tls_port, ssl=True, ssl_ca_certs=str(certs / "ca.crt"), decode_responses=True)
        pipe = secure.pipeline(transaction=False)
        for i in range(2000):
            pipe.set(f"p{i}", "x" * (i % 300))
        assert all(pipe.execute())
        assert secure.dbsize() == 2001 and secure.get("p1999") == "x" * (1999 % 300)
        big = "y" * 1_000_000
        assert secure.set("big", big) and secure.get("big") == big
        listener = secure.pubsub()
        listener.subscribe("news")
        assert listener.get_message(timeout=2)["type"] == "subscribe"
        assert plain.publish("news", "hello") == 1
        assert listener.get_message(timeout=2)["data"] == "hello"
        listener.close()
        bench = subprocess.run(["redis-benchmark", "-p", str(tls_port), "--tls", "--cacert", str(certs / "ca.crt"),
                                "-t", "set,get", "-n", "2000", "-c", "4", "-q"], capture_output=True, text=True, timeout=60)
        assert "SET:" in bench.stdout and "GET:" in bench.stdout, bench.stdout + bench.stderr
        info = plain.info("clients")
        assert info["connected_clients"] >= 1


def test_client_certificates_required_optional_or_not_asked(tmp_path, certs):
    tls_port = free_port()
    with start_cairn(tmp_path, *tls_flags(certs, tls_port)) as cairn:     # tls-auth-clients yes by default
        refused = cli(certs, tls_port, "PING")
        assert "PONG" not in refused.stdout
        assert cli(certs, tls_port, "PING", client_cert=True).stdout.strip() == "PONG"
        admin = redis.Redis(port=cairn.port, decode_responses=True)
        assert admin.config_set("tls-auth-clients", "optional")
        assert cli(certs, tls_port, "PING").stdout.strip() == "PONG"
        assert cli(certs, tls_port, "PING", client_cert=True).stdout.strip() == "PONG"
        assert admin.config_set("tls-auth-clients", "no")
        assert cli(certs, tls_port, "PING").stdout.strip() == "PONG"
        assert admin.config_get("tls-auth-clients") == {"tls-auth-clients": "no"}


def test_protocols_certificate_reload_and_errors(tmp_path, certs):
    tls_port = free_port()
    # Certificate files are protected settings: CONFIG SET changes them only as
    # enable-protected-configs allows (here `local`: connections from this host).
    with start_cairn(tmp_path, *tls_flags(certs, tls_port, "--tls-auth-clients", "no", "--enable-protected-configs", "local")) as cairn:
        admin = redis.Redis(port=cairn.port, decode_responses=True)
        assert peer_subject(certs, tls_port) == "server"
        assert admin.config_set("tls-protocols", "TLSv1.3")
        with pytest.raises(ssl.SSLError):
            peer_subject(certs, tls_port, maximum=ssl.TLSVersion.TLSv1_2)
        assert peer_subject(certs, tls_port, maximum=ssl.TLSVersion.TLSv1_3) == "server"
        # A new certificate (and key) is used by connections accepted from now on.
        admin.config_set("tls-cert-file", str(certs / "server2.crt"), "tls-key-file", str(certs / "server2.key"))
        assert peer_subject(certs, tls_port) == "server2"
        # What cannot be loaded is refused, and the certificate in use stays.
        with pytest.raises(redis.exceptions.ResponseError) as refused:
            admin.config_set("tls-cert-file", str(tmp_path / "missing.crt"))
        assert str(refused.value) == ("CONFIG SET failed (possibly related to argument 'tls-cert-file') - "
                                      "Unable to update TLS configuration. Check server logs.")
        assert admin.config_get("tls-cert-file")["tls-cert-file"] == str(certs / "server2.crt")
        with pytest.raises(redis.exceptions.ResponseError):
            admin.config_set("tls-protocols", "TLSv9")
        assert peer_subject(certs, tls_port) == "server2"


def test_encrypted_key_and_startup_errors(tmp_path, certs):
    tls_port = free_port()
    flags = ["--tls-port", str(tls_port), "--tls-cert-file", str(certs / "server.crt"),
             "--tls-key-file", str(certs / "server-encrypted.key"), "--tls-key-file-pass", "s3cret",
             "--tls-auth-clients", "no", "--appendonly", "no"]
    with start_cairn(tmp_path, *flags):
        assert cli(certs, tls_port, "PING").stdout.strip() == "PONG"
    for bad in (["--tls-key-file-pass", "wrong"], ["--tls-cert-file", str(tmp_path / "missing.crt")]):
        proc = subprocess.run([str(cairn_binary()), "--port", str(free_port()), *flags, *bad],
                              cwd=tmp_path, capture_output=True, text=True, timeout=30)
        assert proc.returncode != 0 and "Failed to configure TLS" in proc.stdout + proc.stderr


def test_certificate_files_are_protected_settings(tmp_path, certs):
    tls_port = free_port()
    with start_cairn(tmp_path, *tls_flags(certs, tls_port, "--tls-auth-clients", "no")) as cairn:
        admin = redis.Redis(port=cairn.port, decode_responses=True)
        for name in ("tls-cert-file", "tls-key-file", "tls-ca-cert-file", "dir", "aclfile"):
            with pytest.raises(redis.exceptions.ResponseError) as refused:
                admin.config_set(name, str(certs / "server2.crt"))
            assert str(refused.value) == f"CONFIG SET failed (possibly related to argument '{name}') - can't set protected config"
        assert admin.config_set("tls-protocols", "TLSv1.2 TLSv1.3")      # not a file: allowed
        assert peer_subject(certs, tls_port) == "server"
