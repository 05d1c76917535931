#!/usr/bin/env python3
"""PEON Orchestrator scale benchmark (not a test): hundreds of servers on one host.

Creates N_CREATED servers of a one-port-group fake-game plan (the ports beyond the plan's group
come from `ports.range`), starts N_RUNNING of them, opens a console viewer (the v1 console
WebSocket) on every running one, so that each running server's log is followed, and measures at
checkpoints how the daemon's cost grows: list latency, RSS, threads, file descriptors, create time.
Then it compares stop and start through the orchestrator with the engine's own stop and start of
the same container. Every call must be answered; failures are counted and printed.

Everything it creates carries a per-run id and is removed at the end, also on errors and Ctrl-C.
Usage (normally through bench/run.sh --scale): scale.py --jar JAR --image IMG [--running N]
[--created N]
"""

import argparse
import base64
import http.client
import json
import os
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as b  # noqa: E402  (the shared daemon driver and helpers)

POOL = "10.216.0.0/16"
RANGE_CANDIDATES = (41000, 43000, 45000, 47000, 49000)


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class EngineHttp(http.client.HTTPConnection):
    """HTTP to the Docker Engine over its unix socket: the engine's own time for a call."""

    def __init__(self, path="/var/run/docker.sock"):
        super().__init__("localhost", timeout=120)
        self.sock_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(120)
        self.sock.connect(self.sock_path)


def engine_call(method, path):
    c = EngineHttp()
    try:
        t = time.perf_counter()
        c.request(method, path)
        r = c.getresponse()
        r.read()
        dt = time.perf_counter() - t
        if r.status >= 300 and r.status != 304:
            raise RuntimeError(f"engine {method} {path} -> {r.status}")
        return dt
    finally:
        c.close()


class Viewers:
    """Holds one console WebSocket per server and drains them all on one thread."""

    def __init__(self, port, key):
        self.port = port
        self.key = key
        self.sel = selectors.DefaultSelector()
        self.sockets = []
        self.bytes = 0
        self.log_frames = 0
        self.closed = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._drain, daemon=True)

    def open(self, uid):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /api/v1/ws/console/{uid} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                   f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   f"Sec-WebSocket-Version: 13\r\nX-Api-Key: {self.key}\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError(f"console of {uid}: connection closed during the handshake")
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        status_line = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status_line:
            raise RuntimeError(f"console of {uid}: {status_line!r}")
        self._count(rest)
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ)
        self.sockets.append(s)

    def _count(self, data):
        self.bytes += len(data)
        self.log_frames += data.count(b'"type":"log"')

    def _drain(self):
        while not self.stop.is_set():
            for key, _ in self.sel.select(timeout=0.2):
                try:
                    data = key.fileobj.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    self.sel.unregister(key.fileobj)
                    self.closed += 1
                    continue
                self._count(data)

    def close(self):
        self.stop.set()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


