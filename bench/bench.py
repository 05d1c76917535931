#!/usr/bin/env python3
"""PEON Orchestrator benchmark (not a test): start-up time, memory, list latency, create+start cost.

Launches the daemon jar as a child process against the local dockerd, drives it over
127.0.0.1 only, and prints a table of figures. Everything it creates (daemon processes,
containers, networks, temporary folders) carries a per-run id and is removed at the end, also
on errors and Ctrl-C. It never touches a container or network it did not create.

Usage (normally through bench/run.sh): bench.py --jar target/peon-orchestrator.jar --image IMG
"""

import argparse
import http.client
import json
import datetime
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MIB = 1024 * 1024
POOL = "10.215.0.0/16"
PLAIN_SUBNET = "10.215.255.240/28"  # for the "network create + run" baseline, far from the allocator
PORT_GROUPS = 210
PORT_CANDIDATES = (61000, 61500, 62000, 62500, 63000, 63500, 64000, 64500)
N_RUNNING = 20


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100.0 * len(s)) - 1))
    return s[k]


def port_free(port):
    for host in ("0.0.0.0", "127.0.0.1"):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((host, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def pick_port_base(count):
    """First candidate base whose `count` consecutive TCP ports are all free (above the ephemeral range)."""
    for base in PORT_CANDIDATES:
        if base + count > 65535:
            continue
        if all(port_free(p) for p in range(base, base + count)):
            return base
    raise RuntimeError(f"no run of {count} free TCP ports found at {PORT_CANDIDATES}")


def free_listen_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def rss_mib(pid):
    return int(proc_status(pid)["VmRSS"].split()[0]) / 1024.0


def threads(pid):
    return int(proc_status(pid)["Threads"])


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads) so far, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def docker(*args, check=True, timeout=120):
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=check, timeout=timeout
    )


