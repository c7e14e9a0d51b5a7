#!/usr/bin/env python3
"""qtest_client.py - time a qtest session the same way for QEMU and for vplat.

Usage: qtest_client.py MODE REPEATS RUN_NS STEPS SETUP_FILE -- COMMAND [ARG...]

Starts COMMAND with its stdin and stdout on OS pipes (as the tool's hpet_oracle.py and bench.py
do), sends the setup lines of SETUP_FILE one by one, then times:
  lockstep  `clock_step` one at a time, each reply awaited, until RUN_NS of virtual time passed
            (hpet_oracle.py's `run` op);
  cold      STEPS `clock_step` commands written at once (bench.py's `pipeline` mode);
  warm      WARMUPS untimed runs, then REPEATS timed runs, each written at once after halting
            the counter, zeroing it and replaying the setup (a run takes a few milliseconds of
            vplat's time, so one scheduling hiccup of the host moves a single run by 4x: several
            warm-ups and more timed runs keep the median steady).
A reader thread drains stdout in large chunks and counts replies and IRQ lines, so the client
keeps up with either server. Prints one JSON object per timed run: wall seconds, IRQ edges,
virtual time covered.
"""

import json
import os
import subprocess
import sys
import threading
import time


# Untimed runs of the warm mode before the timed ones.
WARMUPS = 3


class LockstepSession:
    """Synchronous, like hpet_oracle.py's QTest.cmd: write a line, read lines until its reply."""

    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.edges = 0
        self.now = 0

    def send(self, text, replies):
        self.proc.stdin.write(text)
        self.proc.stdin.flush()
        for _ in range(replies):
            while True:
                line = self.proc.stdout.readline()
                if not line:
                    raise RuntimeError("the qtest server exited (%s)" % self.proc.args[0])
                if line.startswith("IRQ"):
                    self.edges += 1
                    continue
                if line.startswith("OK ") and not line.startswith("OK 0x"):
                    self.now = int(line[3:])
                elif not line.startswith("OK"):
                    raise RuntimeError("qtest: %s" % line.strip())
                break

    def close(self):
        Session.close(self)


class Session:
    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.oks = 0
        self.want = 0
        self.eof = False
        self.edges = 0
        self.now = 0
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        fd = self.proc.stdout.fileno()
        tail = b""
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                with self.cond:
                    self.eof = True
                    self.cond.notify_all()
                break
            data = tail + chunk
            end = data.rfind(b"\n") + 1
            lines, tail = data[:end], data[end:]
            if b"FAIL" in lines:
                sys.stderr.write("qtest: %r\n" % lines[lines.find(b"FAIL"):][:80])
            oks = lines.count(b"OK")
            edges = lines.count(b"IRQ ")
            last = lines.rfind(b"OK ")
            now = None
            if last >= 0 and not lines.startswith(b"OK 0x", last):
                now = int(lines[last + 3:lines.find(b"\n", last)])
            with self.cond:
                self.oks += oks
                self.edges += edges
                if now is not None:
                    self.now = now
                # Wake the sender only when all it waits for has come (no ping-pong per chunk).
                if self.oks >= self.want:
                    self.cond.notify_all()

    def send(self, text, replies):
        with self.cond:
            self.want = self.oks + replies
        self.proc.stdin.write(text.encode())
        with self.cond:
            while self.oks < self.want:
                if self.eof:
                    raise RuntimeError("the qtest server exited (%s)" % self.proc.args[0])
                self.cond.wait()

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.terminate()
        self.proc.wait()


def main():
    sep = sys.argv.index("--")
    mode, repeats, run_ns, steps, setup_file = sys.argv[1:sep]
    repeats, run_ns, steps = int(repeats), int(run_ns), int(steps)
    with open(setup_file) as f:
        setup = [line.strip() for line in f if line.strip()]
    s = (LockstepSession if mode == "lockstep" else Session)(sys.argv[sep + 1:])
    try:
        for line in setup:
            s.send(line + "\n", 1)
        replay = "writel 0xfed00010 0\nwritel 0xfed000f0 0\nwritel 0xfed000f4 0\n" + "".join(l + "\n" for l in setup[1:])
        step = "clock_step\n"
        runs = 1
        if mode == "warm":
            s.send(step * steps, steps)
            for _ in range(WARMUPS - 1):
                s.send(replay + step * steps, replay.count("\n") + steps)
            runs = repeats
        for _ in range(runs):
            edges0, base = s.edges, s.now
            t0 = time.perf_counter()
            if mode == "lockstep":
                while s.now - base < run_ns:
                    s.send(step, 1)
            elif mode == "cold":
                s.send(step * steps, steps)
            else:
                s.send(replay + step * steps, replay.count("\n") + steps)
            wall = time.perf_counter() - t0
            print(json.dumps({"wall_s": wall, "edges": s.edges - edges0, "virtual_ns": s.now - base}), flush=True)
    finally:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
