#!/usr/bin/env python3
"""betsy conformance runner for sdm (helper of tests/conformance/run).

    betsy.py prepare WORK            translate the corpus into WORK/xlat, list the cases
    betsy.py run WORK ID...          run cases on fresh databases, write WORK/results/ID.json
    betsy.py report WORK             print one line per case, write docs/CONFORMANCE.md

Like betsy's own per-engine adapters, the translation happens here, never in
the engine: the placeholder scripts become Lua that keeps the log in instance
variables, the Java/JUEL conditions become Lua expressions. Everything else in
the files stays byte for byte, so line numbers in the engine's messages still
point into the corpus file.
"""
import datetime
import html
import json
import os
import re
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.environ.get("BETSY_CORPUS") or os.path.normpath(os.path.join(REPO, "..", "shared", "corpus", "betsy"))
SDM = os.path.abspath(os.environ.get("SDM_BIN") or os.path.join(REPO, "build", "sdm"))
DOC = os.path.join(REPO, "docs", "CONFORMANCE.md")
T0_MS = 1577836800000            # 2020-01-01T00:00:00Z, the fixed clock every case starts at
CMD_TIMEOUT = 30                 # seconds for one sdm command
CLIENT = "betsy"                 # one client for both processes, so correlation by client key works
GROUP_ORDER = ["activities", "basics", "cfpatterns", "data", "errors", "events", "gateways",
               "bpmn_constraints"]

# --------------------------------------------------------------------------
# Translation

# One log line: the token plus a nonce, so that a line copied between
# instances (call activity variable mapping) is counted once at the end.
LOG_FN = ('local function log(s) trace = var("trace") or {}; '
          'trace[#trace + 1] = s .. "|" .. #trace .. "|" .. string.format("%x", math.random(0)) end; ')

PLACEHOLDERS = {
    "CREATE_LOG_FILE": 'trace = var("trace") or {}',
    "CREATE_MARKER_FILE": "marker_exists = true",
    "INCREMENT_INTEGER_VARIABLE": "integerVariable = integerVariable + 1",
    "INCREMENT_INTEGER_VARIABLE_AND_LOG": LOG_FN + 'integerVariable = integerVariable + 1; log("INCREMENT_correct")',
    "SET_STRING_DATA": 'data = "String"',
    "LOG_DATA": LOG_FN + 'if var("data") == "String" then log("DATA_correct") end',
    "THROW_ERROR": 'bpmn_error("ERR_CODE")',
    "CREATE_TIMESTAMP_LOG_1": "-- CREATE_TIMESTAMP_LOG_1: the interval is taken from the history",
    "CREATE_TIMESTAMP_LOG_2": "-- CREATE_TIMESTAMP_LOG_2: the interval is taken from the history",
}
for _n in range(1, 10):
    PLACEHOLDERS["SCRIPT_task%d" % _n] = LOG_FN + 'log("SCRIPT_task%d")' % _n

SCRIPT_RE = re.compile(r'(<(?:[\w.-]+:)?script\b[^>]*(?<!/)>)(.*?)(</(?:[\w.-]+:)?script\s*>)', re.S)
SCRIPTTASK_RE = re.compile(r'<((?:[\w.-]+:)?scriptTask)\b([^>]*)>')
WHOLE_SCRIPTTASK_RE = re.compile(r'<((?:[\w.-]+:)?)scriptTask\b([^>]*)(?<!/)>(.*?)</\1scriptTask\s*>', re.S)
WAIT_MS = 10000                  # WAIT_TEN_SECONDS: the task completes this long after it began
COND_RE = re.compile(r'(<(?:[\w.-]+:)?(conditionExpression|condition|loopCondition|completionCondition|'
                     r'activationCondition|loopCardinality)\b[^>]*(?<!/)>)(.*?)(</(?:[\w.-]+:)?\2\s*>)', re.S)
CDATA_RE = re.compile(r'^\s*<!\[CDATA\[(.*)\]\]>\s*$', re.S)


def xml_text(raw):
    m = CDATA_RE.match(raw)
    return m.group(1) if m else html.unescape(raw)


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def juel_to_lua(src, notes):
    """A Java/JUEL condition as a Lua expression; only the forms betsy uses."""
    t = src.strip()
    m = re.fullmatch(r'[$#]\{(.*)\}', t, re.S)
    if m:
        t = m.group(1).strip()
    if re.search(r'\.contains\([^)]*\)\s*>$', t):
        notes.append("corpus typo: a stray '>' after the condition `%s` was dropped" % t)
        t = t[:-1].rstrip()
    t = re.sub(r'([A-Za-z_]\w*)\.contains\(\s*"([^"]*)"\s*\)', r'(string.find(\1, "\2", 1, true) ~= nil)', t)
    t = t.replace("&&", " and ").replace("||", " or ").replace("!=", "~=")
    t = re.sub(r'!(?!=)\s*', 'not ', t)
    return t


