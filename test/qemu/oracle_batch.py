#!/usr/bin/env python3
"""oracle_batch.py - run many scenarios through hpet_oracle.py's run_scenario in one process.

Usage: oracle_batch.py --tool-dir DIR --qemu PATH --out-dir OUT SCENARIO.json...

Same traces as `hpet_oracle.py SCENARIO -o OUT/NAME.jsonl --qemu PATH` for each scenario (one
QEMU, or vplat-as-qemu, per scenario), without a Python start per scenario. A harness error is
recorded as a {"harness_error": ...} line. Prints one line per finished scenario.
"""

import argparse
import json
import os
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool-dir", required=True)
    ap.add_argument("--qemu", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("scenarios", nargs="+")
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.tool_dir))
    import hpet_oracle  # noqa: E402  (from the tool directory)

    for path in a.scenarios:
        name = os.path.splitext(os.path.basename(path))[0]
        with open(path) as f:
            sc = json.load(f)
        with open(os.path.join(a.out_dir, name + ".jsonl"), "w") as out:
            try:
                hpet_oracle.run_scenario(sc, a.qemu, None, None, out)
            except Exception as e:  # noqa: BLE001 - recorded in the trace, compared by the suite
                out.write(json.dumps({"harness_error": str(e)}) + "\n")
        print(name, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
