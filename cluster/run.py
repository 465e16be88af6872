"""
The portal as a cluster on one machine: the reference topology of a
multi-host deployment (README, "Cluster"), each node on a loopback address
and in a working directory of its own, so that no node can lean on another's
local files.

    127.0.0.2   haproxy: the load balancer (round robin, health check GET /livez)
    127.0.0.3   web1: gunicorn, its own collectstatic served by whitenoise
    127.0.0.4   web2: the same
    127.0.0.5   worker1: celery worker (queues mail, default, long)
    127.0.0.6   worker2: the same
    127.0.0.7   beat1: celery beat, one of two candidates for the leader lock
    127.0.0.8   beat2: the other
    127.0.0.9   pgbouncer: transaction pooling in front of PostgreSQL
    127.0.0.1   the shared PostgreSQL (5432) and Redis (6379)

Files (photos, logos, prepared exports) are rows of PostgreSQL
(FILE_STORAGE=database); web and worker reach the database through
pgbouncer (DATABASE_POOLER=pgbouncer), beat's leader lock straight
(DATABASE_DIRECT_URL).

    python -m cluster.run [--base-dir var/cluster] [--database-url URL] [--setup]

starts every process (each in its own session), waits until all are
healthy, prints the load balancer's URL and stops everything on Ctrl-C or
SIGTERM. `--setup` creates the database when it is missing, migrates it and
seeds the demo conference into a new one (what `make cluster` passes).
tests/cluster uses the `Cluster` class with a temporary base directory and
free ports.
"""

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_BASE_DIR = PROJECT_DIR / "var" / "cluster"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_cluster"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/4"

LB_ADDRESS = "127.0.0.2"
WEB_ADDRESSES = {"web1": "127.0.0.3", "web2": "127.0.0.4"}
WORKER_ADDRESSES = {"worker1": "127.0.0.5", "worker2": "127.0.0.6"}
BEAT_ADDRESSES = {"beat1": "127.0.0.7", "beat2": "127.0.0.8"}
PGBOUNCER_ADDRESS = "127.0.0.9"

START_SECONDS = 120
STOP_SECONDS = 20


class ClusterError(Exception):
    pass


