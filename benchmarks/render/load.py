"""RESULTS.md section of ``benchmarks/load.py``: ``skdigits serve`` under 1,
8 and 64 concurrent clients, beside the cost of one request's work."""

from __future__ import annotations

from benchmarks.render._markdown import loadavg_text, markdown_table, ms


def _driver_text(r: dict) -> str:
    driver = r.get("driver", "python")
    if driver == "python":
        return (
            "The clients are a Python asyncio loop in the benchmark's own "
            "process (wrk was not installed), on the same cores as the server."
        )
    return (
        f"The clients are wrk ({driver}; one event-loop thread, one "
        "connection per client, every answer checked by a Lua script), on "
        "the same cores as the server."
    )


def _cpu_text(h: dict) -> str:
    shares = [h.get(f"direct_over_cpu_{n}") for n in ("8", "64")]
    if None in shares or "direct_cpu_seconds" not in h:
        return ""
    return (
        "Of the CPU time spent per request (server and clients), the "
        "request's own work (its CPU time called directly, "
        f"{ms(h['direct_cpu_seconds'])} ms) was {100 * shares[0]:.0f} % at 8 "
        "clients and "
        f"{100 * shares[1]:.0f} % at 64: the share of the bound the server "
        "would reach with the cores to itself. Other jobs change it too: on "
        "a busier run (load average 8) the direct calls' CPU time doubled "
        "while the server's per request did not. "
    )


def render(record: dict) -> str:
    r = record["result"]
    h = r["headline"]
    direct = r["direct"]
    rows = [
        [
            level["clients"],
            f"{level['requests_per_second']:.0f}",
            ms(level["p50"]),
            ms(level["p99"]),
            level["errors"],
            ms(level["server_cpu_seconds_per_request"]),
            ms(level.get("client_cpu_seconds_per_request")),
        ]
        for level in r["levels"]
    ]
    seconds = r["levels"][0]["seconds"]
    processes = r.get("server_processes", 1)
    floor = h.get("p99_64_over_queue_floor")
    return "\n\n".join(
        [
            "## `skdigits serve` under load",
            f"`skdigits serve MODEL` (the default network; {processes} worker "
            f"process{'es' if processes != 1 else ''}, its default on "
            f"{r['cores']} cores) on 127.0.0.1, driven for {seconds:.0f} s per "
            "level by concurrent keep-alive clients, each posting the same "
            f"{r['png_side']}x{r['png_side']} PNG of a digit "
            f"({r['png_bytes']:,} bytes) to `POST /api/predict` as soon as its "
            "previous answer arrived. Latencies in ms; an error is any answer "
            f"but a 200 with a label. {_driver_text(r)}",
            markdown_table(
                [
                    "clients",
                    "requests/s",
                    "p50 ms",
                    "p99 ms",
                    "errors",
                    "server CPU ms / request",
                    "client CPU ms / request",
                ],
                rows,
                "rrrrrrr",
            ),
            "The same request's work called directly in one process (decode "
            "the PNG, prepare the digit, the forward pass; one BLAS thread, as "
            f"the server runs it): median {ms(direct['median'])} ms, p90 "
            f"{ms(direct['p90'])} ms over {direct['n']} calls. So "
            f"{r['cores']} cores could answer at most "
            f"{h['cores_bound_requests_per_second']:.0f} requests/s if serving "
            "cost nothing; the server reached "
            f"{100 * h['rps_8_over_bound']:.0f} % of that at 8 clients and "
            f"{100 * h['rps_64_over_bound']:.0f} % at 64. p99 at 64 clients is "
            f"{h['p99_64_over_lone_p50']:.1f}x the lone client's p50. By "
            "Little's law the mean latency of 64 closed-loop clients is 64 / "
            f"the rate, at least 64 / {r['cores']} = "
            f"{64 / r['cores']:.0f}x the direct cost even at the cores' bound, "
            "so a p99 within 10x a lone p50 is out of reach once a lone "
            "request costs little more than its work; what the server "
            "controls is the tail above that mean: p99 at 64 clients is "
            + (f"{floor:.1f}x" if floor is not None else "n/a")
            + " 64 / rate (target: at most 2x). "
            + _cpu_text(h)
            + "Load average (1, 5, 15 min) "
            + f"{loadavg_text(r.get('loadavg_before'))} before, "
            f"{loadavg_text(r.get('loadavg_after'))} after: the machine was "
            "shared with other jobs, which took cores from both the server "
            "and its clients.",
        ]
    )
