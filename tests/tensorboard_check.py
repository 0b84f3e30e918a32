"""Reads run directories' event files with TensorBoard's own reader and checks
them against their metrics.jsonl (tests/tensorboard_test.cpp runs it).

usage: python tensorboard_check.py RUN_DIR...

For every run: every scalar of every metrics.jsonl line is in the events under
Trainer's tag, at the line's step, equal to the value rounded to float32; no
tag has a step twice; every training line's step has a throughput. Prints one
"ok" line per run, or the first mismatch and exits 1.
"""

import json
import struct
import sys

from tensorboard.backend.event_processing import event_accumulator


def float32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def expected_scalars(line):
    """The (tag, value) pairs a metrics line should give: the mapping of
    docs/formats.md, written here independently of the C++ one."""
    evaluation = "dev" in line or "test" in line
    pairs = []
    for key, value in line.items():
        if key == "step":
            continue
        if isinstance(value, dict):
            prefix = "eval" if key == "dev" else key
            pairs += [(f"{prefix}/{name}", v) for name, v in value.items() if is_number(v)]
        elif is_number(value):
            if evaluation:
                pairs.append((f"eval/{key}", value))
            else:
                pairs.append(("train/learning_rate" if key == "lr" else f"train/{key}", value))
    return pairs


def check_run(run_dir):
    accumulator = event_accumulator.EventAccumulator(run_dir, size_guidance={event_accumulator.SCALARS: 0})
    accumulator.Reload()
    events = {}
    for tag in accumulator.Tags()["scalars"]:
        steps = [event.step for event in accumulator.Scalars(tag)]
        if len(steps) != len(set(steps)):
            duplicated = sorted({step for step in steps if steps.count(step) > 1})
            return f"{run_dir}: tag {tag} has steps {duplicated} more than once; expected each step once"
        events[tag] = {event.step: event.value for event in accumulator.Scalars(tag)}
    checked = 0
    with open(f"{run_dir}/metrics.jsonl", encoding="utf-8") as metrics:
        for number, text in enumerate(metrics, 1):
            line = json.loads(text)
            step = line["step"]
            pairs = expected_scalars(line)
            if "loss" in line:
                pairs.append(("train/examples_per_second", None))
            for tag, value in pairs:
                if step not in events.get(tag, {}):
                    return f"{run_dir}/metrics.jsonl:{number}: no {tag} at step {step} in the events"
                if value is not None and events[tag][step] != float32(value):
                    return (f"{run_dir}/metrics.jsonl:{number}: {tag} at step {step} is {events[tag][step]!r} "
                            f"in the events; expected {float32(value)!r}")
                checked += 1
    if checked == 0:
        return f"{run_dir}: metrics.jsonl has no scalar to check"
    print(f"ok: {run_dir}: {checked} scalars of metrics.jsonl found in the events, no step twice")
    return None


def main():
    failures = [problem for problem in map(check_run, sys.argv[1:]) if problem]
    for problem in failures:
        print(problem)
    return 1 if failures or len(sys.argv) < 2 else 0


if __name__ == "__main__":
    sys.exit(main())
