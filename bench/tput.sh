#!/usr/bin/env bash
# bench/tput.sh — the throughput figures of issue 17 in one run, written to
# docs/BENCH.md (bench/bench_md.py): SQLite's own commit rate, bench10
# through the C API with and without group commit (bench/tput.c),
# bpmn-engine on the same BPMN file (installed from npm into build/, not
# committed), memory with waiting instances, and optionally bench10 on a
# store of a million clients.
#   bench/tput.sh                 STEPS=4000 completions per figure
#   STEPS=N bench/tput.sh         more or fewer
#   BIG=1000000 bench/tput.sh     also bench10 on a generated store of that many
#                                 clients (bench/bench.c's generator; ~10 min)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${STEPS:-4000}
waiting=${WAITING:-10000}
PKGS="libxml-2.0 sqlite3 lua5.4 jansson libcurl libargon2 nettle"
make -s build/libsdm.a
mkdir -p build/bench
cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Iengine $(pkg-config --cflags $PKGS) \
   bench/tput.c build/libsdm.a -Wl,-Bstatic $(pkg-config --libs sqlite3 lua5.4 jansson libargon2 nettle) \
   -Wl,-Bdynamic -ldl -lm -lpthread -o build/bench/tput
tsv=build/bench/tput.tsv
: >"$tsv"
printf 'meta.date\t0\t%s\trun at\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" >>"$tsv"
printf 'meta.load\t%s\tload\tload average (1 min) when the run began; %s cores\n' \
  "$(cut -d' ' -f1 /proc/loadavg)" "$(nproc)" >>"$tsv"
printf 'meta.steps\t%s\tcompletions\tcompletions per bench10 figure\n' "$steps" >>"$tsv"
printf 'meta.cores\t%s\tcores\tprocessors of the machine\n' "$(nproc)" >>"$tsv"
build/bench/tput --tsv "$tsv" --steps "$steps"
build/bench/tput --tsv "$tsv" --rss "$waiting"
printf 'meta.load_end\t%s\tload\tload average (1 min) when the C API figures were done\n' \
  "$(cut -d' ' -f1 /proc/loadavg)" >>"$tsv"

# bpmn-engine, pinned, into build/bench/node (npm's ordinary client).
be=build/bench/node
if [ ! -d "$be/node_modules/bpmn-engine" ]; then
  if command -v npm >/dev/null; then
    mkdir -p "$be"
    npm install --prefix "$be" bpmn-engine@25.0.1 --no-audit --no-fund --loglevel=error >/dev/null || true
  fi
fi
if [ -d "$be/node_modules/bpmn-engine" ]; then
  echo "bpmn-engine on bench/fixtures/bench10.bpmn ($steps completions)"
  node bench/bpmn_engine.mjs "$PWD/$be" bench/fixtures/bench10.bpmn $((steps / 8)) | tee -a "$tsv"
  node bench/bpmn_engine.mjs "$PWD/$be" bench/fixtures/bench10.bpmn 0 200 | tee -a "$tsv"
else
  echo "bpmn-engine: not installed (no npm or no network); its figures are left out"
fi

if [ -n "${BIG:-}" ]; then
  t0=$(date +%s)
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/sdm_tput_big_XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Iengine $(pkg-config --cflags $PKGS) \
     bench/bench.c build/libsdm.a -Wl,-Bstatic $(pkg-config --libs sqlite3 lua5.4 jansson libargon2 nettle) \
     -Wl,-Bdynamic -ldl -lm -lpthread -o build/bench/bench
  build/bench/bench --generate "$tmp/big.db" --clients "$BIG"
  # The generator leaves ~2 GB of dirty pages, in the store and in its
  # sorters' temporary files; the first checkpoint's fdatasync would wait
  # for them inside the measured steps, a cost of the generator, not of
  # the engine. So every file system is synced, not the store alone.
  sync
  # Four times the completions: on the large store a run of 4,000 varied
  # by up to 1.6x between runs (its first checkpoints touch cold pages of a
  # 2 GB file), 16,000 by a few per cent.
  build/bench/tput --tsv "$tsv" --big "$tmp/big.db" --steps $((steps * 4))
  printf 'meta.big\t%s\tclients\tlarge store: generated and measured in %s s\n' "$BIG" $(( $(date +%s) - t0 )) >>"$tsv"
fi
python3 bench/bench_md.py "$tsv" >docs/BENCH.md
echo "wrote docs/BENCH.md"