class Scale(b.Bench):
    def __init__(self, args):
        super().__init__(args)
        self.failures = []
        self.range_base = None
        self.extra_daemon_args = []

    def write_plan(self):
        self.port_base = b.pick_port_base(1)
        for base in RANGE_CANDIDATES:
            if all(b.port_free(p) for p in range(base, base + 1000)):
                self.range_base = base
                break
        if self.range_base is None:
            raise RuntimeError(f"no run of 1000 free TCP ports at {RANGE_CANDIDATES}")
        self.extra_daemon_args = [
            "--set", f"ports.range={self.range_base}-{self.range_base + 999}",
            "--set", f"network.subnet.pool={POOL}",
            "--set", "limits.memory=64m",
        ]
        plan_dir = os.path.join(self.plans, self.game)
        os.makedirs(os.path.join(plan_dir, "actions"))
        plan = {
            "metadata": {"game_uid": self.game, "image": self.args.image,
                         "description": "scale benchmark plan"},
            "ports": [[{"PORT": [str(self.port_base), "tcp"]}]],
            "environment": {"SERVER_NAME": None},
            "volumes": {"~!/config": "/home/steam/config", "~!/data": "/home/steam/steamcmd/data",
                        "~!/actions": "/actions"},
        }
        with open(os.path.join(plan_dir, "plan.json"), "w") as f:
            json.dump(plan, f, indent=2)
        b.log(f"run id {self.rid}, plan {self.game}: one group {self.port_base}/tcp, range "
              f"{self.range_base}-{self.range_base + 999}, tmp {self.tmp}")

    def call(self, d, method, path, body=None, ok=(200,)):
        try:
            status, payload = d.request(method, path, body, timeout=180)
        except (http.client.HTTPException, OSError) as e:
            self.failures.append(f"{method} {path}: {e}")
            return None, None
        if status not in ok:
            self.failures.append(f"{method} {path} -> {status}: {payload[:200]!r}")
        return status, payload

    def timed(self, d, method, path, body=None, ok=(200,)):
        t = time.perf_counter()
        status, payload = self.call(d, method, path, body, ok)
        return time.perf_counter() - t, status, payload

    def latency(self, d, path, n):
        out = []
        for _ in range(10):
            self.call(d, "GET", path)
        for _ in range(n):
            dt, _, _ = self.timed(d, "GET", path)
            out.append(dt * 1000)
        return out

    def checkpoint(self, d, label, created, running):
        v1 = self.latency(d, "/api/v1/servers", 200)
        v2 = self.latency(d, "/api/v2/servers", 50)
        time.sleep(2)
        row = {"label": label, "created": created, "running": running,
               "v1p50": b.percentile(v1, 50), "v1p99": b.percentile(v1, 99),
               "v2p50": b.percentile(v2, 50), "rss": b.rss_mib(d.pid),
               "threads": b.threads(d.pid), "fds": fds(d.pid), "load": b.loadavg()}
        self.points.append(row)
        if self.args.thread_dumps:
            jcmd = os.path.join(os.path.dirname(self.args.java), "jcmd")
            out = os.path.join(self.tmp, f"threads-{len(self.points):02d}-{label.replace(' ', '-').replace('/', '-')}.txt")
            with open(out, "w") as f:
                subprocess.run([jcmd, str(d.pid), "Thread.print"], stdout=f, stderr=subprocess.STDOUT,
                               timeout=60)
        b.log(f"{label}: {created} servers ({running} running): v1 list p50 {row['v1p50']:.2f} ms, "
              f"v2 p50 {row['v2p50']:.2f} ms, RSS {row['rss']:.0f} MiB, {row['threads']} threads, "
              f"{row['fds']} fds, load {row['load']}")

    def run(self):
        a = self.args
        self.points = []
        self.write_plan()
        d = self.launch("scale")
        d.wait_ready()
        self.checkpoint(d, "start", 0, 0)
        create_ms = []
        marks = sorted({1, 100, a.running, a.created} - {0})
        for i in range(a.created):
            body = {"SERVER_NAME": f"Scale {i}", "start_later": True}
            dt, status, payload = self.timed(
                d, "PUT", f"/api/v1/server/create/{self.game}.s{i:03d}", body)
            create_ms.append(dt * 1000)
            if i + 1 in marks:
                self.checkpoint(d, "created", i + 1, 0)
        start_ms = []
        for i in range(a.running):
            dt, _, _ = self.timed(d, "PUT", f"/api/v1/server/start/{self.game}.s{i:03d}")
            start_ms.append(dt * 1000)
            if i + 1 in (100, a.running):
                self.checkpoint(d, "started", a.created, i + 1)
        viewers = Viewers(d.port, self.key)
        t = time.perf_counter()
        for i in range(a.running):
            try:
                viewers.open(f"{self.game}.s{i:03d}")
            except (OSError, RuntimeError) as e:
                self.failures.append(f"console s{i:03d}: {e}")
        attach_s = time.perf_counter() - t
        viewers.thread.start()
        time.sleep(5)
        self.checkpoint(d, "viewers", a.created, a.running)
        frames_after_attach = viewers.log_frames
        # stop and start through the orchestrator and through the engine, same containers
        pairs = []
        for i in range(a.compare):
            uid = f"{self.game}.s{i:03d}"
            name = f"peon.warcamp.{uid}"
            e_stop = engine_call("POST", f"/containers/{name}/stop?t=5")
            e_start = engine_call("POST", f"/containers/{name}/start")
            time.sleep(0.5)
            o_stop, _, _ = self.timed(d, "PUT", f"/api/v1/server/stop/{uid}")
            o_start, _, _ = self.timed(d, "PUT", f"/api/v1/server/start/{uid}")
            pairs.append((o_stop * 1000, e_stop * 1000, o_start * 1000, e_start * 1000))
            time.sleep(0.5)
        self.checkpoint(d, "after stop/start", a.created, a.running)
        status, payload = self.call(d, "GET", "/api/v1/servers")
        running_now = 0
        if status == 200:
            running_now = sum(1 for s in json.loads(payload)
                              if s.get("container_state") == "running")
        viewers.close()
        self.report(create_ms, start_ms, pairs, attach_s, frames_after_attach, viewers,
                    running_now)

    def report(self, create_ms, start_ms, pairs, attach_s, frames, viewers, running_now):
        a = self.args
        first = create_ms[:10]
        last = create_ms[-10:]
        end = self.points[-1]
        viewed = [p for p in self.points if p["label"] == "viewers"][0]
        stop_over = [o - e for o, e, _, _ in pairs]
        start_over = [o - e for _, _, o, e in pairs]
        rows = [
            ("every call answered", f"{len(self.failures)} failures", "0", not self.failures),
            (f"running at the end (of {a.running})", f"{running_now}", f"{a.running}",
             running_now == a.running),
            (f"console viewers open ({a.running} running servers, attach all)",
             f"{a.running - viewers.closed} open, {frames} log frames of history, "
             f"{attach_s:.1f} s to attach all", "-", None),
            (f"GET /api/v1/servers p50, {a.created} servers, {a.running} running + viewers",
             f"p50 {viewed['v1p50']:.2f} ms, p99 {viewed['v1p99']:.2f} ms", "p50 < 5 ms",
             viewed["v1p50"] < 5.0),
            ("RSS with every server created, running and viewed",
             f"{viewed['rss']:.0f} MiB ({viewed['threads']} threads, {viewed['fds']} fds); "
             f"at the end {end['rss']:.0f} MiB", "< 250 MiB",
             max(viewed["rss"], end["rss"]) < 250.0),
            (f"stop: orchestrator minus engine (n={len(pairs)}, median)",
             f"{statistics.median(stop_over):+.0f} ms (orchestrator "
             f"{statistics.median(p[0] for p in pairs):.0f} ms, engine "
             f"{statistics.median(p[1] for p in pairs):.0f} ms)", "<= 100 ms",
             statistics.median(stop_over) <= 100.0),
            (f"start: orchestrator minus engine (n={len(pairs)}, median)",
             f"{statistics.median(start_over):+.0f} ms (orchestrator "
             f"{statistics.median(p[2] for p in pairs):.0f} ms, engine "
             f"{statistics.median(p[3] for p in pairs):.0f} ms)", "<= 100 ms",
             statistics.median(start_over) <= 100.0),
            (f"create (v1, start_later): first 10 vs last 10 of {a.created}",
             f"median {statistics.median(first):.0f} ms vs {statistics.median(last):.0f} ms",
             "last <= first * 1.5", statistics.median(last) <= statistics.median(first) * 1.5),
            (f"start (v1) of {a.running}: first 10 vs last 10",
             f"median {statistics.median(start_ms[:10]):.0f} ms vs "
             f"{statistics.median(start_ms[-10:]):.0f} ms", "-", None),
        ]
        self.rows = rows
        self.print_table()
        print()
        print("How the cost grows (checkpoints):")
        print(f"{'phase':<18} {'created':>7} {'running':>7} {'v1 p50':>8} {'v1 p99':>8} "
              f"{'v2 p50':>8} {'RSS MiB':>8} {'threads':>7} {'fds':>6}  load")
        for p in self.points:
            print(f"{p['label']:<18} {p['created']:>7} {p['running']:>7} {p['v1p50']:>8.2f} "
                  f"{p['v1p99']:>8.2f} {p['v2p50']:>8.2f} {p['rss']:>8.0f} {p['threads']:>7} "
                  f"{p['fds']:>6}  {p['load']}")
        for f in self.failures[:20]:
            print(f"failure: {f}")
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jar", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "java"))
    ap.add_argument("--java-opts", default=os.environ.get("BENCH_JAVA_OPTS", " ".join(b.LAUNCHER_OPTS)))
    ap.add_argument("--running", type=int, default=250)
    ap.add_argument("--created", type=int, default=500)
    ap.add_argument("--compare", type=int, default=10, help="servers in the stop/start comparison")
    ap.add_argument("--keep-tmp", action="store_true")
    ap.add_argument("--thread-dumps", action="store_true",
                    help="write a thread dump of the daemon at each checkpoint (implies --keep-tmp)")
    args = ap.parse_args()
    args.java_opts = args.java_opts.split()
    args.keep_tmp = args.keep_tmp or args.thread_dumps
    if args.running > args.created:
        ap.error("--running cannot exceed --created")
    scale = Scale(args)
    try:
        scale.run()
        return 0 if not scale.failures else 1
    except KeyboardInterrupt:
        b.log("interrupted; cleaning up")
        return 130
    except Exception:
        for d in scale.daemons[-1:]:
            try:
                with open(d.log_path, errors="replace") as f:
                    b.log("last lines of the daemon log:\n" + "".join(f.readlines()[-40:]))
            except OSError:
                pass
        raise
    finally:
        scale.cleanup()


if __name__ == "__main__":
    sys.exit(main())