def free_port(host):
    """A port nothing listens on at `host` now, chosen by the kernel."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _binary(name):
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise ClusterError(f"{name} is not installed (apt-get install {name}).")
    return found


def _answers(host, port, path="/livez"):
    """True once an HTTP server at host:port answers `path` with 200."""
    import http.client

    conn = http.client.HTTPConnection(host, port, timeout=3)
    try:
        conn.request("GET", path, headers={"Host": "localhost"})
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


class Node:
    """One process of the cluster: its own address, working directory and log."""

    def __init__(self, name, address, workdir, argv, env):
        self.name, self.address, self.workdir = name, address, Path(workdir)
        self.argv, self.env = argv, env
        self.logpath = self.workdir / f"{name}.log"
        self.process = None

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.logpath, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own argv, no shell)
                self.argv,
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped as a whole
            )

    def running(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        try:
            return self.logpath.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def signal(self, signum):
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def kill(self):
        """SIGKILL the whole process group, as a lost machine would."""
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def stop(self, timeout=STOP_SECONDS):
        if not self.running():
            return
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        # A Celery pool child may outlive its parent for a moment.
        self.signal(signal.SIGKILL)


class Cluster:
    """
    Writes the configuration under `base_dir`, starts the nodes, waits until
    they are healthy, stops them. `free_ports` takes a free port on each
    address instead of the fixed ones (8080 for the balancer, 8000 for the
    web nodes, 6432 for pgbouncer), so that runs can overlap. `web_nodes`
    (1 or 2) starts web1 alone or both (bench/bench_cluster.py compares
    them); each runs `web_workers` gunicorn processes of `web_threads` threads.
    """

    def __init__(
        self,
        base_dir=DEFAULT_BASE_DIR,
        database_url=DEFAULT_DATABASE_URL,
        redis_url=DEFAULT_REDIS_URL,
        *,
        free_ports=False,
        lb_port=8080,
        web_nodes=2,
        web_workers=2,
        web_threads=4,
        worker_concurrency=2,
        extra_env=None,
    ):
        if not 1 <= web_nodes <= len(WEB_ADDRESSES):
            raise ClusterError(f"web_nodes must be 1 to {len(WEB_ADDRESSES)}, not {web_nodes}")
        self.base_dir = Path(base_dir).resolve()
        self.database_url = database_url
        self.redis_url = redis_url
        # The first `web_nodes` of web1, web2 start; haproxy lists only those.
        self.web_addresses = dict(list(WEB_ADDRESSES.items())[:web_nodes])
        self.web_workers = web_workers
        self.web_threads = web_threads
        self.worker_concurrency = worker_concurrency
        self.extra_env = dict(extra_env or {})
        self.lb_port = free_port(LB_ADDRESS) if free_ports else lb_port
        self.web_ports = {
            name: free_port(address) if free_ports else 8000
            for name, address in self.web_addresses.items()
        }
        self.pgbouncer_port = free_port(PGBOUNCER_ADDRESS) if free_ports else 6432
        self.nodes = {}
        self.started = False

    # Addresses ------------------------------------------------------------------

    @property
    def lb_url(self):
        return f"http://{LB_ADDRESS}:{self.lb_port}"

    @property
    def stats_socket(self):
        return self.base_dir / "haproxy" / "stats.sock"

    def _pooled_url(self):
        target = urlsplit(self.database_url)
        user = target.username or "postgres"
        netloc = f"{user}@{PGBOUNCER_ADDRESS}:{self.pgbouncer_port}"
        return urlunsplit(("postgres", netloc, target.path, "", ""))

    # Configuration --------------------------------------------------------------

    def _secret_key(self):
        path = self.base_dir / "secret_key"
        if not path.exists():
            self.base_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(50)[:50])
            path.chmod(0o600)
        return path.read_text().strip()

    def _app_env(self, workdir, **extra):
        """What every web, worker and beat node gets: the same settings, its own folders."""
        workdir = Path(workdir)
        hosts = ["localhost", LB_ADDRESS, *WEB_ADDRESSES.values()]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "conference.settings",
            "PYTHONPATH": str(PROJECT_DIR),
            "PYTHONUNBUFFERED": "1",
            "DEBUG": "0",
            "SECRET_KEY": self._secret_key(),
            "ALLOWED_HOSTS": ",".join(hosts),
            "CSRF_TRUSTED_ORIGINS": self.lb_url,
            "SITE_ROOT": self.lb_url,
            # Plain HTTP on loopback: no TLS to redirect to.
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            # haproxy adds X-Forwarded-For: the client's address for rate limits.
            "TRUSTED_PROXY_COUNT": "1",
            "DATABASE_URL": self._pooled_url(),
            "DATABASE_POOLER": "pgbouncer",
            "DATABASE_DIRECT_URL": self.database_url,
            "DB_CONN_MAX_AGE": "60",
            "REDIS_URL": self.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "FILE_STORAGE": "database",
            # Nothing of a node's own may matter to another: each keeps these apart.
            "VAR_DIR": str(workdir / "var"),
            "MEDIA_ROOT": str(workdir / "media"),
            "STATIC_ROOT": str(workdir / "static"),
            "CELERY_BEAT_SCHEDULE_FILENAME": str(workdir / "celerybeat-schedule"),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        }
        env.update(self.extra_env)
        env.update(extra)
        return env

    def _write_pgbouncer(self):
        folder = self.base_dir / "pgbouncer"
        folder.mkdir(parents=True, exist_ok=True)
        target = urlsplit(self.database_url)
        user = target.username or "postgres"
        dbname = target.path.lstrip("/")
        (folder / "userlist.txt").write_text(f'"{user}" ""\n')  # trust still wants the name
        (folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{dbname} = host={target.hostname} port={target.port or 5432} "
            f"dbname={dbname} user={user}\n"
            "[pgbouncer]\n"
            f"listen_addr = {PGBOUNCER_ADDRESS}\nlisten_port = {self.pgbouncer_port}\n"
            "unix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {folder}/userlist.txt\n"
            f"admin_users = {user}\n"
            "pool_mode = transaction\ndefault_pool_size = 20\nmax_client_conn = 500\n"
            f"pidfile = {folder}/pgbouncer.pid\n"  # it logs to stderr: the node's log
        )
        argv = [_binary("pgbouncer"), str(folder / "pgbouncer.ini")]
        if os.geteuid() == 0:  # pgbouncer refuses root: it switches to postgres
            for path in [folder, *folder.iterdir()]:
                shutil.chown(path, "postgres", "postgres")
            argv = [argv[0], "-u", "postgres", argv[1]]
        return Node("pgbouncer", PGBOUNCER_ADDRESS, folder, argv, dict(os.environ))

    def _write_haproxy(self):
        folder = self.base_dir / "haproxy"
        folder.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(
            f"    server {name} {address}:{self.web_ports[name]} check inter 1s fall 2 rise 2"
            for name, address in self.web_addresses.items()
        )
        (folder / "haproxy.cfg").write_text(
            f"""# Written by cluster/run.py: the load balancer of the one-machine cluster.
