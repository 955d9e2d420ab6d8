"""RESULTS.md section of ``benchmarks/faults.py``: the fault table, each
fault a user meets, how often it was injected, what it lost and how soon
everything was back."""

from __future__ import annotations

from benchmarks.render._markdown import markdown_table

KILLED_WRITES = {
    "save_model": "`save_model` over an existing model",
    "export": "`skdigits export` over an existing ONNX file",
    "build": "the shipped model's build, its copy into the package",
}


def _seconds(x: float) -> str:
    return f"{x:.3f} s" if x < 1 else f"{x:.1f} s"


def render(record: dict) -> str:
    r = record["result"]
    rows = []
    for when, w in r["workers"].items():
        kills = ", ".join(f"{row['kill_at']:g}" for row in w["rows"])
        rows.append(
            [
                f"a worker SIGKILLed under load, {when} "
                f"({kills} s "
                "after the server's address)",
                w["injected"],
                f"{w['lost']} of {w['requests']:,} requests "
                f"(at most {w['max_lost_per_kill']} a kill); server stopped "
                f"{w['server_stopped']} times",
                f"worker back in {_seconds(w['max_recovery_seconds'])} at most; "
                f"answering after: {w['answered_after']} of {w['injected']}",
            ]
        )
    for writer, f in r["killed_writes"].items():
        rows.append(
            [
                f"SIGKILL while writing: {KILLED_WRITES.get(writer, writer)}",
                f"{f['injected']} ({f['mid_write']} mid-write)",
                f"{f['files_lost']} old files lost",
                f"{f['partials_after_next_write']} partial files left after the "
                "next write",
            ]
        )
    disk = r["full_disk"]
    d = disk["save_model"]
    rows.append(
        [
            "full disk (ENOSPC) during `save_model` over an old model",
            d["injected"],
            f"{d['files_lost']} old models lost; the error names the file "
            f"{d['names_the_file']} of {d['enospc']} times",
            f"{d['partials_left']} partial files left",
        ]
    )
    d = disk["report"]
    rows.append(
        [
            "full disk (ENOSPC) while `skdigits train` writes its report",
            d["injected"],
            f"{d['files_lost']} files lost; model whole {d['model_whole']} of "
            f"{d['injected']}",
            f"folder says it is incomplete {d['marked_incomplete']} of "
            f"{d['enospc']} times",
        ]
    )
    c = r["ctrl_c"]
    rows.append(
        [
            "Ctrl-C during `skdigits train`, first epoch",
            c["injected"],
            f"exit status 130 {c['exit_130']} of {c['injected']} times; "
            f"{c['unmarked_folders']} report folders left unmarked",
            f"stopped in {_seconds(c['max_seconds_to_stop'])} at most "
            f"(median {_seconds(c['seconds_to_stop']['median'])})",
        ]
    )
    control = r["control"]
    return "\n\n".join(
        [
            "## Faults",
            "Each fault injected as a user meets it (`benchmarks/faults.py`, "
            "tools in `benchmarks/_fault_injection.py`). The servers are "
            f"`skdigits serve MODEL --workers 2` under {r['clients']} keep-alive "
            f"clients ({r['driver']}), a fresh server for each kill; each client "
            "has one request in flight at most, so a kill can lose at most "
            f"{r['clients']}. A run without a kill, the control, answered "
            f"{control['answered']:,} requests and lost {control['lost']}.",
            markdown_table(["fault", "injected", "lost", "recovery"], rows, "lrll"),
        ]
    )
