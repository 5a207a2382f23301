#!/usr/bin/env bash
# `sdm lint FILE...` as a process owner's CI runs it: no database is made,
# exit 0 when every file is clean, 1 when any has a problem, 64 on bad
# usage; EPC files are checked through the importer; --json gives the rows.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
sdm=build/test/sdm
[ -x "$sdm" ] || sdm=build/sdm
work=$(mktemp -d "${TMPDIR:-/tmp}/sdm-lint.XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
expect_rc() { local want=$1 got=$2 what=$3; [ "$got" = "$want" ] && ok "$what" || bad "$what: exit $got, want $want"; }

cat > "$work/bad.bpmn" <<'BPMN'
<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>
<bpmn:exclusiveGateway id="g" name="Дорого?" default="f2"/>
<bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="e"><bpmn:conditionExpression>=amount &gt; 5</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e"/>
<bpmn:endEvent id="e"/>
</bpmn:process></bpmn:definitions>
BPMN

cd "$work"
out=$("$OLDPWD/$sdm" lint "$OLDPWD/models/service.bpmn"); rc=$?
expect_rc 0 $rc "a clean model: exit 0"
[[ $out == *"clean"* ]] && ok "a clean model says so" || bad "clean model output: $out"
out=$("$OLDPWD/$sdm" lint bad.bpmn "$OLDPWD/models/service.bpmn"); rc=$?
expect_rc 1 $rc "a model with a problem: exit 1"
[[ $out == *"bad.bpmn:6: error"*"is FEEL"* ]] && ok "the problem with file:line and the language" || bad "output: $out"
[[ $out == *"'g' (\"Дорого?\")"* || $out == *"f1"* ]] && ok "names the element" || bad "element: $out"
[ ! -e sdm.db ] && ok "no database made" || bad "lint left sdm.db behind"
"$OLDPWD/$sdm" lint >/dev/null 2>&1; expect_rc 64 $? "no FILE: usage, exit 64"
"$OLDPWD/$sdm" lint --json bad.bpmn > out.json; rc=$?
expect_rc 1 $rc "--json: exit 1"
python3 -c 'import json,sys; r=json.load(open("out.json")); sys.exit(0 if any(x["kind"]=="error" and "FEEL" in x["message"] for x in r) else 1)' \
  && ok "--json rows" || bad "--json: $(cat out.json)"
"$OLDPWD/$sdm" lint missing.bpmn > out.txt 2>&1; rc=$?
expect_rc 1 $rc "a missing file: exit 1"
grep -q "missing.bpmn" out.txt && ok "a missing file is named" || bad "missing: $(cat out.txt)"
epc=$(ls "$OLDPWD"/${SHARED:-../shared}/corpus/epc/*.epml 2>/dev/null | head -1)
if [ -n "$epc" ]; then
  "$OLDPWD/$sdm" lint "$epc" > out.txt 2>&1; rc=$?
  [ $rc -le 1 ] && ! grep -q "not a BPMN" out.txt && ok "an EPC is linted through the importer" || bad "epc: $rc $(head -3 out.txt)"
else
  bad "no EPC corpus"
fi
cd "$OLDPWD"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
