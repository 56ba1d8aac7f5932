"""What each process of a deployment uses: CPU time sampled from ``/proc``, and resident memory.

Part of ``bench/deployed.py``, which reports it per kind of process.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

def proc_stat(pid: int | str) -> tuple[str, int, int, float] | None:
    """Return (comm, ppid, start time, CPU seconds) of a process, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            stat = file.read()
    except OSError:
        return None
    close = stat.rindex(")")
    fields = stat[close + 2:].split()  # from field 3, the state
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    return stat[stat.index("(") + 1:close], int(fields[1]), int(fields[19]), cpu


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return file.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def machine_cpu() -> float:
    """Return the CPU seconds the machine has been busy since boot, all CPUs together."""
    with open("/proc/stat") as file:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, file.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def children(pid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (stat := proc_stat(entry.name)) and stat[1] == pid:
            found.append(int(entry.name))
    return sorted(found)


def rss_mib(pid: int) -> float:
    """Return a process's resident memory (VmRSS) in MiB, 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


#: The kinds of process the CPU table shows, in its order.
CPU_KINDS = ["gunicorn workers", "gunicorn master", "incoming pool", "incoming worker (main)",
             "send worker", "beat", "postgres: this database", "postgres: others, background",
             "redis-server", "load generator", "stand-in gateway", "benchmark (this process)",
             "other processes"]


@dataclass
class Mark:
    time: float
    machine: float
    cpu: dict[tuple[int, int], tuple[str, float]]


@dataclass
class CpuSampler:
    """Notes the CPU time of every process on the machine twice a second, by kind.

    A process that ends keeps the time last read, so that a phase counts
    the database connections and generators that came and went in it.
    """

    database: str
    roles: dict[int, str] = field(default_factory=dict)  # pid -> kind, parents -> children
    parents: dict[int, str] = field(default_factory=dict)
    latest: dict[tuple[int, int], tuple[str, float]] = field(default_factory=dict)
    kinds: dict[tuple[int, int], str] = field(default_factory=dict)
    comms: dict[tuple[int, int], str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopped: threading.Event = field(default_factory=threading.Event)

    def start(self) -> CpuSampler:
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def register(self, pid: int, kind: str, children_kind: str | None = None) -> None:
        with self.lock:
            self.roles[pid] = kind
            if children_kind:
                self.parents[pid] = children_kind
            self.kinds.clear()

    def classify(self, pid: int, comm: str, ppid: int) -> str:
        if pid in self.roles:
            return self.roles[pid]
        if ppid in self.parents:
            return self.parents[ppid]
        if comm == "postgres":
            ours = f" {self.database} " in cmdline(pid)
            return "postgres: this database" if ours else "postgres: others, background"
        if comm == "redis-server":
            return "redis-server"
        return "other processes"

    def sample(self) -> None:
        with self.lock:
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit() or not (stat := proc_stat(entry.name)):
                    continue
                comm, ppid, started, cpu = stat
                key = (int(entry.name), started)
                if key not in self.kinds:
                    self.kinds[key] = self.classify(key[0], comm, ppid)
                    self.comms[key] = comm
                self.latest[key] = (self.kinds[key], cpu)

    def _run(self) -> None:
        while not self.stopped.wait(0.5):
            self.sample()

    def mark(self) -> Mark:
        self.sample()
        with self.lock:
            return Mark(time.time(), machine_cpu(), dict(self.latest))

    def since(self, mark: Mark) -> dict[str, Any]:
        """Return the CPU seconds each kind used since ``mark``, with the wall time, the
        machine's total busy time and the busiest other programs (``_wall``, ``_machine``,
        ``_others``)."""
        end = self.mark()
        used: dict[str, float] = defaultdict(float)
        others: Counter[str] = Counter()
        for key, (kind, cpu) in end.cpu.items():
            spent = cpu - mark.cpu.get(key, (kind, 0.0))[1]
            used[kind] += spent
            if kind == "other processes" and spent:
                others[self.comms.get(key, "?")] += spent
        return {**{kind: used.get(kind, 0.0) for kind in CPU_KINDS},
                "_wall": end.time - mark.time, "_machine": end.machine - mark.machine,
                "_others": {comm: round(spent, 2) for comm, spent in others.most_common(5)}}
