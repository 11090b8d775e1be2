"""Wall time of whole commands, run alternately (bench/compare/run.sh, `authflow token` against
`oidc-token`).

    /usr/bin/python3 bench/compare/token_bench.py ROUNDS RUNS_PER_ROUND NAME=COMMAND...

COMMAND is split on spaces. Each must exit 0 and print something. Prints "<NAME> <ms per run>"
per command: the median over ROUNDS of the mean of RUNS_PER_ROUND runs.
"""
import statistics
import subprocess
import sys
import time


def main():
    rounds, runs = int(sys.argv[1]), int(sys.argv[2])
    commands = [arg.split("=", 1) for arg in sys.argv[3:]]
    times = {name: [] for name, _ in commands}
    for round_ in range(rounds):
        order = commands if round_ % 2 == 0 else list(reversed(commands))
        for name, command in order:
            argv = command.split(" ")
            t0 = time.perf_counter()
            for _ in range(runs):
                done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                if done.returncode != 0 or not done.stdout.strip():
                    sys.exit("%s failed (%d): %s" % (name, done.returncode,
                                                     done.stderr.decode()[-300:]))
            times[name].append((time.perf_counter() - t0) * 1000 / runs)
    for name, _ in commands:
        print("%s %.2f" % (name, statistics.median(times[name])))


if __name__ == "__main__":
    main()
