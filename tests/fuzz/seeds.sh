#!/usr/bin/env bash
# seeds.sh TARGET DIR — fill DIR with the seed inputs of fuzz target
# fuzz_TARGET (make fuzz, make fuzz-smoke): the target's own seeds in
# tests/fuzz/seeds/TARGET plus what it reads taken from the models in models/
# and the shared corpus (SHARED, default ../shared): BPMN files for deploy,
# the Lua of conditions, scripts and checkpoints for lua, timer texts for
# iso. Fails loudly when the corpus or models/ is missing: a fuzzer without
# its seeds only finds what it finds by chance.
set -euo pipefail
t=$1 out=$2
shared=${SHARED:-../shared}
[ -d "$shared/corpus" ] || { echo "fuzz: no seed corpus at $shared/corpus (set SHARED=/path/to/shared)" >&2; exit 2; }
[ -d models ] || { echo "fuzz: no models/ here: run make fuzz from the repository root" >&2; exit 2; }
mkdir -p "$out"
if [ -d "tests/fuzz/seeds/$t" ]; then cp tests/fuzz/seeds/"$t"/* "$out"/; fi
extract() {   # extract REGEX: the texts of matching XML elements, one file each
  python3 - "$1" "$out" "$t" models "$shared/corpus" <<'PY'
import html, os, re, sys, hashlib
rx, out, t, roots = re.compile(sys.argv[1], re.S), sys.argv[2], sys.argv[3], sys.argv[4:]
seen = 0
for root in roots:
    for d, _, files in os.walk(root):
        for f in files:
            if not f.endswith('.bpmn') or seen >= 2000:
                continue
            text = open(os.path.join(d, f), encoding='utf-8', errors='replace').read()
            for m in rx.finditer(text):
                body = html.unescape(re.sub(r'<!\[CDATA\[(.*?)\]\]>', r'\1', m.group(1), flags=re.S)).strip()
                if body:
                    name = hashlib.sha1(body.encode()).hexdigest()[:16]
                    open(os.path.join(out, name), 'w').write(body)
                    seen += 1
PY
}
case $t in
  deploy) find "$shared/corpus" models -name '*.bpmn' -size -64k -exec cp {} "$out"/ \; ;;
  lua)    extract '<(?:\w+:)?(?:conditionExpression|script|completionCondition|activationCondition|checkpoint)\b[^>]*>(.*?)</'
          cp scripts/*.lua "$out"/ 2>/dev/null || true ;;
  iso)    extract '<(?:\w+:)?(?:timeDuration|timeDate|timeCycle)\b[^>]*>(.*?)</' ;;
  var)    i=0   # what people type after --var: JSON values, text, Cyrillic, edge numbers
          for v in 'amount=1200000' 'amount="1 200 000"' 'interested=true' 'contact="Анна"' 'сумма=5' \
                   'x=1e400' 'x=-0.0' 'x=9223372036854775808' 'items=[1,2,{"a":null}]' 'note=line\nbreak' '=1' 'k='; do
            i=$((i + 1)); printf '%s' "$v" >"$out/seed$i"; done ;;
esac
[ -n "$(ls -A "$out")" ] || { echo "fuzz: no seeds for fuzz_$t in $out" >&2; exit 2; }
echo "fuzz_$t: $(ls "$out" | wc -l) seeds"