class Daemon:
    def __init__(self, bench, java, jar, java_opts, data_dir, plans_dir):
        self.bench = bench
        self.port = free_listen_port()
        self.data_dir = data_dir
        self.log_path = data_dir + ".log"
        cmd = [java, *java_opts, "-jar", jar, "serve",
               "--port", str(self.port), "--host", "127.0.0.1",
               "--data-dir", data_dir, "--plans", plans_dir,
               "--set", f"api.key={bench.key}",
               "--set", f"network.subnet.pool={POOL}",
               "--set", "stop.timeout=5s"]
        cmd += getattr(bench, "extra_daemon_args", [])
        self.cmd = cmd
        self.log_file = open(self.log_path, "wb")
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=self.log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        bench.daemons.append(self)
        self.conn = None

    @property
    def pid(self):
        return self.proc.pid

    def wait_ready(self, limit_s=60.0):
        """Seconds from process launch to the first 200 of GET /api/v1/orchestrator."""
        deadline = self.t0 + limit_s
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode}; see {self.log_path}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/api/v1/orchestrator", headers={"X-Api-Key": self.bench.key})
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    elapsed = time.perf_counter() - self.t0
                    self.ready_cpu = cpu_seconds(self.pid)
                    return elapsed
            except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected,
                    socket.timeout, OSError):
                pass
            time.sleep(0.005)
        raise RuntimeError(f"daemon not ready within {limit_s} s; see {self.log_path}")

    def request(self, method, path, body=None, timeout=120):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"X-Api-Key": self.bench.key}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            payload = r.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = None
            raise
        return r.status, payload

    def stop(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log_file.close()


class Bench:
    def __init__(self, args):
        self.args = args
        self.rid = secrets.token_hex(3)
        self.game = "bench" + self.rid  # game_uid: [a-z0-9][a-z0-9_]*
        self.key = "bench-key-" + secrets.token_hex(12)
        self.tmp = tempfile.mkdtemp(prefix=f"peon-bench-{self.rid}-")
        self.plans = os.path.join(self.tmp, "plans")
        self.daemons = []
        self.plain_names = set()
        self.plain_networks = set()
        self.rows = []
        self.port_base = None
        self.load_start = self.load_end = "?"

    # ----------------------------------------------------------------- set-up

    def write_plan(self):
        self.port_base = pick_port_base(PORT_GROUPS + 1)  # the last one is for the plain docker run
        plan_dir = os.path.join(self.plans, self.game)
        os.makedirs(os.path.join(plan_dir, "actions"))
        os.makedirs(os.path.join(plan_dir, "data"))
        with open(os.path.join(plan_dir, "data", "readme.txt"), "w") as f:
            f.write("plan data\n")
        plan = {
            "metadata": {"game_uid": self.game, "warcamp": "default", "version": "1.0.0",
                         "description": "benchmark plan", "mode": "steamcmd",
                         "hostname": f"peon.warcamp.{self.game}", "image": self.args.image},
            "ports": [[{"PORT": [str(self.port_base + i), "tcp"]}] for i in range(PORT_GROUPS)],
            "environment": {"STEAM_ID": "896660", "SERVER_NAME": None, "WORLD_NAME": None,
                            "SERVER_PASSWORD": "hunter2", "MAX_PLAYERS": "10"},
            "volumes": {"~!/actions": "/actions", "~!/data": "/home/steam/steamcmd/data",
                        "~!/config": "/home/steam/config", "~!/user": "/home/steam/user"},
        }
        with open(os.path.join(plan_dir, "plan.json"), "w") as f:
            json.dump(plan, f, indent=2)
        log(f"run id {self.rid}, plan {self.game} with {PORT_GROUPS} port groups "
            f"{self.port_base}..{self.port_base + PORT_GROUPS - 1}/tcp, tmp {self.tmp}")

    def launch(self, n, java_opts=None):
        data = os.path.join(self.tmp, f"data{n}")
        opts = self.args.java_opts if java_opts is None else java_opts
        return Daemon(self, self.args.java, self.args.jar, opts, data, self.plans)

    def heap(self, pid, full_gc=False):
        """(used, committed) Java heap in MiB via jcmd GC.heap_info; after a full GC if asked."""
        jcmd = os.path.join(os.path.dirname(self.args.java), "jcmd")
        try:
            if full_gc:
                subprocess.run([jcmd, str(pid), "GC.run"], capture_output=True, timeout=60)
            out = subprocess.run([jcmd, str(pid), "GC.heap_info"], capture_output=True, text=True,
                                 timeout=60).stdout
            for line in out.splitlines():
                if "committed" in line and "used" in line:
                    parts = line.replace(",", " ").split()
                    committed = int(parts[parts.index("committed") + 1].rstrip("K")) / 1024
                    used = int(parts[parts.index("used") + 1].rstrip("K")) / 1024
                    return used, committed
        except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
            pass
        return None

    # ------------------------------------------------------------- measurements

    def startup(self, launches=3, settle_s=5.0, java_opts=None, keep_last=True, tag=""):
        times, rss, thr, cpu = [], [], [], []
        daemon = None
        for n in range(launches):
            daemon = self.launch(f"{tag}{n}", java_opts)
            t = daemon.wait_ready()
            times.append(t)
            cpu.append(daemon.ready_cpu)
            time.sleep(settle_s)
            rss.append(rss_mib(daemon.pid))
            thr.append(threads(daemon.pid))
            log(f"launch {tag}{n + 1}: ready in {t * 1000:.0f} ms ({daemon.ready_cpu:.2f} s CPU), "
                f"idle RSS {rss[-1]:.1f} MiB, {thr[-1]} threads, load {loadavg()}")
            if n < launches - 1 or not keep_last:
                daemon.stop()
        return daemon, times, rss, thr, cpu

    def create(self, d, name, start, extra=None):
        body = {"SERVER_NAME": f"Bench {name}", "WORLD_NAME": "world", "SERVER_PASSWORD": "s3cret!"}
        if not start:
            body["start_later"] = True
        if extra:
            body.update(extra)
        t = time.perf_counter()
        status, payload = d.request("PUT", f"/api/v1/server/create/{self.game}.{name}", body)
        dt = time.perf_counter() - t
        if status != 200:
            raise RuntimeError(f"create {name} -> {status}: {payload[:300]!r}")
        return dt, json.loads(payload)

    def destroy(self, d, name):
        status, payload = d.request("DELETE", f"/api/v1/server/destroy/{self.game}.{name}",
                                    {"eradicate": True})
        if status != 200:
            raise RuntimeError(f"destroy {name} -> {status}: {payload[:300]!r}")

    def fill_to(self, d, have, target, create_times):
        for i in range(have, target):
            dt, obj = self.create(d, f"s{i:03d}", start=i < N_RUNNING)
            create_times["running" if i < N_RUNNING else "start_later"].append(dt)
            if i < N_RUNNING and obj.get("container_state") != "running":
                raise RuntimeError(f"s{i:03d} not running after create: {obj}")
        return target

    def list_latency(self, d, expected, warmup=50, n=500):
        status, payload = d.request("GET", "/api/v1/servers")
        servers = json.loads(payload)
        if status != 200 or len(servers) != expected:
            raise RuntimeError(f"GET servers -> {status}, {len(servers)} servers, expected {expected}")
        running = [s for s in servers if s.get("container_state") == "running"]
        with_cfg = [s for s in running if s.get("server_config")]
        for _ in range(warmup):
            d.request("GET", "/api/v1/servers")
        lat = []
        for _ in range(n):
            t = time.perf_counter_ns()
            status, payload = d.request("GET", "/api/v1/servers")
            lat.append((time.perf_counter_ns() - t) / 1e6)
            if status != 200:
                raise RuntimeError(f"GET servers -> {status}")
        log(f"GET servers x{n} with {expected} servers ({len(running)} running, "
            f"{len(with_cfg)} with server_config, {len(payload)} bytes): "
            f"p50 {percentile(lat, 50):.2f} ms, p99 {percentile(lat, 99):.2f} ms")
        return lat, len(running), len(payload)

    def v2_phase(self, d):
        """v2 figures at 200 servers: list latency, POST power -> 202, SSE delivery latency."""
        lat = []
        for i in range(550):
            t = time.perf_counter_ns()
            status, _ = d.request("GET", "/api/v2/servers")
            if i >= 50:
                lat.append((time.perf_counter_ns() - t) / 1e6)
            if status != 200:
                raise RuntimeError(f"GET /api/v2/servers -> {status}")
        # POST power on the 180 servers created with start_later: a stop of a stopped server is
        # a cheap operation, so this measures the API's answer, not Docker's work
        power = []
        for i in range(N_RUNNING, 200):
            sid = f"{self.game}.s{i:03d}"
            t = time.perf_counter_ns()
            status, _ = d.request("POST", f"/api/v2/servers/{sid}/power", {"action": "stop"})
            power.append((time.perf_counter_ns() - t) / 1e6)
            if status != 202:
                raise RuntimeError(f"POST power {sid} -> {status}")
        # SSE: the delay between a state change (its event time) and its arrival at a client
        sid = f"{self.game}.s000"
        got = []
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
        conn.request("GET", f"/api/v2/events?server={sid}", headers={"X-Api-Key": self.key})
        resp = conn.getresponse()

        def reader():
            try:
                while True:
                    line = resp.readline()
                    if not line:
                        return
                    if line.startswith(b"data: "):
                        got.append((time.time(), json.loads(line[6:])))
            except (OSError, ValueError, http.client.HTTPException):
                return

        th = threading.Thread(target=reader, daemon=True)
        th.start()
        sse = []
        for cycle in range(10):
            for action, to in (("stop", "exited"), ("start", "running")):
                before = len(got)
                d.request("POST", f"/api/v2/servers/{sid}/power", {"action": action})
                deadline = time.time() + 60
                while time.time() < deadline:
                    hit = [(t, e) for t, e in got[before:] if e.get("to") == to]
                    if hit:
                        t, e = hit[0]
                        at = e["at"].rstrip("Z")
                        whole, _, frac = at.partition(".")
                        sent = (datetime.datetime.fromisoformat(whole)
                                .replace(tzinfo=datetime.timezone.utc).timestamp()
                                + float("0." + (frac or "0")))
                        sse.append((t - sent) * 1000.0)
                        break
                    time.sleep(0.005)
                # wait until the operation is over before the next action
                for _ in range(400):
                    st, payload = d.request("GET", f"/api/v2/operations?server={sid}&status=running")
                    if st == 200 and not json.loads(payload)["items"]:
                        break
                    time.sleep(0.05)
        conn.close()
        log(f"v2: list p50 {percentile(lat, 50):.2f} ms; power p99 {percentile(power, 99):.2f} ms; "
            f"SSE p50 {percentile(sse, 50) if sse else float('nan'):.2f} ms (n={len(sse)})")
        return lat, power, sse

    def plain_run(self, idx, with_network):
        """Time `docker [network create +] run -d` of the same image, ports, env, mounts, user."""
        name = f"peonbench-{self.rid}-plain{idx}"
        port = self.port_base + PORT_GROUPS
        root = os.path.join(self.tmp, "plain", str(idx))
        mounts = [("actions", "/actions"), ("data", "/home/steam/steamcmd/data"),
                  ("config", "/home/steam/config"), ("user", "/home/steam/user")]
        for sub, _ in mounts:
            os.makedirs(os.path.join(root, sub))
            os.chown(os.path.join(root, sub), 1000, 1000)
        env = [f"PORT={port}", "STEAM_ID=896660", f"SERVER_NAME=Bench plain{idx}",
               "WORLD_NAME=world", "SERVER_PASSWORD=s3cret!", "MAX_PLAYERS=10"]
        cmd = ["docker", "run", "-d", "--name", name, "--hostname", name, "--user", "1000:1000",
               "--label", f"dev.peon.bench={self.rid}", "-p", f"{port}:{port}/tcp"]
        for e in env:
            cmd += ["-e", e]
        for sub, target in mounts:
            cmd += ["-v", f"{os.path.join(root, sub)}:{target}"]
        net = f"peonbench-{self.rid}-net{idx}"
        if with_network:
            cmd += ["--network", net]
        cmd.append(self.args.image)
        self.plain_names.add(name)
        t = time.perf_counter()
        if with_network:
            self.plain_networks.add(net)
            subprocess.run(["docker", "network", "create", "--subnet", PLAIN_SUBNET,
                            "--label", f"dev.peon.bench={self.rid}", net],
                           capture_output=True, check=True, timeout=60)
        subprocess.run(cmd, capture_output=True, check=True, timeout=60)
        dt = time.perf_counter() - t
        docker("rm", "-f", name)
        self.plain_names.discard(name)
        if with_network:
            docker("network", "rm", net)
            self.plain_networks.discard(net)
        shutil.rmtree(root)
        return dt

    def create_vs_docker(self, d, runs=5):
        peon, plain, plain_net = [], [], []
        for i in range(runs):
            name = f"c{i}"
            dt, obj = self.create(d, name, start=True)
            if obj.get("container_state") != "running":
                raise RuntimeError(f"{name} not running after create: {obj}")
            peon.append(dt)
            self.destroy(d, name)
            plain.append(self.plain_run(i, with_network=False))
            plain_net.append(self.plain_run(i, with_network=True))
            log(f"create+start run {i + 1}: orchestrator {dt * 1000:.0f} ms, docker run "
                f"{plain[-1] * 1000:.0f} ms, network create + run {plain_net[-1] * 1000:.0f} ms")
            time.sleep(0.5)
        return peon, plain, plain_net

    # ------------------------------------------------------------------ driver

    def run(self):
        self.write_plan()
        ms = lambda s: s * 1000.0  # noqa: E731
        self.load_start = loadavg()
        plain = []  # JVM defaults, for comparison with the launcher's flags
        _, ltimes, lrss, _, lcpu = self.startup(java_opts=plain, keep_last=False, tag="L")
        d, times, rss, thr, cpu = self.startup()
        st = statistics.median(times)
        idle = statistics.median(rss)
        idle_heap = self.heap(d.pid)
        self.rows.append(("1. start-up to first 200 of GET /api/v1/orchestrator (median of 3)",
                          f"{ms(st):.0f} ms  (runs: {', '.join(f'{ms(t):.0f}' for t in times)}; "
                          f"CPU {statistics.median(cpu):.1f} s)",
                          "< 2 s", st < 2.0))
        self.rows.append(("1b. (info) same, plain `java -jar` (JVM defaults)",
                          f"{ms(statistics.median(ltimes)):.0f} ms  "
                          f"(runs: {', '.join(f'{ms(t):.0f}' for t in ltimes)}; "
                          f"CPU {statistics.median(lcpu):.1f} s; idle RSS "
                          f"{statistics.median(lrss):.0f} MiB)", "-", None))
        self.rows.append(("2a. RSS idle after start-up (median of 3, 5 s after ready)",
                          f"{idle:.1f} MiB  (runs: {', '.join(f'{r:.0f}' for r in rss)}; "
                          f"threads {statistics.median(thr):.0f})",
                          "< 150 MiB", idle < 150.0))

        create_times = {"running": [], "start_later": []}
        have = self.fill_to(d, 0, 1, create_times)
        lat1, run1, size1 = self.list_latency(d, 1)

        peon, plain, plain_net = self.create_vs_docker(d)
        mp, mpl, mpn = statistics.median(peon), statistics.median(plain), statistics.median(plain_net)

        have = self.fill_to(d, have, 50, create_times)
        lat50, run50, size50 = self.list_latency(d, 50)
        have = self.fill_to(d, have, 200, create_times)
        lat200, run200, size200 = self.list_latency(d, 200)
        v2lat, v2power, v2sse = self.v2_phase(d)
        time.sleep(5)
        rss200 = rss_mib(d.pid)
        thr200 = threads(d.pid)
        heap200 = self.heap(d.pid)
        live200 = self.heap(d.pid, full_gc=True)
        self.load_end = loadavg()

        self.rows.append(("2b. RSS with 200 servers (after the list runs, 5 s settle)",
                          f"{rss200:.1f} MiB  (threads {thr200})", "-", None))
        fmt = lambda h: "n/a" if h is None else f"{h[0]:.0f}/{h[1]:.0f} MiB"  # noqa: E731
        self.rows.append(("2c. (info) Java heap used/committed: idle | 200 servers | 200 after full GC",
                          f"{fmt(idle_heap)} | {fmt(heap200)} | {fmt(live200)}", "-", None))
        for n, lat, running, size in ((1, lat1, run1, size1), (50, lat50, run50, size50),
                                      (200, lat200, run200, size200)):
            p50 = percentile(lat, 50)
            self.rows.append((f"3. GET /api/v1/servers, {n} servers ({running} running, {size} B)",
                              f"p50 {p50:.2f} ms, p99 {percentile(lat, 99):.2f} ms, "
                              f"mean {statistics.mean(lat):.2f} ms, max {max(lat):.2f} ms",
                              "p50 < 5 ms" if n == 200 else "-",
                              (p50 < 5.0) if n == 200 else None))
        self.rows.append(("5a. GET /api/v2/servers, 200 servers",
                          f"p50 {percentile(v2lat, 50):.2f} ms, p99 {percentile(v2lat, 99):.2f} ms, "
                          f"mean {statistics.mean(v2lat):.2f} ms", "-", None))
        self.rows.append((f"5b. POST /api/v2/servers/{{id}}/power until 202 (n={len(v2power)})",
                          f"p50 {percentile(v2power, 50):.2f} ms, p99 {percentile(v2power, 99):.2f} ms, "
                          f"max {max(v2power):.2f} ms", "p99 < 100 ms",
                          percentile(v2power, 99) < 100.0))
        if v2sse:
            self.rows.append((f"5c. SSE delivery of a state change (event time to client, n={len(v2sse)})",
                              f"p50 {percentile(v2sse, 50):.2f} ms, p99 {percentile(v2sse, 99):.2f} ms, "
                              f"max {max(v2sse):.2f} ms", "-", None))
        self.rows.append(("4a. create+start via PUT /api/v1/server/create (median of 5)",
                          f"{ms(mp):.0f} ms  (runs: {', '.join(f'{ms(t):.0f}' for t in peon)})",
                          "-", None))
        self.rows.append(("4b. plain `docker run -d`, same image/ports/env/mounts (median of 5)",
                          f"{ms(mpl):.0f} ms  (runs: {', '.join(f'{ms(t):.0f}' for t in plain)})",
                          "-", None))
        self.rows.append(("4c. orchestrator minus plain docker run",
                          f"{ms(mp - mpl):+.0f} ms  (median of the 5 paired differences: "
                          f"{ms(statistics.median(a - b for a, b in zip(peon, plain))):+.0f} ms)",
                          "<= 150 ms", (mp - mpl) <= 0.150))
        self.rows.append(("4d. (info) `docker network create` + `docker run -d` (median of 5)",
                          f"{ms(mpn):.0f} ms  (orchestrator minus this: {ms(mp - mpn):+.0f} ms)",
                          "-", None))
        for kind, ts in create_times.items():
            if ts:
                self.rows.append((f"(info) create via API, {kind} (fill-up, n={len(ts)})",
                                  f"median {ms(statistics.median(ts)):.0f} ms, "
                                  f"p90 {ms(percentile(ts, 90)):.0f} ms, max {ms(max(ts)):.0f} ms",
                                  "-", None))
        self.print_table()

    def print_table(self):
        ncpu = os.cpu_count()
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) / 1024 / 1024
        jv = subprocess.run([self.args.java, "-version"], capture_output=True, text=True).stderr
        jv = jv.splitlines()[0] if jv else "?"
        dv = docker("version", "--format", "{{.Server.Version}}", check=False).stdout.strip()
        print()
        print(f"PEON Orchestrator benchmark  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
        print(f"machine: {ncpu} cores, {mem:.1f} GiB RAM, {jv}, Docker Engine {dv}")
        print(f"java options: {' '.join(self.args.java_opts) or '(none: JVM defaults)'}")
        print(f"load average (1/5/15 min) at start: {self.load_start}; after the 200-server "
              f"phase: {self.load_end}")
        w1 = max(len(r[0]) for r in self.rows)
        w2 = max(len(r[1]) for r in self.rows)
        w3 = max(len(r[2]) for r in self.rows)
        line = "-" * (w1 + w2 + w3 + 14)
        print(line)
        print(f"{'figure':<{w1}} | {'measured':<{w2}} | {'target':<{w3}} | met")
        print(line)
        for name, value, target, ok in self.rows:
            met = "-" if ok is None else ("yes" if ok else "NO")
            print(f"{name:<{w1}} | {value:<{w2}} | {target:<{w3}} | {met}")
        print(line)
        sys.stdout.flush()

    # ---------------------------------------------------------------- clean-up

    def cleanup(self):
        for d in self.daemons:
            try:
                d.stop()
            except Exception as e:  # keep cleaning
                log(f"stopping daemon {d.pid}: {e}")
        prefix = f"peon.warcamp.{self.game}."
        ps = docker("ps", "-a", "--format", "{{.Names}}", check=False).stdout.split()
        ours = [n for n in ps if n.startswith(prefix)] + [n for n in ps if n in self.plain_names]
        for i in range(0, len(ours), 50):
            docker("rm", "-f", *ours[i:i + 50], check=False, timeout=300)
        nets = docker("network", "ls", "--format", "{{.Name}}", check=False).stdout.split()
        ours_n = [n for n in nets if n.startswith(self.game + "_") or n in self.plain_networks]
        for i in range(0, len(ours_n), 50):
            docker("network", "rm", *ours_n[i:i + 50], check=False, timeout=300)
        if not self.args.keep_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
        log(f"cleaned up: {len(ours)} containers, {len(ours_n)} networks, "
            f"{'kept' if self.args.keep_tmp else 'removed'} {self.tmp}")


# The JVM flags of the ./peon launcher (keep in sync with it).
LAUNCHER_OPTS = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xms16m", "-Xmx512m"]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jar", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java"))
    ap.add_argument("--java-opts", default=os.environ.get("BENCH_JAVA_OPTS", " ".join(LAUNCHER_OPTS)),
                    help="JVM options (default: the ./peon launcher's flags)")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temporary folder (daemon logs)")
    args = ap.parse_args()
    args.java_opts = args.java_opts.split()

    def on_term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    bench = Bench(args)
    try:
        bench.run()
        return 0
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        return 130
    except Exception:
        for d in bench.daemons[-1:]:
            try:
                with open(d.log_path, errors="replace") as f:
                    tail = f.readlines()[-40:]
                log(f"last lines of the daemon log {d.log_path}:\n" + "".join(tail))
            except OSError:
                pass
        raise
    finally:
        bench.cleanup()


if __name__ == "__main__":
    sys.exit(main())
