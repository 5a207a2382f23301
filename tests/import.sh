#!/usr/bin/env bash
# `sdm import` as bpmn.io and Camunda Modeler see its output: imports the
# samples in models/import/ and every EPC of ../shared/corpus/epc, and reads
# each result with bpmn-moddle (tests/moddle/check.js, one file at a time).
# Every file must pass the structural checks (no import warnings, lanes,
# complete and resolvable diagram information, connected flows, valid Lua,
# a clean layout); the deal discussion EPC, a sales model, must pass all of
# them. The two corpus files with dangling arcs must be refused naming the
# arc. Ends with "N passed, N failed".
. "$(dirname "$0")/lib.sh"
sdm=build/test/sdm
[ -x "$sdm" ] || sdm=build/sdm
corpus=${SHARED:-../shared}/corpus/epc
out=build/test/import
mkdir -p "$out"
need_moddle

required="imports without warnings|executable processes|every flow node in exactly one lane|diagram elements resolve"
required="$required|one shape per node|sequence flows connect|Lua and sdm extensions are valid|layout is clean"

# check.js's problems per file and check, the cross-file one (the same
# process id in two files: many corpus EPCs are named "EPC") left out.
problems() {   # FILE-BASENAME ALL(0|1)
  awk -v f="$1" -v all="$2" -v req="$required" '
    /^(ok|FAIL) / { split($0, a, ": "); file = substr(a[1], 6); chk = substr($0, length(a[1]) + 3)
                    cur = ($1 == "FAIL" && file == f && (all == 1 || chk ~ "^(" req ")")) ? chk : ""; next }
    /^ +- / && cur != "" && $0 !~ /is also used in/ { print f ": " cur ": " substr($0, 10) }' "$out/moddle.txt"
}

files=()
for f in models/import/* "$corpus"/*.epml "$corpus"/*.xml; do
  [ -e "$f" ] || { bad "missing $f"; continue; }
  b=$(basename "$f")
  case "$b" in
    Exclusive_XOR.epml|video_post_production.epml)
      if "$sdm" --db :memory: import "$f" -o "$out/$b.bpmn" 2>"$out/$b.err"; then bad "$b: imported, expected a refusal"
      elif grep -q "element '[0-9]*'): arc [0-9]* refers to element" "$out/$b.err"; then ok "$b: refused naming the arc"
      else bad "$b: refused without naming the arc"; cat "$out/$b.err"; fi
      continue ;;
  esac
  if "$sdm" --db :memory: import "$f" -o "$out/$b.bpmn" 2>"$out/$b.err"; then files+=("$out/$b.bpmn")
  else bad "$b: sdm import failed"; cat "$out/$b.err"; fi
done
node tests/moddle/check.js "${files[@]}" >"$out/moddle.txt" 2>&1
for f in "${files[@]}"; do
  b=$(basename "$f")
  p=$(problems "$b" "$([ "$b" = deal-discussion.epml.bpmn ] && echo 1 || echo 0)")
  if [ -z "$p" ] && grep -q "^ok   $b: layout is clean" "$out/moddle.txt"; then ok "$b: bpmn-moddle"
  else bad "$b: bpmn-moddle"; printf '%s\n' "${p:-(check.js did not check it)}" | head -n 10; fi
done
finish
