"""A real Kubernetes control plane on loopback for tests: etcd and kube-apiserver, no kubelet, no controllers.

scripts/build-kube.sh builds the binaries (and helm) from their Go modules. This module generates a CA, serving
and client certificates and a service-account key pair with openssl, starts etcd (TLS, client certificates) and
kube-apiserver (RBAC, the default admission chain: PodSecurity, ValidatingAdmissionPolicy, ...) on free loopback
ports, waits for both within a bound, and stops them. Admission happens in the API server, so what it accepts or
refuses here is what a real cluster would; nothing is scheduled or run.
"""

import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Generator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, cast

from tests.conftest import cache_dir

ROOT: Final = Path(__file__).resolve().parent.parent
#: How long etcd and the API server may take to answer, each (seconds).
START_TIMEOUT: Final = 90.0
#: How long a stopped process may take to exit before it is killed (seconds).
STOP_TIMEOUT: Final = 15.0
#: One request to the API server (seconds).
REQUEST_TIMEOUT: Final = 30.0
SERVICE_CIDR: Final = "10.96.0.0/16"


@dataclass(frozen=True)
class Tools:
    """The binaries a control plane needs."""

    apiserver: Path
    etcd: Path
    helm: Path


def tool_path(module: str) -> Path:
    """Return where a pinned Go tool (``module/cmd/name@version``) lives: what scripts/build-kube.sh installs."""
    package, version = module.rsplit("@", 1)
    name = package.rsplit("/", 1)[1]
    return cache_dir() / "tools" / f"{name}-{version}" / name


def install_tool(module: str, timeout: float) -> Path:
    """Install a pinned Go tool with `go install` into the cache folder (once per version); return its path."""
    binary = tool_path(module)
    if not binary.exists():
        env = {**os.environ, "GOBIN": str(binary.parent), "CGO_ENABLED": "0"}
        try:
            res = subprocess.run(
                ["go", "install", module], env=env, capture_output=True, text=True, check=False, timeout=timeout
            )
        except subprocess.TimeoutExpired as e:
            msg = f"go install {module} took longer than {timeout:.0f}s: run scripts/build-kube.sh"
            raise RuntimeError(msg) from e
        if res.returncode != 0:
            msg = f"go install {module} failed:\n{res.stderr}"
            raise RuntimeError(msg)
    return binary


def kube_bin_dir() -> Path:
    """Return the folder scripts/build-kube.sh puts kube-apiserver and etcd in ($PIPELINE_KUBE_BIN overrides)."""
    if os.environ.get("PIPELINE_KUBE_BIN"):
        return Path(os.environ["PIPELINE_KUBE_BIN"])
    res = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-kube.sh"), "--where"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return Path(res.stdout.strip())


def missing_tools(bin_dir: Path) -> list[str]:
    """Name the control-plane binaries and host tools that are absent."""
    missing = [str(bin_dir / name) for name in ("kube-apiserver", "etcd") if not (bin_dir / name).is_file()]
    return missing + [tool for tool in ("openssl", "go") if not _on_path(tool)]


def _on_path(tool: str) -> bool:
    return any((Path(d) / tool).is_file() for d in os.environ.get("PATH", "").split(os.pathsep) if d)


# --- certificates --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    """Files made by make_pki: a CA, serving and client key pairs, and the service-account signing key."""

    dir: Path

    def crt(self, name: str) -> Path:
        """Return a certificate's path."""
        return self.dir / f"{name}.crt"

    def key(self, name: str) -> Path:
        """Return a private key's path."""
        return self.dir / f"{name}.key"


def make_pki(out: Path) -> Pki:
    """Generate, with openssl, everything the control plane and its clients authenticate with."""
    out.mkdir(parents=True, exist_ok=True)
    pki = Pki(out)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=out, capture_output=True, check=True, timeout=60)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1")  # P-256: quick to make, fine for TLS and JWTs
    openssl("req", "-x509", *ec, "-nodes", "-days", "2", "-subj", "/CN=pipeline-test-ca",
            "-keyout", "ca.key", "-out", "ca.crt")  # fmt: skip
    service_ip = "10.96.0.1"  # the first address of SERVICE_CIDR: the kubernetes Service
    leaves = {  # name -> subject, x509 extensions
        "etcd": ("/CN=etcd", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth"),
        "apiserver": (
            "/CN=kube-apiserver",
            (
                f"subjectAltName=IP:127.0.0.1,IP:{service_ip},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
                "DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth"
            ),
        ),
        "apiserver-etcd-client": ("/CN=kube-apiserver-etcd-client", "extendedKeyUsage=clientAuth"),
        # system:masters is bound to cluster-admin by the API server's bootstrap RBAC.
        "admin": ("/O=system:masters/CN=pipeline-test-admin", "extendedKeyUsage=clientAuth"),
    }
    for name, (subject, ext) in leaves.items():
        (out / f"{name}.ext").write_text(f"basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n{ext}\n")
        openssl("req", *ec, "-nodes", "-subj", subject, "-keyout", f"{name}.key",
                "-out", f"{name}.csr")  # fmt: skip
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt")  # fmt: skip
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "sa.key")
    openssl("pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub")
    for key in out.glob("*.key"):
        key.chmod(0o600)
    return pki