global
    maxconn 512
    stats socket {self.stats_socket} mode 600 level admin

defaults
    mode http
    option httplog
    option forwardfor
    # A request that never reached a node (refused, or an idle connection the
    # node closed) is sent again, to the other node (redispatch on every
    # retry); a GET or HEAD also when the node died before answering (the
    # backend's disable-l7-retry: a POST may have taken effect).
    option redispatch 1
    retries 2
    retry-on conn-failure empty-response response-timeout
    timeout connect 3s
    # A node that answers its check late is busy, not dead; a dead one refuses at once.
    timeout check 5s
    timeout client 60s
    timeout server 60s

frontend portal
    bind {LB_ADDRESS}:{self.lb_port}
    default_backend web

backend web
    balance roundrobin
    http-request disable-l7-retry unless METH_GET || METH_HEAD
    option httpchk
    http-check send meth GET uri /livez ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    # Which node answered: tests/cluster checks that both did.
    http-response set-header X-Served-By %s
{servers}
"""
        )
        argv = [_binary("haproxy"), "-db", "-f", str(folder / "haproxy.cfg")]
        return Node("haproxy", LB_ADDRESS, folder, argv, dict(os.environ))

    def _web(self, name, address):
        workdir = self.base_dir / name
        argv = [
            *(sys.executable, "-m", "gunicorn", "conference.wsgi:application"),
            *("--bind", f"{address}:{self.web_ports[name]}"),
            *("--workers", str(self.web_workers), "--threads", str(self.web_threads)),
            *("--timeout", "30", "--graceful-timeout", "10"),
            # Longer than haproxy keeps idle connections to the node (it closes
            # half of them every 5 s, pool-purge-delay): were the node to close
            # one first (gunicorn's default is 2 s), a POST haproxy sent on it
            # just then would fail unanswered, as a POST is not retried.
            *("--keep-alive", "75"),
            *("--access-logfile", "-"),
        ]
        return Node(name, address, workdir, argv, self._app_env(workdir))

    def _worker(self, name, address):
        workdir = self.base_dir / name
        argv = [
            *(sys.executable, "-m", "celery", "-A", "conference", "worker"),
            *("-Q", "mail,default,long", "-n", f"{name}@{address}"),
            *("--concurrency", str(self.worker_concurrency), "-l", "info"),
        ]
        return Node(name, address, workdir, argv, self._app_env(workdir))

    def _beat(self, name, address):
        workdir = self.base_dir / name
        argv = [
            *(sys.executable, "-m", "celery", "-A", "conference", "beat"),
            *("--schedule", str(workdir / "celerybeat-schedule"), "-l", "info"),
        ]
        return Node(name, address, workdir, argv, self._app_env(workdir))

    # Setup ----------------------------------------------------------------------

    def direct_env(self, workdir=None):
        """
        The nodes' settings (secret key, cache, broker) with PostgreSQL reached
        straight, not through pgbouncer: for manage.py, and for a process that
        sets up Django to prepare data the nodes will serve (a benchmark).
        """
        return self._app_env(
            Path(workdir or self.base_dir),
            DATABASE_URL=self.database_url,
            DATABASE_POOLER="",
            DATABASE_DIRECT_URL="",
        )

    def _manage(self, *args, workdir=None, timeout=600):
        """manage.py straight against PostgreSQL (migrations want the session)."""
        workdir = Path(workdir or self.base_dir)
        env = self.direct_env(workdir)
        done = subprocess.run(  # noqa: S603 (our own argv, no shell)
            [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode:
            raise ClusterError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def setup_database(self, seed=True):
        """Create the database if missing, migrate it, seed the demo into a new one."""
        import psycopg2

        target = urlsplit(self.database_url)
        dbname = target.path.lstrip("/")
        conn = psycopg2.connect(
            host=target.hostname,
            port=target.port or 5432,
            user=target.username or "postgres",
            password=target.password,
            dbname="postgres",
            connect_timeout=5,
        )
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
                if cursor.fetchone() is None:
                    print(f"Creating database {dbname}")
                    cursor.execute(f'CREATE DATABASE "{dbname}"')
        finally:
            conn.close()
        print("Migrating")
        self._manage("migrate", "--noinput", "-v", "0")
        if seed and not self._seeded():
            print("Seeding the demo conference (seed_demo)")
            print(self._manage("seed_demo"))

    def _seeded(self):
        import psycopg2

        conn = psycopg2.connect(self.database_url, connect_timeout=5)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1 FROM conference_conference WHERE slug = 'bcmec'")
                return cursor.fetchone() is not None
        finally:
            conn.close()

    # Lifecycle ------------------------------------------------------------------

    def start(self, timeout=START_SECONDS):
        """Start every node and wait until each is healthy; stops all if one is not."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.started = True
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout):
        deadline = time.monotonic() + timeout
        pgbouncer = self.nodes["pgbouncer"] = self._write_pgbouncer()
        pgbouncer.start()

        # Each web node collects its own static files (in parallel: they are slow).
        collecting = []
        for name in self.web_addresses:
            workdir = self.base_dir / name
            workdir.mkdir(parents=True, exist_ok=True)
            collecting.append(
                subprocess.Popen(  # noqa: S603 (our own argv, no shell)
                    [
                        *(sys.executable, str(PROJECT_DIR / "manage.py"), "collectstatic"),
                        "--noinput",
                    ],
                    cwd=workdir,
                    env=self._app_env(workdir),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    start_new_session=True,
                )
            )
        for process in collecting:
            _out, err = process.communicate(timeout=max(1, deadline - time.monotonic()))
            if process.returncode:
                raise ClusterError(f"collectstatic failed:\n{err.decode(errors='replace')}")

        # One process declares the queues before the workers and beats race to.
        self._manage(
            "shell", "-c", "from conference.celery import broker_declare; broker_declare()"
        )
        self._wait(lambda: self._pgbouncer_answers(), "pgbouncer", deadline, pgbouncer)

        for name, address in self.web_addresses.items():
            self.nodes[name] = self._web(name, address)
        for name, address in WORKER_ADDRESSES.items():
            self.nodes[name] = self._worker(name, address)
        for name, address in BEAT_ADDRESSES.items():
            self.nodes[name] = self._beat(name, address)
        self.nodes["haproxy"] = self._write_haproxy()
        for name, node in self.nodes.items():
            if name != "pgbouncer":
                node.start()

        for name, address in self.web_addresses.items():
            port = self.web_ports[name]
            self._wait(lambda a=address, p=port: _answers(a, p), name, deadline, self.nodes[name])
        for name in WORKER_ADDRESSES:
            node = self.nodes[name]
            self._wait(lambda n=node: " ready." in n.log(), name, deadline, node)
        self._wait(self.beat_leader, "a beat leader", deadline)
        self._wait(
            lambda: self.servers_up() == set(self.web_addresses),
            "haproxy to see every web node up",
            deadline,
            self.nodes["haproxy"],
        )

    def _pgbouncer_answers(self):
        with socket.socket() as sock:
            sock.settimeout(1)
            return sock.connect_ex((PGBOUNCER_ADDRESS, self.pgbouncer_port)) == 0

    def _wait(self, condition, what, deadline, node=None):
        while time.monotonic() < deadline:
            if node is not None and node.process is not None and not node.running():
                raise ClusterError(f"{node.name} exited:\n{node.log()[-4000:]}")
            if condition():
                return
            time.sleep(0.3)
        detail = f":\n{node.log()[-4000:]}" if node is not None else ""
        raise ClusterError(f"timed out waiting for {what}{detail}")

    def beat_leader(self):
        """The name of the beat that holds the leader lock (from its log), or None."""
        for name in BEAT_ADDRESSES:
            node = self.nodes.get(name)
            if node is None or not node.running():
                continue
            log = node.log()
            held = log.rfind("holds the leader lock")
            if held >= 0 and log.rfind("lost the leader lock") < held:
                return name
        return None

    def haproxy(self, command):
        """A command on haproxy's stats socket (`show stat`, `disable server web/web1`)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.stats_socket))
            sock.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_stats(self):
        """haproxy's `show stat` rows of the web backend, by server name."""
        try:
            text = self.haproxy("show stat")
        except OSError:
            return {}
        header, *lines = text.strip().splitlines()
        names = header.lstrip("# ").split(",")
        rows = [dict(zip(names, line.split(","), strict=False)) for line in lines]
        web = [r for r in rows if r["pxname"] == "web" and r["svname"] in WEB_ADDRESSES]
        return {r["svname"]: r for r in web}

    def servers_up(self):
        return {name for name, row in self.server_stats().items() if row["status"] == "UP"}

    def stop(self):
        """Stop every node (the balancer first, pgbouncer last); safe to call twice."""
        order = ["haproxy", *WEB_ADDRESSES, *BEAT_ADDRESSES, *WORKER_ADDRESSES, "pgbouncer"]
        nodes = [self.nodes[name] for name in order if name in self.nodes]
        for node in nodes[:-1]:
            if node.running():
                node.signal(signal.SIGTERM)
        for node in nodes:
            node.stop()
        self.started = False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-dir", default=str(DEFAULT_BASE_DIR))
    parser.add_argument(
        "--database-url", default=os.environ.get("CLUSTER_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("CLUSTER_REDIS_URL", DEFAULT_REDIS_URL)
    )
    parser.add_argument("--port", type=int, default=8080, help="the load balancer's port")
    parser.add_argument(
        "--setup", action="store_true", help="create, migrate and (once) seed the database"
    )
    args = parser.parse_args(argv)

    cluster = Cluster(args.base_dir, args.database_url, args.redis_url, lb_port=args.port)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        if args.setup:
            cluster.setup_database()
        print(f"Starting the cluster in {cluster.base_dir}")
        cluster.start()
        print()
        print(f"  Portal:   {cluster.lb_url}/events/bcmec/  (haproxy on {LB_ADDRESS})")
        for name, address in cluster.web_addresses.items():
            print(f"  {name}:     http://{address}:{cluster.web_ports[name]}/")
        print(f"  Workers:  {', '.join(WORKER_ADDRESSES)}; beats: {', '.join(BEAT_ADDRESSES)}")
        print(f"  Leader:   {cluster.beat_leader()}")
        print(f"  Logs:     {cluster.base_dir}/<node>/<node>.log")
        print("  Logins:   organiser@example.org ... (password demo-pass-2026)")
        print("  Ctrl-C stops every node.")
        print()
        reported = set()
        while True:
            for name, node in cluster.nodes.items():
                if name not in reported and not node.running():
                    reported.add(name)
                    print(f"{name} exited (status {node.process.returncode}); see {node.logpath}")
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping the cluster...")
        return 0
    except ClusterError as exc:
        print(f"cluster: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
