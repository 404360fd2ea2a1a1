"""Run every benchmark under bench/ and write BENCHMARKS.md (`make bench`).

Each ``bench/bench_*.py`` is a standalone script that prints one Markdown section
to stdout; this runner adds the machine's description and keeps sections in a
fixed order. Benchmarks compare against a baseline measured in the same run, so
the ratios stay meaningful on a noisy machine.
"""

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "<!-- {} -->"


def _previous_sections() -> dict[str, str]:
    """Return the sections of the current BENCHMARKS.md by script name, so a partial run keeps the rest."""
    path = ROOT / "BENCHMARKS.md"
    if not path.exists():
        return {}
    sections: dict[str, str] = {}
    for chunk in path.read_text().split("<!-- ")[1:]:
        name, _, text = chunk.partition(" -->\n")
        sections[name] = text.rstrip("\n") + "\n"  # the join below adds the blank line
    return sections


def main(names: list[str]) -> int:
    """Run the named benchmarks (default: all); return the process exit code."""
    scripts = sorted((ROOT / "bench").glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    sections = _previous_sections()
    failed = 0
    for script in scripts:
        print(f"== {script.name}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - our own scripts, run with our interpreter
            [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, check=False
        )
        took = time.perf_counter() - started
        sys.stderr.write(done.stderr[-4000:])
        if done.returncode != 0:
            failed += 1
            sections[script.stem] = f"## {script.stem}\n\nFailed (exit {done.returncode}).\n"
            continue
        sections[script.stem] = done.stdout.strip() + f"\n\n_{script.name} took {took:.0f} s._\n"
    header = (
        "# Benchmarks\n\n"
        f"Written by `make bench` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; "
        f"Python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}. "
        "Every figure is compared with a baseline measured in the same run; medians unless "
        "said otherwise.\n"
    )
    body = [f"{MARK.format(name)}\n{text}" for name, text in sorted(sections.items())]
    (ROOT / "BENCHMARKS.md").write_text("\n".join([header, *body]))
    print("Wrote BENCHMARKS.md", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
