"""The tables ``bench/deployed.py`` prints."""

from __future__ import annotations

from typing import Any

from proc_usage import CPU_KINDS


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                       for i, (cell, width) in enumerate(zip(row, widths, strict=True)))
             for row in cells]
    return "\n".join([lines[0], "  ".join("-" * width for width in widths), *lines[1:]])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def print_memory(title: str, rows: list[tuple[str, int, float]]) -> None:
    print(f"\nResident memory (VmRSS), {title}:")
    print(table(["process", "pid", "MiB"], [[name, pid, f"{mib:.1f}"] for name, pid, mib in rows]))


def print_phase(name: str, figures: dict[str, Any]) -> None:
    replies = figures["replies"]
    latency = figures["latency_s"]
    print(f"\n{name}: {figures['messages']} messages; HTTP statuses "
          + ", ".join(f"{code}: {count}" for code, count in figures["statuses"].items()))
    rows = [["intake (posts answered per second)", f"{figures['intake_per_s']:.1f} /s"],
            ["end to end (first post to last reply)", f"{figures['end_to_end_per_s']:.1f} /s"],
            ["post answered in, p50 / p99",
             f"{ms(figures['post_s']['p50'])} / {ms(figures['post_s']['p99'])}"]]
    rows += [[f"post to reply, {key}", ms(value)] for key, value in latency.items()]
    if steady := figures.get("steady"):
        rows += [["offered / posted", f"{steady['offered_per_s']:.1f} / "
                                      f"{steady['posted_per_s']:.1f} /s"],
                 ["generator lag behind schedule, p99", ms(steady["generator_lag_s"]["p99"])],
                 ["post to reply p50, first / last fifth",
                  f"{ms(steady['latency_first_fifth_p50_s'])} / "
                  f"{ms(steady['latency_last_fifth_p50_s'])}"],
                 ["scheduled time to reply, p50 / p99",
                  f"{ms(steady['scheduled_to_reply_s']['p50'])} / "
                  f"{ms(steady['scheduled_to_reply_s']['p99'])}"],
                 ["kept up", "yes" if steady["kept_up"] else "NO"]]
    print(table(["figure", "value"], rows))
    if steady and not steady["kept_up"]:
        print(f"It did not keep up: {steady['why_not']}.")
    problems = {key: value for key, value in replies.items()
                if key not in ("received", "examples") and value}
    if not problems:
        print(f"Every message got exactly one reply ({replies['received']}), with the "
              "expected text.")
    else:
        print("REPLY PROBLEMS: " + ", ".join(f"{key} {value}" for key, value in problems.items())
              + f"; for example {replies['examples']}")


def print_cpu(phases: dict[str, dict[str, Any]], whole: dict[str, float]) -> None:
    columns = {name: figures["cpu_s"] for name, figures in phases.items()}
    if len(columns) > 1:
        columns["both"] = whole
    messages = sum(figures["messages"] for figures in phases.values())
    print("\nCPU seconds used, by kind of process (% of one CPU over the phase's wall time), "
          "and per message:")
    rows = []
    for kind in [*CPU_KINDS, "_machine"]:
        row = ["machine, all CPUs" if kind == "_machine" else kind]
        for cpu in columns.values():
            row.append(f"{cpu[kind]:.1f} s ({cpu[kind] / cpu['_wall'] * 100:.0f}%)")
        row.append(f"{whole[kind] / messages * 1000:.2f} ms")
        rows.append(row)
    rows.append(["wall time", *(f"{cpu['_wall']:.1f} s" for cpu in columns.values()), ""])
    print(table(["process", *columns, "per message"], rows))
    for name, figures in phases.items():
        busiest = ", ".join(f"{comm} {spent:.1f} s" for comm, spent in
                            figures["cpu_s"]["_others"].items())
        print(f"Busiest other processes during {name}: {busiest or 'none'}")
    print("(postgres background processes, other databases and redis-server may also "
          "serve others on this machine; 'other processes' is everything else)")
