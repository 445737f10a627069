#!/usr/bin/env bash
# DiT training throughput of one or more `reel` binaries on a training config, alternating the
# binaries so that they share the machine's conditions (BENCHMARKS.md, "Training step time").
#
#   scripts/bench_train.sh CONFIG RUNS THREADS BIN [BIN...]
#   scripts/bench_train.sh models/reel-toy.train.json 3 2 /tmp/reel-before target/release/reel
#
# The config is cut down to 5 VAE steps, 30 DiT steps and no decoder stage (same model, batch and
# data); each line prints the DiT's clips/s over its last 10 steps.
set -euo pipefail
config=$1 runs=$2 threads=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$config" "$work/bench.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["vae"]["optim"]["steps"] = 5
c["vae"]["stats_clips"] = 8
c["dit"]["optim"]["steps"] = 30
c["dit"]["pool"]["clips"] = 24
c.pop("decoder", None)
c["output"].update({"log_every": 10, "checkpoint_every": 1000, "sample_every": 0})
json.dump(c, open(sys.argv[2], "w"))
EOF
for run in $(seq "$runs"); do
  for bin in "$@"; do
    rm -rf "$work/out"
    # Each progress line reports the rate since the previous one: step 30's covers steps 21–30.
    rate=$("$bin" train --config "$work/bench.json" --out "$work/out" --threads "$threads" 2>&1 \
      | grep -o 'dit step 30/30 .* clips/s' | grep -o '[0-9.]* clips/s')
    echo "run $run  $bin  $rate"
  done
done