DEFS_LANG_RE = re.compile(r'(<(?:[\w.-]+:)?definitions\b[^>]*?\bexpressionLanguage=)"[^"]*"', re.S)


def translate(text, notes, constraint=False):
    def script(m):
        body = xml_text(m.group(2))
        key = body.strip()
        if key in PLACEHOLDERS:
            code = PLACEHOLDERS[key]
        elif key == "":
            code = ""
        else:
            notes.append("script left untranslated: %r" % key[:60])
            return m.group(0)
        return m.group(1) + xml_escape(code) + "\n" * m.group(2).count("\n") + m.group(3)

    def cond(m):
        body = xml_text(m.group(3))
        if body.strip() == "":
            return m.group(0)
        code = juel_to_lua(body, notes)
        return m.group(1) + xml_escape(code) + "\n" * m.group(3).count("\n") + m.group(4)

    def task(m):
        if "scriptFormat" in m.group(2):
            return m.group(0)
        attrs = m.group(2)
        if attrs.endswith("/"):
            return "<%s%s scriptFormat=\"lua\"/>" % (m.group(1), attrs[:-1])
        return "<%s%s scriptFormat=\"lua\">" % (m.group(1), attrs)

    def wait(m):
        # A script busy for ten seconds is an activity that stays active
        # ten seconds: a user task (same id, same lines) that the runner
        # completes WAIT_MS after it began, as a worker would; timers that
        # fall due meanwhile fire first.
        inner = m.group(3)
        sm = SCRIPT_RE.search(inner)
        if not sm or xml_text(sm.group(2)).strip() != "WAIT_TEN_SECONDS":
            return m.group(0)
        notes.append("WAIT_TEN_SECONDS: the script task is a user task the runner completes %d s after it began"
                     % (WAIT_MS // 1000))
        inner = inner[:sm.start()] + "\n" * sm.group(0).count("\n") + inner[sm.end():]
        return "<%suserTask%s>%s</%suserTask>" % (m.group(1), m.group(2), inner, m.group(1))

    if not constraint:
        text = WHOLE_SCRIPTTASK_RE.sub(wait, text)
    text = SCRIPT_RE.sub(script, text)
    text = COND_RE.sub(cond, text)
    if constraint:
        # A constraint file is deployed as drawn: adding scriptFormat would
        # hide the rule that a script names its format (EXT.053).
        return text
    text = SCRIPTTASK_RE.sub(task, text)
    # The conditions are Lua now, so the declared language says so too, as
    # a betsy adapter rewrites it for its engine.
    text, n = DEFS_LANG_RE.subn(r'\1"https://www.lua.org/"', text)
    if n:
        notes.append("expressionLanguage on definitions declared as Lua (the conditions were translated)")
    return text


def local(tag):
    return tag.rsplit("}", 1)[-1]


def element_map(path):
    """id -> {"tag", "defs" (event definitions), "script"} of every element."""
    out = {}
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return out
    messages = {e.get("id"): e.get("name") or e.get("id") for e in root.iter() if local(e.tag) == "message"}
    for e in root.iter():
        i = e.get("id")
        if not i:
            continue
        defs = [local(c.tag) for c in e if local(c.tag).endswith("EventDefinition")]
        info = {"tag": local(e.tag), "defs": defs}
        # Constructs an engine could deploy yet not run: named in a failing case's reason.
        uses = [local(c.tag) for c in e if local(c.tag) in ("standardLoopCharacteristics",
                                                             "multiInstanceLoopCharacteristics")]
        uses += ["%s=%s" % (a, e.get(a)) for a in ("startQuantity", "completionQuantity")
                 if e.get(a) not in (None, "1")]
        if local(e.tag) == "intermediateCatchEvent" and any(local(x.tag) == "timeCycle" for x in e.iter()):
            uses.append("timeCycle")
        if uses:
            info["uses"] = uses
        for c in e:
            if local(c.tag) == "script":
                info["script"] = (c.text or "").strip()
            if local(c.tag) == "messageEventDefinition" and c.get("messageRef"):
                info["message"] = messages.get(c.get("messageRef"), c.get("messageRef"))
        if e.get("messageRef"):
            info["message"] = messages.get(e.get("messageRef"), e.get("messageRef"))
        out[i] = info
    return out


def cmd_prepare(work):
    tsv = os.path.join(CORPUS, "EXPECTED.tsv")
    cases = []
    with open(tsv, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 6:
                sys.exit("betsy.py: bad line in %s: %r" % (tsv, line))
            cases.append(cols)
    files = sorted({c[0] for c in cases})
    meta = {}
    for rel in files:
        src = os.path.join(CORPUS, rel)
        with open(src, encoding="utf-8") as f:
            text = f.read()
        notes = []
        out = translate(text, notes, rel.startswith("bpmn_constraints/"))
        dst = os.path.join(work, "xlat", rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "w", encoding="utf-8") as f:
            f.write(out)
        elements = element_map(src)
        meta[rel] = {"notes": sorted(set(notes)), "elements": elements}
    with open(os.path.join(work, "meta.json"), "w") as f:
        json.dump(meta, f)
    with open(os.path.join(work, "cases.json"), "w") as f:
        json.dump(cases, f)
    os.makedirs(os.path.join(work, "results"), exist_ok=True)
    os.makedirs(os.path.join(work, "db"), exist_ok=True)
    for i in range(len(cases)):
        print(i)


# --------------------------------------------------------------------------
# Running one case


class Crash(Exception):
    pass


def iso(ms):
    d = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + (".%03dZ" % (ms % 1000) if ms % 1000 else "Z")


def sdm(work, db, now_ms, *args):
    """Run build/sdm; returns (rc, stdout, stderr). A signal is a crash."""
    argv = [SDM, "--db", db, "--json", "--now", iso(now_ms)] + list(args)
    try:
        p = subprocess.run(argv, cwd=os.path.join(work, "xlat"), capture_output=True, text=True,
                           timeout=CMD_TIMEOUT, env=dict(os.environ, USER="betsy"))
    except subprocess.TimeoutExpired:
        raise Crash("sdm %s hung: killed after %ds" % (args[0], CMD_TIMEOUT))
    if p.returncode < 0:
        name = signal.Signals(-p.returncode).name
        raise Crash("sdm %s crashed with %s: %s" % (args[0], name, p.stderr.strip()[-300:]))
    if "Sanitizer" in p.stderr:
        m = re.search(r'ERROR: \w*Sanitizer: [^\n]*|runtime error: [^\n]*', p.stderr)
        raise Crash("sdm %s: %s" % (args[0], m.group(0) if m else "sanitizer report"))
    return p.returncode, p.stdout, p.stderr


def jload(s):
    try:
        return json.loads(s)
    except ValueError:
        return None


def errtext(stderr):
    lines = [l[len("sdm: "):] if l.startswith("sdm: ") else l for l in stderr.strip().splitlines()]
    return "; ".join(lines)[:400]


def describe(elements, node):
    e = elements.get(node, {})
    tag = e.get("tag", "?")
    defs = [d[:-len("EventDefinition")] for d in e.get("defs", [])]
    return ("%s %s '%s'" % ("/".join(defs), tag, node) if defs else "%s '%s'" % (tag, node))


def run_case(work, idx, case, meta):
    rel, name, num, test_in, options, expected = case
    opts = {}
    for o in ([] if options == "-" else options.split(",")):
        k, _, v = o.partition("=")
        opts[k] = v
    elements = meta["elements"]
    db = os.path.join(work, "db", "%d.db" % idx)
    res = {"got": [], "reason": "", "crash": "", "notes": list(meta["notes"])}
    try:
        rc, out, err = sdm(work, db, T0_MS, "deploy", rel)
        rows = jload(out) or []
        if rc != 0:
            res["got"] = ["ERROR_deployment"]
            msgs = [r.get("message") for r in rows if isinstance(r, dict) and r.get("kind") == "error"]
            msgs = [m for m in msgs if m] or [errtext(err) or "exit status %d" % rc]
            uniq = list(dict.fromkeys(msgs))
            res["deploy_errors"] = uniq
            res["reason"] = "deploy rejected: " + uniq[0] + (" (+%d more)" % (len(uniq) - 1) if len(uniq) > 1 else "")
            return res
        warnings = [r.get("message") for r in rows if isinstance(r, dict) and r.get("kind") == "warning"]
        res["warnings"] = [m for m in warnings if m]
        if rel.startswith("bpmn_constraints/"):
            res["reason"] = "deployed without error" + (
                " (warnings: %s)" % "; ".join(warnings[:2]) if warnings else "")
            return res

        variables = {"integerVariable": int(opts.get("integerVariable", 0)), "testCaseNumber": int(num)}
        if test_in != "-":
            variables["test"] = test_in
        vars_json = json.dumps(variables)
        problems = []
        if "parallelProcess" in opts:
            rc, out, err = sdm(work, db, T0_MS, "start", "ParallelProcess", "--client", CLIENT, "--vars", vars_json)
            if rc != 0:
                problems.append("start ParallelProcess failed: " + errtext(err))
        rc, out, err = sdm(work, db, T0_MS, "start", name, "--client", CLIENT, "--vars", vars_json)
        start_failed = rc != 0
        if start_failed:
            problems.append("start failed: " + errtext(err))

        # Drive the clock: fire whatever is due at the start, then every due
        # job and every WAIT_TEN_SECONDS task's end up to start + delayMs,
        # in time order.
        end = T0_MS + int(opts.get("delayMs", 0))
        waits = {i for i, e in elements.items() if e.get("script") == "WAIT_TEN_SECONDS"}
        now, ticks = T0_MS, 0
        while True:
            rc, out, err = sdm(work, db, now, "tick")
            ticks += 1
            if rc != 0:
                problems.append("tick failed: " + errtext(err))
                break
            nxt = (jload(out) or {}).get("next_due") or 0
            finished = False
            for at, task in wait_tasks(work, db, now, waits):
                if at <= now:
                    rc, out, err = sdm(work, db, now, "complete", str(task))
                    if rc != 0:
                        problems.append("completing WAIT_TEN_SECONDS task %d failed: %s" % (task, errtext(err)))
                    finished = True
                elif not nxt or at < nxt:
                    nxt = at
            if finished and ticks < 500:
                continue
            if nxt and nxt <= end and ticks < 500:
                now = max(nxt, now)
                continue
            if now < end:
                now = end
                continue
            break

        # Collect: every instance's log (lines deduplicated by nonce), the
        # marker, incidents, the history for the timestamp tasks.
        rc, out, err = sdm(work, db, end, "instances")
        insts = jload(out) or []
        lines, marker, errors, waiting = {}, False, [], []
        history = []
        for inst in insts:
            rc, out, err = sdm(work, db, end, "show", str(inst["id"]))
            show = jload(out) or {}
            for v in show.get("variables", []):
                if v["name"] == "trace" and isinstance(v["value"], list):
                    for line in v["value"]:
                        if isinstance(line, str):
                            lines[line] = line.split("|", 1)[0]
                if v["name"] == "marker_exists" and v["value"] is True:
                    marker = True
            for t in show.get("tokens", []):
                if t.get("state") != "incident":
                    waiting.append(t["node"])
            history += show.get("history", [])
            info = (show.get("instance") or [{}])[0]
            endn = info.get("end_node")
            if endn and "errorEventDefinition" in elements.get(endn, {}).get("defs", []) and not info.get("called_by"):
                errors.append("ERROR_thrownErrorEvent")
        rc, out, err = sdm(work, db, end, "incidents", "--state", "all")
        incidents = [i for i in (jload(out) or []) if i.get("state") == "open"]
        for inc in incidents:
            node = elements.get(inc.get("node"), {})
            uncaught = re.match(r"error '.*' thrown at '.*' is not caught", inc.get("message") or "")
            if node.get("tag") == "endEvent" and ("errorEventDefinition" in node.get("defs", []) or uncaught):
                errors.append("ERROR_thrownErrorEvent")
            else:
                errors.append("ERROR_runtime")
            problems.append("incident at %s: %s" % (describe(elements, inc.get("node")), inc.get("message")))
        if start_failed:
            errors.append("ERROR_runtime")
        got = list(lines.values())
        # Like betsy's checkMarkerFileExists and checkParallelism: looked
        # for only when the case asserts it.
        asserted = expected.split()
        if marker and "MARKER_exists" in asserted:
            got.append("MARKER_exists")
        if "EXECUTION_parallel" in asserted and parallel_from_history(history, elements):
            got.append("EXECUTION_parallel")
        got += sorted(set(errors))
        res["got"] = got
        if waiting:
            res["waiting"] = [describe(elements, n) for n in dict.fromkeys(waiting)]
        res["reason"] = "; ".join(dict.fromkeys(problems))
    except Crash as e:
        res["crash"] = str(e)
        res["reason"] = str(e)
    return res


def wait_tasks(work, db, now, waits):
    """(when it ends, task id) of every open task at a WAIT_TEN_SECONDS node."""
    if not waits:
        return []
    rc, out, err = sdm(work, db, now, "tasks")
    out_ = []
    for t in jload(out) or []:
        if t.get("node") in waits and t.get("state") == "open":
            began = datetime.datetime.strptime(t["created_at"].replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z"
                                               if "." in t["created_at"] else "%Y-%m-%dT%H:%M:%S%z")
            out_.append((int(began.timestamp() * 1000) + WAIT_MS, t["id"]))
    return out_


def parallel_from_history(history, elements):
    """EXECUTION_parallel: the two CREATE_TIMESTAMP_LOG tasks were both
    active at once — each entered before the other left (history order)."""
    spans = {}
    for key in ("CREATE_TIMESTAMP_LOG_1", "CREATE_TIMESTAMP_LOG_2"):
        nodes = {i for i, e in elements.items() if e.get("script") == key}
        enter = [h["id"] for h in history if h.get("node") in nodes and h.get("event") == "enter"]
        leave = [h["id"] for h in history if h.get("node") in nodes and h.get("event") == "leave"]
        if not enter or not leave:
            return False
        spans[key] = (min(enter), max(leave))
    (a1, b1), (a2, b2) = spans.values()
    return a1 < b2 and a2 < b1


def cmd_run(work, ids):
    cases = json.load(open(os.path.join(work, "cases.json")))
    meta = json.load(open(os.path.join(work, "meta.json")))
    for s in ids:
        idx = int(s)
        case = cases[idx]
        res = run_case(work, idx, case, meta[case[0]])
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(os.path.join(work, "db", "%d.db%s" % (idx, suffix)))
            except OSError:
                pass
        with open(os.path.join(work, "results", "%d.json" % idx), "w") as f:
            json.dump(res, f)


# --------------------------------------------------------------------------
# Report


def compare(expected, got):
    exp = [] if expected == "-" else expected.split()
    g = list(got)
    if "ERROR" in exp:          # betsy's generic ERROR: any error will do
        g = ["ERROR" if x.startswith("ERROR") else x for x in g]
        g = [x for i, x in enumerate(g) if x != "ERROR" or "ERROR" not in g[:i]]
    return sorted(exp) == sorted(g)


def fail_reason(res, expected, got, elements):
    if res.get("crash"):
        return res["crash"]
    if res.get("deploy_errors") and expected != "ERROR_deployment":
        return res["reason"]
    parts = []
    if res.get("reason"):
        parts.append(res["reason"])
    if res.get("waiting"):
        w = res["waiting"]
        parts.append("still waiting at " + ", ".join(w[:3]) + " (nothing in the case sends it)")
    if not parts or not res.get("reason"):
        parts.append("trace differs: " + trace_diff(expected, got))
        uses = ["%s on '%s'" % (", ".join(e["uses"]), i) for i, e in elements.items() if e.get("uses")]
        if uses:
            parts.append("the file uses " + "; ".join(uses[:3]) + ", deployed without an error")
    parts += res.get("notes", [])
    if res.get("warnings") and expected != "ERROR_deployment":
        parts.append("deploy warned: " + "; ".join(res["warnings"][:2]))
    return "; ".join(parts)


def trace_diff(expected, got):
    exp = [] if expected == "-" else expected.split()
    missing, extra = list(exp), []
    for g in got:
        if g in missing:
            missing.remove(g)
        else:
            extra.append(g)

    def fmt(xs):
        return ", ".join("%s%s" % (x, " x%d" % xs.count(x) if xs.count(x) > 1 else "")
                         for x in sorted(set(xs)))
    out = []
    if missing:
        out.append("missing " + fmt(missing))
    if extra:
        out.append("extra " + fmt(extra))
    return "; ".join(out) or "same lines"


def unsupported_only(errors):
    """The engine rejected the file only for elements it does not support yet."""
    return bool(errors) and all("is not supported" in m for m in errors)


RULE_TAG_RE = re.compile(r"\[((?:EXT\.\d{3}|REF)(?:, (?:EXT\.\d{3}|REF))*)\]")

# Cases no run on one machine can decide: what they check is not in the
# trace (real wall-clock parallelism of two ten-second waits).
NOT_COMPARABLE = {
    "gateways/ParallelGateway_TrueParallelism.bpmn":
        "needs real wall-clock parallelism (two scripts waiting ten seconds at once); sdm runs a step's "
        "tokens one after another in one transaction, so EXECUTION_parallel here would only say the "
        "history interleaves, not that the waits overlapped",
}

# Cases whose expected trace contradicts their own file, so no engine can
# pass them as written: not comparable with betsy, but still compared with
# the trace the file gives (a different run is a failure).
_ADHOC = ("betsy's expected trace (SCRIPT_task1 SCRIPT_task2 SCRIPT_task3, from assertTask1-3 in "
          "ActivityProcesses.java) contradicts its file: no script logs SCRIPT_task3, the task after the "
          "ad-hoc subprocess logs SCRIPT_task1 (line 47), and the file has no completion condition (its "
          "comment: not implemented); compared instead with the file's own trace, the subprocess's two "
          "tasks and the task after it")
ERRATA = {
    "activities/AdHocSubProcess_Sequential.bpmn": (_ADHOC, "SCRIPT_task1 SCRIPT_task2 SCRIPT_task1"),
    "activities/AdHocSubProcess_Parallel.bpmn": (_ADHOC, "SCRIPT_task1 SCRIPT_task2 SCRIPT_task1"),
}


def rule_of(rel):
    """The rule a constraint file breaks, as the engine writes it: its folder
    (EXT002 -> EXT.002; REF stays REF)."""
    folder = rel.split("/")[1]
    return "EXT." + folder[3:] if folder.startswith("EXT") else folder


def names_rule(errors, rule):
    """Some refusal names the rule in its bracketed list ([EXT.025])."""
    for m in errors:
        for group in RULE_TAG_RE.findall(m or ""):
            if rule in group.split(", "):
                return True
    return False


def status(r):
    """pass, weak (passes only because something is not supported yet),
    incidental (a constraint file refused for another reason than its
    rule), not comparable, or FAIL."""
    if r["file"] in NOT_COMPARABLE:
        return "not comparable"
    if r["file"] in ERRATA:
        return "not comparable" if r["ok"] else "FAIL"
    errs = r["deploy_errors"]
    if r["group"] == "bpmn_constraints":
        if not r["ok"]:
            return "FAIL"
        if not names_rule(errs, rule_of(r["file"])):
            return "incidental"
        return "weak" if unsupported_only(errs) else "pass"
    if not r["ok"]:
        return "FAIL"
    exp = r["expected"].split()
    if any(t.startswith("ERROR") for t in exp) and unsupported_only(errs):
        return "weak"
    return "pass"


def category(reason):
    """A failure reason without ids, paths and lines, for counting."""
    r = reason
    m = re.match(r"deploy rejected: ((?:\w+ )?\w+) '[^']*' at \S+ is not supported", r)
    if m:
        return "deploy rejected: %s is not supported" % m.group(1)
    if r.startswith("trace differs"):
        uses = sorted(set(re.findall(r"(\w+(?:LoopCharacteristics|Quantity)|timeCycle)(?:=\d+)? on '", r)))
        return "trace differs" + ("; the file uses %s, deployed without an error" % ", ".join(uses) if uses else "")
    r = re.sub(r" \(\+\d+ more\)", "", r)
    r = re.sub(r"'[^']*'", "'…'", r)
    r = re.sub(r"\S+\.bpmn(:\d+)?", "FILE", r)
    r = re.sub(r"\b\d+\b", "N", r)
    return r[:160]


def git(*args):
    try:
        return subprocess.run(["git"] + list(args), cwd=REPO, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def md(s):
    return s.replace("|", "\\|").replace("\n", " ")


def cmd_report(work):
    cases = json.load(open(os.path.join(work, "cases.json")))
    meta = json.load(open(os.path.join(work, "meta.json")))
    rows, crashes, missing = [], [], 0
    for idx, case in enumerate(cases):
        rel, name, num, test_in, options, expected = case
        path = os.path.join(work, "results", "%d.json" % idx)
        if not os.path.exists(path):
            missing += 1
            res = {"got": [], "crash": "the runner produced no result for this case", "notes": []}
        else:
            res = json.load(open(path))
        got = res["got"]
        if rel in ERRATA:
            why, expected_ = ERRATA[rel]
            ok = not res.get("crash") and compare(expected_, got)
            reason = why + ("; the run gives it" if ok else
                            "; the run differs: " + fail_reason(res, expected_, got, meta[rel]["elements"]))
        else:
            ok = not res.get("crash") and compare(expected, got)
            reason = "" if ok else fail_reason(res, expected, got, meta[rel]["elements"])
        if res.get("crash"):
            crashes.append("%s #%s: %s" % (rel, num, res["crash"]))
        group = rel.split("/", 1)[0]
        rows.append({"group": group, "file": rel, "case": num, "input": test_in, "options": options,
                     "expected": expected, "got": " ".join(sorted(got)) or "-", "ok": ok, "reason": reason,
                     "deploy_errors": res.get("deploy_errors", []), "notes": res.get("notes", [])})
    for r in rows:
        r["status"] = st = status(r)
        r["weak"] = st == "weak"
        if st == "incidental":
            r["reason"] = "refused without naming its rule %s: %s" % (
                rule_of(r["file"]), "; ".join(r["deploy_errors"][:2]))
        elif st == "not comparable" and r["file"] in NOT_COMPARABLE:
            r["reason"] = NOT_COMPARABLE[r["file"]]
        note = {"FAIL": " | reason: " + r["reason"], "incidental": " | reason: " + r["reason"],
                "not comparable": " | " + r["reason"],
                "weak": " | note: passes only because something is not supported: " +
                        (r["deploy_errors"][0] if r["deploy_errors"] else "")}.get(st, "")
        print("%s %s #%s | expected: %s | got: %s%s" % (
            {"pass": "PASS", "weak": "WEAK", "incidental": "INCIDENTAL", "not comparable": "N/C"}.get(st, "FAIL"),
            r["file"], r["case"], r["expected"], r["got"], note))
    # per group: passed (weak included), weak, incidental, not comparable, failed
    groups = {}
    for r in rows:
        g = groups.setdefault(r["group"], [0, 0, 0, 0, 0])
        st = r["status"]
        g[0] += st in ("pass", "weak")
        g[1] += st == "weak"
        g[2] += st == "incidental"
        g[3] += st == "not comparable"
        g[4] += st == "FAIL"
    npass = sum(g[0] for g in groups.values())
    nfail = sum(g[2] + g[4] for g in groups.values())
    order = [g for g in GROUP_ORDER if g in groups] + sorted(set(groups) - set(GROUP_ORDER))
    sys.stdout.write("".join("  %-17s %3d passed (%d weak), %3d failed%s%s\n" % (
        g, groups[g][0], groups[g][1], groups[g][2] + groups[g][4],
        " (%d refused for another reason)" % groups[g][2] if groups[g][2] else "",
        ", %d not comparable" % groups[g][3] if groups[g][3] else "") for g in order))
    ex = [g for g in order if g != "bpmn_constraints"]
    sys.stdout.write("  executable: %d of %d comparable cases passed (%d weak); %d not comparable\n" % (
        sum(groups[g][0] for g in ex), sum(sum(groups[g]) - groups[g][1] - groups[g][3] for g in ex),
        sum(groups[g][1] for g in ex), sum(groups[g][3] for g in ex)))
    write_doc(rows, groups, order, npass, nfail)
    print("%d passed, %d failed" % (npass, nfail))
    if crashes or missing:
        sys.stderr.write("conformance: the runner broke or sdm crashed:\n  " + "\n  ".join(crashes[:20]) + "\n")
        return 3
    return 0


def label_of(st):
    return {"pass": "pass", "weak": "*pass\\**", "incidental": "**refused for another reason**",
            "not comparable": "not comparable"}.get(st, "**FAIL**")


def write_doc(rows, groups, order, npass, nfail):
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "engine", "Makefile")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = []
    w = out.append
    w("# Conformance: the betsy BPMN test suite\n")
    w("<!-- Generated by `make conformance` (tests/conformance/run); do not edit by hand. -->\n")
    w("Generated %s from commit `%s`%s with `%s`. The corpus is `../shared/corpus/betsy` "
      "(see its README); each case runs on a fresh database, from a fixed clock of 2020-01-01T00:00:00Z.\n"
      % (when, commit, " plus uncommitted engine changes" if dirty else "", os.environ.get("SDM_LABEL") or os.path.relpath(SDM, REPO)))
    ncmp = sum(1 for r in rows if r["status"] == "not comparable")
    w("**%d passed, %d failed** of %d comparable cases%s.\n" % (
        npass, nfail, npass + nfail, "; %d not comparable" % ncmp if ncmp else ""))
    w("| group | cases | passed | of them weak | refused for another reason | not comparable | failed |\n"
      "|---|---:|---:|---:|---:|---:|---:|")
    for g in order:
        p, wk, inc, nc, f = groups[g]
        w("| %s | %d | %d | %d | %d | %d | %d |" % (g, p + inc + nc + f, p, wk, inc, nc, f))
    w("\n- A bpmn_constraints case passes only when a refusal names the rule the file breaks: the engine "
      "writes the rule ids a check enforces after its message (`[EXT.025]`; `[REF]` for a reference to the "
      "wrong kind of element), and the rule is the file's folder. A refusal for anything else is counted "
      "under *refused for another reason* and listed apart below, not as a pass.")
    w("- A *weak* pass (marked *pass\\**) is one that holds only because something is not supported yet: "
      "a constraint refused only by a \"not supported\" message, or an executable case expecting an error that "
      "got one because the file was refused as unsupported. Weak passes turn into failures as features land.")
    w("- *Not comparable*: the case checks something a run here cannot show; the reason is in its row.\n")
    inc = [r for r in rows if r["status"] == "incidental"]
    if inc:
        w("## Refused for another reason than the rule (%d)\n" % len(inc))
        w("| file | rule | what the engine said |\n|---|---|---|")
        for r in inc:
            w("| %s | %s | %s |" % (md(r["file"][len("bpmn_constraints/"):]), rule_of(r["file"]),
                                   md("; ".join(r["deploy_errors"][:2]))))
        w("")
    cats = {}
    feats = {}
    for r in rows:
        if r["status"] in ("pass", "weak", "incidental", "not comparable"):
            continue
        c = category(r["reason"])
        cats[c] = cats.get(c, 0) + 1
        if r["group"] == "bpmn_constraints":
            continue
        for m in r["deploy_errors"]:
            mm = re.match(r"((?:\w+ )?\w+) '[^']*' at \S+ is not supported", m)
            if mm:
                feats.setdefault(mm.group(1), set()).add((r["file"], r["case"]))
    if feats:
        w("## Unsupported elements\n")
        w("Executable cases whose deployment each unsupported element blocks (a case counts under every "
          "element its file is rejected for).\n")
        w("| element | cases | files |\n|---|---:|---:|")
        for k, v in sorted(feats.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            w("| %s | %d | %d |" % (k, len(v), len({f for f, _ in v})))
        w("")
    if cats:
        w("## Failure reasons\n")
        w("| cases | reason (ids and lines left out) |\n|---:|---|")
        for c, n in sorted(cats.items(), key=lambda kv: (-kv[1], kv[0])):
            w("| %d | %s |" % (n, md(c)))
        w("")
    w("## How the runner translates the corpus\n")
    w("Like betsy's per-engine adapters, `tests/conformance/betsy.py` rewrites each file before deploying it "
      "(never the engine), keeping every other byte and every line number:\n")
    w("- Script placeholders become Lua (in the executable cases `scriptFormat=\"lua\"` is added where absent and an `expressionLanguage` on `definitions` is declared as Lua, since the conditions are translated; the bpmn_constraints files keep both as drawn). The log is the instance "
      "variable `trace`; `SCRIPT_taskN` appends `SCRIPT_taskN`, `INCREMENT_INTEGER_VARIABLE_AND_LOG` increments "
      "`integerVariable` and appends `INCREMENT_correct`, `SET_STRING_DATA` sets `data = \"String\"` and `LOG_DATA` "
      "appends `DATA_correct` when it reads that back, `CREATE_MARKER_FILE` sets `marker_exists` (reported once as "
      "`MARKER_exists` when the case asserts it, as betsy's `checkMarkerFileExists` looks for the file only then), "
      "`THROW_ERROR` is `bpmn_error(\"ERR_CODE\")` (a BPMN error: caught by an error boundary on the task, else an "
      "incident). `WAIT_TEN_SECONDS`, a script busy for ten seconds, is an activity that stays active ten seconds: "
      "the script task becomes a user task (same id, same lines) that the runner completes ten seconds of the "
      "engine's clock after it began, as a worker would, after firing every job due before then.")
    w("- Each log line carries a random nonce, so the log of all instances (main, `ParallelProcess`, called "
      "processes) is merged without counting a line twice when variables are copied between instances.")
    w("- `EXECUTION_parallel` (looked for only when the case asserts it, as betsy's `checkParallelism`): the two "
      "`CREATE_TIMESTAMP_LOG` tasks were active at once, i.e. each was entered before the other left, in the "
      "engine's history order.")
    w("- A case whose expected trace contradicts its own file (betsy's AdHocSubProcess cases assert "
      "`SCRIPT_task3`, which no script of the file logs) is *not comparable*, but is still compared with the "
      "trace the file gives: a different run is a failure.")
    w("- Conditions (`conditionExpression`, `condition`, `loopCondition`, `completionCondition`, "
      "`loopCardinality`): `${...}` is unwrapped, `x.contains(\"a\")` becomes "
      "`(string.find(x, \"a\", 1, true) ~= nil)`, `!`/`&&`/`||`/`!=` become `not`/`and`/`or`/`~=`.")
    w("- Start variables: `test` (when the case sets it), `integerVariable` (default 0), `testCaseNumber`; "
      "client `betsy`. `parallelProcess` starts `ParallelProcess` first. After the start the runner ticks every "
      "job due up to start + `delayMs` in time order (`sdm --now T tick`).")
    w("- Trace tokens: `ERROR_deployment` when `sdm deploy` fails; `ERROR_runtime` for an open incident or a "
      "failed start; `ERROR_thrownErrorEvent` for an incident at, or a top-level end by, an error end event. "
      "An expected generic `ERROR` matches any `ERROR_*`. Traces are compared as sorted multisets.")
    w("- `make conformance` exits 0 whatever the results; it exits non-zero when the runner breaks: no corpus, "
      "no `build/sdm`, `sdm` killed by a signal, hanging over %ds, or a sanitizer report "
      "(`SDM_BIN=build/test/sdm make conformance` runs the ASan/UBSan build, about three times slower).\n"
      % CMD_TIMEOUT)
    for g in order:
        p, wk, inc, nc, f = groups[g]
        w("## %s (%d passed, %d weak, %d failed%s)\n" % (g, p, wk, inc + f, ", %d not comparable" % nc if nc else ""))
        if g == "bpmn_constraints":
            w("Every file must be rejected at deployment (`ERROR_deployment`).\n")
            w("| file | result | engine's reason, or why it fails |\n|---|---|---|")
            for r in rows:
                if r["group"] != g:
                    continue
                why = r["reason"] if r["status"] in ("FAIL", "incidental") else (
                    "; ".join(m for m in r["deploy_errors"] if names_rule([m], rule_of(r["file"])))[:300])
                w("| %s | %s | %s |" % (md(r["file"][len(g) + 1:]), label_of(r["status"]), md(why)))
        else:
            w("| file | case | input | options | expected | got | result | reason |\n|---|---:|---|---|---|---|---|---|")
            for r in rows:
                if r["group"] != g:
                    continue
                w("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    md(r["file"][len(g) + 1:]), r["case"], r["input"], r["options"], r["expected"], r["got"],
                    label_of(r["status"]), md(r["reason"] if r["status"] != "weak" else
                                              "passes only as unsupported: " + "; ".join(r["deploy_errors"][:1]))))
        w("")
    with open(DOC, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


def main(argv):
    if len(argv) < 3 or argv[1] not in ("prepare", "run", "report"):
        sys.exit(__doc__)
    work = os.path.abspath(argv[2])
    if argv[1] == "prepare":
        cmd_prepare(work)
    elif argv[1] == "run":
        cmd_run(work, argv[3:])
    else:
        return cmd_report(work)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