# --- processes -----------------------------------------------------------------------------------------------


#: Starts of the control plane before giving up when a port it was given was taken meanwhile.
PORT_ATTEMPTS: Final = 3


class PortTakenError(RuntimeError):
    """A process exited because another one bound its port between free_port() and its own bind."""


def free_port() -> int:
    """Return a loopback port nothing listens on right now (another process may take it: see PortTakenError)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Process:
    """A started binary and its log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 40) -> str:
        """Return the end of the log."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after STOP_TIMEOUT."""
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(STOP_TIMEOUT)


def start(name: str, argv: list[str], log: Path) -> Process:
    """Start argv with its output in log (in its own process group, so a test's Ctrl-C reaches it only via stop)."""
    with log.open("wb") as out:
        popen = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    return Process(name, popen, log)


def wait_until(proc: Process, ready: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ready() until it holds; fail with the log's tail when the process exits or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            msg = f"{proc.name} exited with {proc.popen.returncode} before {what}:\n{proc.tail()}"
            raise PortTakenError(msg) if "address already in use" in msg else RuntimeError(msg)
        if ready():
            return
        time.sleep(0.5)
    msg = f"{proc.name}: no {what} within {timeout:.0f}s:\n{proc.tail()}"
    raise TimeoutError(msg)


# --- the API server's client side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    """An API answer: status code, decoded JSON body (or the text), and Warning headers."""

    status: int
    body: Any
    warnings: list[str] = field(default_factory=list[str])

    @property
    def message(self) -> str:
        """Return a Status object's message, or the body as text."""
        body: object = self.body
        if isinstance(body, dict):
            return str(cast("dict[str, Any]", body).get("message", body))
        return str(body)


@dataclass(frozen=True)
class Cluster:
    """A running control plane: its URL, credentials and a kubeconfig for helm."""

    server: str
    pki: Pki
    kubeconfig: Path
    etcd: Process
    apiserver: Process

    def tls_context(self) -> ssl.SSLContext:
        """Return a TLS context that trusts the test CA and presents the admin client certificate."""
        ctx = ssl.create_default_context(cafile=str(self.pki.crt("ca")))
        ctx.load_cert_chain(str(self.pki.crt("admin")), str(self.pki.key("admin")))
        return ctx

    def request(self, method: str, path: str, body: object = None, **params: str) -> Response:
        """Send one request as cluster-admin; never raises on an HTTP error status."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.server}{path}{query}", data=data, method=method)  # noqa: S310 (https only)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT, context=self.tls_context()) as resp:  # noqa: S310
                return _response(resp.status, resp.read(), resp.headers.get_all("Warning") or [])
        except urllib.error.HTTPError as e:
            return _response(e.code, e.read(), e.headers.get_all("Warning") or [])

    def create(self, obj: dict[str, Any], namespace: str = "", *, dry_run: bool = False) -> Response:
        """POST an object to its collection (strict field validation; server-side dry run when asked)."""
        params = {"fieldValidation": "Strict", **({"dryRun": "All"} if dry_run else {})}
        return self.request("POST", collection_path(obj, namespace), obj, **params)

    def get(self, obj: dict[str, Any], namespace: str = "") -> Response:
        """GET an object by its kind and name."""
        return self.request("GET", f"{collection_path(obj, namespace)}/{obj['metadata']['name']}")

    def namespace(self, name: str, labels: dict[str, str] | None = None) -> None:
        """Create a namespace and its default ServiceAccount (no controller-manager runs to make it)."""
        ns: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": labels or {}},
        }
        account: dict[str, Any] = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}
        for obj, where in ((ns, ""), (account, name)):
            res = self.create(obj, where)
            if res.status != 201:
                msg = f"creating {obj['kind']} in {where or 'the cluster'}: {res.status} {res.message}"
                raise RuntimeError(msg)


def _response(status: int, raw: bytes, warnings: list[str]) -> Response:
    text = raw.decode(errors="replace")
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text
    return Response(status, body, warnings)


#: Resource (plural) names of the kinds the tests create; everything else is the kind lowercased plus "s".
PLURALS: Final = {
    "PodDisruptionBudget": "poddisruptionbudgets",
    "Ingress": "ingresses",
    "ValidatingAdmissionPolicy": "validatingadmissionpolicies",
    "NetworkPolicy": "networkpolicies",
}
#: Kinds that belong to no namespace.
CLUSTER_SCOPED: Final = frozenset(
    {
        "Namespace",
        "CustomResourceDefinition",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ClusterRole",
        "ClusterRoleBinding",
    }
)


def collection_path(obj: dict[str, Any], namespace: str = "") -> str:
    """Return the REST path of an object's collection: /api/v1/namespaces/ns/pods, /apis/apps/v1/..."""
    api_version, kind = str(obj["apiVersion"]), str(obj["kind"])
    base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
    plural = PLURALS.get(kind, kind.lower() + "s")
    if kind in CLUSTER_SCOPED:
        return f"{base}/{plural}"
    ns = namespace or obj.get("metadata", {}).get("namespace") or "default"
    return f"{base}/namespaces/{ns}/{plural}"


def write_kubeconfig(path: Path, server: str, pki: Pki) -> Path:
    """Write a kubeconfig (JSON is YAML) for helm: the admin client certificate against server."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "test", "cluster": {"server": server, "certificate-authority": str(pki.crt("ca"))}}],
        "users": [
            {
                "name": "admin",
                "user": {"client-certificate": str(pki.crt("admin")), "client-key": str(pki.key("admin"))},
            }
        ],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}],
        "current-context": "test",
    }
    path.write_text(json.dumps(config, indent=2))
    path.chmod(0o600)
    return path


# --- the control plane ---------------------------------------------------------------------------------------


@contextmanager
def control_plane(tools: Tools, workdir: Path, timeout: float = START_TIMEOUT) -> Generator[Cluster]:
    """Start etcd and kube-apiserver on loopback, wait until the API server is ready, stop both on exit.

    A port taken by another process between free_port() and the bind (the process says so and exits) is an event,
    not a failure: the control plane starts again on other ports, up to PORT_ATTEMPTS times.
    """
    pki = make_pki(workdir / "pki")
    for attempt in range(1, PORT_ATTEMPTS + 1):
        try:
            cluster, running = _start_control_plane(tools, pki, workdir / f"start-{attempt}", timeout)
        except PortTakenError:
            if attempt == PORT_ATTEMPTS:
                raise
            continue
        with running:
            yield cluster
        return


def _start_control_plane(tools: Tools, pki: Pki, workdir: Path, timeout: float) -> tuple[Cluster, ExitStack]:
    """Start etcd and kube-apiserver on free ports; return the cluster and what stops them."""
    workdir.mkdir(parents=True)
    etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
    etcd_url = f"https://127.0.0.1:{etcd_port}"
    stack = ExitStack()
    try:
        etcd = start(
            "etcd",
            [
                str(tools.etcd),
                "--name=test",
                f"--data-dir={workdir / 'etcd'}",
                f"--listen-client-urls={etcd_url}",
                f"--advertise-client-urls={etcd_url}",
                f"--listen-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
                f"--initial-cluster=test=http://127.0.0.1:{peer_port}",
                f"--cert-file={pki.crt('etcd')}",
                f"--key-file={pki.key('etcd')}",
                f"--trusted-ca-file={pki.crt('ca')}",
                "--client-cert-auth",
                "--log-level=warn",
            ],
            workdir / "etcd.log",
        )
        stack.callback(etcd.stop)
        etcd_ctx = ssl.create_default_context(cafile=str(pki.crt("ca")))
        etcd_ctx.load_cert_chain(str(pki.crt("apiserver-etcd-client")), str(pki.key("apiserver-etcd-client")))
        wait_until(etcd, lambda: _healthy(f"{etcd_url}/health", etcd_ctx, b'"health":"true"'), timeout, "healthy etcd")

        apiserver = start(
            "kube-apiserver",
            [
                str(tools.apiserver),
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={api_port}",
                f"--cert-dir={workdir / 'apiserver-certs'}",
                f"--tls-cert-file={pki.crt('apiserver')}",
                f"--tls-private-key-file={pki.key('apiserver')}",
                f"--client-ca-file={pki.crt('ca')}",
                f"--etcd-servers={etcd_url}",
                f"--etcd-cafile={pki.crt('ca')}",
                f"--etcd-certfile={pki.crt('apiserver-etcd-client')}",
                f"--etcd-keyfile={pki.key('apiserver-etcd-client')}",
                f"--service-account-key-file={pki.dir / 'sa.pub'}",
                f"--service-account-signing-key-file={pki.key('sa')}",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--authorization-mode=RBAC",
                "--anonymous-auth=false",
                # No endpoint for the kubernetes Service: 127.0.0.1 may not be an endpoint, and nothing here needs it.
                "--endpoint-reconciler-type=none",
                "--profiling=false",
                "--v=1",
            ],
            workdir / "kube-apiserver.log",
        )
        stack.callback(apiserver.stop)
        server = f"https://127.0.0.1:{api_port}"
        cluster = Cluster(server, pki, write_kubeconfig(workdir / "kubeconfig", server, pki), etcd, apiserver)
        admin_ctx = cluster.tls_context()
        wait_until(apiserver, lambda: _healthy(f"{server}/readyz", admin_ctx, b"ok"), timeout, "ready API server")
    except BaseException:
        stack.close()  # what started stops
        raise
    return cluster, stack


def _healthy(url: str, ctx: ssl.SSLContext, want: bytes) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5, context=ctx) as resp:  # noqa: S310 (https only)
            return resp.status == 200 and want in resp.read()
    except (OSError, urllib.error.URLError):
        return False
