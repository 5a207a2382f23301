#!/usr/bin/env node
'use strict';
/*
 * check.js - validates every models/*.bpmn the way BPMN editors see it.
 *
 * Each model is imported with bpmn-moddle's fromXML (what bpmn.io and
 * Camunda Modeler run on open) and then checked for: import warnings, process
 * and collaboration structure, lanes, complete and resolvable diagram
 * information, sequence flow consistency, documented user tasks, gateway
 * defaults and conditions, Lua syntax of conditions, scripts and checkpoint
 * rules, variables read by conditions being set somewhere, call activities
 * pointing at existing processes, and a clean layout.
 *
 * Prints one line per model and check, then "N passed, N failed".
 * Usage: node tests/moddle/check.js [file.bpmn ...]   (default: models/*.bpmn)
 */
const fs = require('fs');
const path = require('path');
const BpmnModdle = require('bpmn-moddle');
const luaparse = require('luaparse');

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPTS = path.join(ROOT, 'scripts');
const SDM_NS = 'urn:sdm:bpmn:1';

const LUA_BUILTINS = new Set([
  'true', 'false', 'nil', 'tostring', 'tonumber', 'type', 'string', 'math', 'table',
  'os', 'pairs', 'ipairs', 'select', 'next', 'now', 'client', 'task', 'node', 'var', 'defined',
]);

let passed = 0;
let failed = 0;

function report(file, check, problems) {
  if (problems.length === 0) {
    passed++;
    console.log(`ok   ${file}: ${check}`);
  } else {
    failed++;
    console.log(`FAIL ${file}: ${check}`);
    for (const p of problems.slice(0, 25)) console.log(`       - ${p}`);
    if (problems.length > 25) console.log(`       - ... ${problems.length - 25} more`);
  }
}

// ---------------------------------------------------------------- helpers

function is(el, type) {
  return el && el.$instanceOf && el.$instanceOf(type);
}

function sdmPrefix(defs) {
  for (const [k, v] of Object.entries(defs.$attrs || {})) {
    if (v === SDM_NS && k.startsWith('xmlns:')) return k.slice(6);
  }
  return null;
}

function sdmAttr(model, el, name) {
  if (!model.sdm || !el.$attrs) return undefined;
  return el.$attrs[`${model.sdm}:${name}`];
}

function sdmElements(model, el, name) {
  const ext = el.extensionElements && el.extensionElements.values || [];
  return ext.filter(e => model.sdm && e.$type === `${model.sdm}:${name}`);
}

// All flow elements of a process, descending into sub-processes.
function flowElements(container, out = []) {
  for (const el of container.flowElements || []) {
    out.push(el);
    if (el.flowElements) flowElements(el, out);
  }
  return out;
}

function leafLanes(laneSet, out = []) {
  for (const lane of (laneSet && laneSet.lanes) || []) {
    if (lane.childLaneSet && lane.childLaneSet.lanes && lane.childLaneSet.lanes.length) {
      out.push(lane);
      leafLanes(lane.childLaneSet, out);
    } else {
      out.push(lane);
    }
  }
  return out;
}

function docText(el) {
  return (el.documentation || []).map(d => d.text || '').join('\n').trim();
}

// Lua: parse an expression (as sdm does: "a Lua expression or a chunk that returns").
function parseLua(code, asExpression) {
  const opts = { luaVersion: '5.3', scope: true, locations: false };
  if (asExpression) {
    try { return luaparse.parse(`return ${code}`, opts); } catch (e) { /* maybe a chunk that returns */ }
    const ast = luaparse.parse(code, opts);
    if (!ast.body.some(st => st.type === 'ReturnStatement')) {
      throw new Error('neither a Lua expression nor a chunk that returns a value');
    }
    return ast;
  }
  return luaparse.parse(code, opts);
}

// Globals read (free identifiers) and globals assigned by a Lua chunk.
function luaGlobals(ast) {
  const read = new Set();
  const written = new Set();
  (function walk(n, parent, key) {
    if (!n || typeof n !== 'object') return;
    if (Array.isArray(n)) { n.forEach(x => walk(x, parent, key)); return; }
    if (n.type === 'Identifier' && n.isLocal === false) {
      if (!(parent && parent.type === 'MemberExpression' && key === 'identifier')) read.add(n.name);
    }
    if (n.type === 'AssignmentStatement') {
      for (const v of n.variables) if (v.type === 'Identifier' && v.isLocal === false) written.add(v.name);
    }
    for (const [k, v] of Object.entries(n)) {
      if (v && typeof v === 'object') walk(v, n, k);
    }
  })(ast, null, null);
  return { read, written };
}

// The variable names in a "Record: a (true/false), b, c ("x"/"y")" line or
// an "Expected variables: a, b, c ..." sentence.
function namesFromList(text) {
  const names = new Set();
  const cleaned = text.replace(/\([^)]*\)/g, '');
  for (const part of cleaned.split(/[,;]/)) {
    const m = part.trim().match(/^([A-Za-z_][A-Za-z0-9_]*)/);
    if (m) names.add(m[1]);
  }
  return names;
}

function recordLine(doc) {
  const lines = doc.split('\n').map(s => s.trim()).filter(Boolean);
  const last = lines[lines.length - 1] || '';
  /* models/ru writes the same line in Russian */
  for (const head of ['Record:', 'Записать:']) if (last.startsWith(head)) return last.slice(head.length);
  return null;
}

function expectedVars(doc) {
  const m = doc.match(/(?:Expected variables|Ожидаемые переменные):\s*([^.]*)/);
  return m ? namesFromList(m[1]) : new Set();
}

const handlerCache = new Map();
// Globals that function `fn` of scripts/<module>.lua assigns (or null if missing).
function handlerInfo(module, fn) {
  const file = path.join(SCRIPTS, `${module}.lua`);
  if (!handlerCache.has(file)) {
    let entry;
    if (!fs.existsSync(file)) entry = { error: `scripts/${module}.lua does not exist` };
    else {
      try { entry = { ast: parseLua(fs.readFileSync(file, 'utf8'), false) }; }
      catch (e) { entry = { error: `scripts/${module}.lua: ${e.message}` }; }
    }
    handlerCache.set(file, entry);
  }
  const entry = handlerCache.get(file);
  if (entry.error) return entry;
  // function M.fn(...) ... end   or   M.fn = function ... end   or  fn = function / local function fn
  let body = null;
  (function walk(n) {
    if (!n || typeof n !== 'object' || body) return;
    if (Array.isArray(n)) { n.forEach(walk); return; }
    if (n.type === 'FunctionDeclaration' && n.identifier) {
      const id = n.identifier;
      const name = id.type === 'MemberExpression' ? id.identifier.name : id.name;
      if (name === fn) { body = n; return; }
    }
    if (n.type === 'AssignmentStatement' || n.type === 'LocalStatement') {
      n.variables.forEach((v, i) => {
        const name = v.type === 'MemberExpression' ? v.identifier.name : v.name;
        const init = n.init[i];
        if (name === fn && init && init.type === 'FunctionDeclaration') body = init;
      });
      if (n.type === 'AssignmentStatement' || n.type === 'LocalStatement') {
        n.init.forEach(walk);
        return;
      }
    }
    if (n.type === 'TableConstructorExpression') {
      for (const f of n.fields) {
        if (f.type === 'TableKey' && f.key.type === 'StringLiteral' && f.key.raw.slice(1, -1) === fn &&
            f.value.type === 'FunctionDeclaration') body = f.value;
        if (f.type === 'TableKeyString' && f.key.name === fn && f.value.type === 'FunctionDeclaration') body = f.value;
      }
    }
    for (const v of Object.values(n)) if (v && typeof v === 'object') walk(v);
  })(entry.ast);
  if (!body) return { error: `scripts/${module}.lua has no function '${fn}'` };
  return { written: luaGlobals(body).written };
}

// ---------------------------------------------------------------- loading

async function load(file) {
  const xml = fs.readFileSync(file, 'utf8');
  const moddle = new BpmnModdle();
  const model = { file, name: path.basename(file), processes: [], error: null };
  try {
    const { rootElement, warnings } = await moddle.fromXML(xml, 'bpmn:Definitions');
    model.defs = rootElement;
    model.warnings = warnings;
  } catch (e) {
    model.error = e.message;
    return model;
  }
  model.sdm = sdmPrefix(model.defs);
  model.processes = (model.defs.rootElements || []).filter(e => is(e, 'bpmn:Process'));
  model.collaborations = (model.defs.rootElements || []).filter(e => is(e, 'bpmn:Collaboration'));
  return model;
}

// Variables a process sets: Record lines, script-task globals, start-event
// expected variables, handler globals, and (through call activities) what
// called processes set.
function setVariables(model, proc, byProcessId, seen = new Set()) {
  const vars = new Set();
  if (seen.has(proc.id)) return vars;
  seen.add(proc.id);
  for (const el of flowElements(proc)) {
    const doc = docText(el);
    if (is(el, 'bpmn:UserTask')) {
      const rec = recordLine(doc);
      if (rec) namesFromList(rec).forEach(v => vars.add(v));
    }
    if (is(el, 'bpmn:StartEvent')) expectedVars(doc).forEach(v => vars.add(v));
    if (is(el, 'bpmn:ScriptTask') && el.script) {
      try { luaGlobals(parseLua(el.script, false)).written.forEach(v => vars.add(v)); } catch (e) { /* reported elsewhere */ }
    }
    const handler = sdmAttr(model, el, 'handler');
    if (handler && handler.includes('.')) {
      const [mod, fn] = handler.split('.');
      const info = handlerInfo(mod, fn);
      if (info.written) info.written.forEach(v => vars.add(v));
    }
    if (is(el, 'bpmn:CallActivity') && byProcessId.has(el.calledElement)) {
      const { model: m2, proc: p2 } = byProcessId.get(el.calledElement);
      setVariables(m2, p2, byProcessId, seen).forEach(v => vars.add(v));
    }
  }
  return vars;
}

// ---------------------------------------------------------------- checks

function checkStructure(model, allIds) {
  const p = [];
  if (model.processes.length === 0) p.push('no process');
  for (const proc of model.processes) {
    if (!proc.id) p.push('process without id');
    if (proc.isExecutable !== true) p.push(`process '${proc.id}' is not isExecutable="true"`);
    if ((allIds.get(proc.id) || []).length > 1) {
      p.push(`process id '${proc.id}' is also used in ${allIds.get(proc.id).filter(f => f !== model.name).join(', ')}`);
    }
  }
  const participants = model.collaborations.flatMap(c => c.participants || []);
  if (model.collaborations.length !== 1) p.push(`expected one collaboration, found ${model.collaborations.length}`);
  for (const proc of model.processes) {
    const n = participants.filter(x => x.processRef === proc).length;
    if (n !== 1) p.push(`process '${proc.id}' has ${n} participants (expected 1)`);
  }
  for (const part of participants) {
    if (!part.processRef) p.push(`participant '${part.id}' has no processRef`);
  }
  return p;
}

function checkLanes(model) {
  const p = [];
  for (const proc of model.processes) {
    const sets = proc.laneSets || [];
    if (sets.length === 0) { p.push(`process '${proc.id}' has no laneSet`); continue; }
    const lanes = sets.flatMap(s => leafLanes(s));
    const leaves = lanes.filter(l => !(l.childLaneSet && l.childLaneSet.lanes && l.childLaneSet.lanes.length));
    for (const l of lanes) if (!l.name && !sdmAttr(model, l, 'role')) p.push(`lane '${l.id}' has neither name nor sdm:role`);
    const count = new Map();
    for (const l of leaves) for (const ref of l.flowNodeRef || []) count.set(ref, (count.get(ref) || 0) + 1);
    for (const el of proc.flowElements || []) {
      if (!is(el, 'bpmn:FlowNode')) continue;
      const n = count.get(el) || 0;
      if (n !== 1) p.push(`${el.id} is in ${n} lanes (expected 1)`);
    }
  }
  return p;
}

function diagramElements(model) {
  const out = [];
  for (const d of model.defs.diagrams || []) {
    if (d.plane) out.push(...(d.plane.planeElement || []));
  }
  return out;
}

function semanticElements(model) {
  const els = new Set();
  for (const proc of model.processes) {
    els.add(proc);
    for (const el of flowElements(proc)) els.add(el);
    for (const s of proc.laneSets || []) for (const l of leafLanes(s)) els.add(l);
  }
  for (const c of model.collaborations) {
    els.add(c);
    for (const part of c.participants || []) els.add(part);
    for (const mf of c.messageFlows || []) els.add(mf);
  }
  return els;
}

function checkDiagramRefs(model) {
  const p = [];
  const sem = semanticElements(model);
  const di = diagramElements(model);
  if (!(model.defs.diagrams || []).length) p.push('no BPMNDiagram');
  for (const d of model.defs.diagrams || []) {
    if (!d.plane || !d.plane.bpmnElement || !sem.has(d.plane.bpmnElement)) {
      p.push(`BPMNPlane of '${d.id}' does not point at a collaboration or process of this file`);
    }
  }
  for (const e of di) {
    if (!e.bpmnElement) p.push(`${e.$type} '${e.id}' has no resolvable bpmnElement`);
    else if (!sem.has(e.bpmnElement) && !is(e.bpmnElement, 'bpmn:TextAnnotation') &&
             !is(e.bpmnElement, 'bpmn:Association')) {
      p.push(`${e.$type} '${e.id}' points at '${e.bpmnElement.id}', which is not an element of this file`);
    }
  }
  return p;
}

function checkDiagramComplete(model) {
  const p = [];
  const di = diagramElements(model);
  const shapes = new Map();
  const edges = new Map();
  for (const e of di) {
    if (!e.bpmnElement) continue;
    const map = is(e, 'bpmndi:BPMNShape') ? shapes : edges;
    map.set(e.bpmnElement, (map.get(e.bpmnElement) || []).concat([e]));
  }
  const need = (el, map, what) => {
    const n = (map.get(el) || []).length;
    if (n !== 1) p.push(`${el.id} has ${n} ${what} (expected 1)`);
  };
  for (const c of model.collaborations) for (const part of c.participants || []) need(part, shapes, 'BPMNShape');
  for (const proc of model.processes) {
    for (const s of proc.laneSets || []) for (const l of leafLanes(s)) need(l, shapes, 'BPMNShape');
    for (const el of flowElements(proc)) {
      if (is(el, 'bpmn:SequenceFlow')) {
        need(el, edges, 'BPMNEdge');
        for (const edge of edges.get(el) || []) {
          if (!edge.waypoint || edge.waypoint.length < 2) p.push(`BPMNEdge of ${el.id} has fewer than 2 waypoints`);
        }
      } else if (is(el, 'bpmn:FlowNode')) {
        need(el, shapes, 'BPMNShape');
        for (const s of shapes.get(el) || []) {
          if (!s.bounds) p.push(`BPMNShape of ${el.id} has no bounds`);
        }
      }
    }
  }
  return p;
}

function checkSequenceFlows(model) {
  const p = [];
  for (const proc of model.processes) {
    const els = new Set(flowElements(proc));
    for (const f of flowElements(proc).filter(e => is(e, 'bpmn:SequenceFlow'))) {
      if (!f.sourceRef || !els.has(f.sourceRef)) p.push(`${f.id}: source is missing or not in process '${proc.id}'`);
      if (!f.targetRef || !els.has(f.targetRef)) p.push(`${f.id}: target is missing or not in process '${proc.id}'`);
      if (f.sourceRef && !(f.sourceRef.outgoing || []).includes(f)) p.push(`${f.id} is not among ${f.sourceRef.id}'s outgoing`);
      if (f.targetRef && !(f.targetRef.incoming || []).includes(f)) p.push(`${f.id} is not among ${f.targetRef.id}'s incoming`);
    }
    for (const n of flowElements(proc).filter(e => is(e, 'bpmn:FlowNode'))) {
      const inc = (n.incoming || []).length;
      const out = (n.outgoing || []).length;
      if (is(n, 'bpmn:StartEvent') && inc) p.push(`start event ${n.id} has incoming flows`);
      if (is(n, 'bpmn:BoundaryEvent') && inc) p.push(`boundary event ${n.id} has incoming flows`);
      if (!is(n, 'bpmn:StartEvent') && !is(n, 'bpmn:BoundaryEvent') && !inc) p.push(`${n.id} has no incoming flow`);
      if (!is(n, 'bpmn:EndEvent') && !out) p.push(`${n.id} has no outgoing flow`);
      if (is(n, 'bpmn:EndEvent') && out) p.push(`end event ${n.id} has outgoing flows`);
    }
  }
  return p;
}

function checkUserTasks(model) {
  const p = [];
  for (const proc of model.processes) {
    for (const t of flowElements(proc).filter(e => is(e, 'bpmn:UserTask'))) {
      const doc = docText(t);
      if (!doc) { p.push(`user task ${t.id} has no documentation (contact script)`); continue; }
      if (recordLine(doc) === null) p.push(`user task ${t.id}: the documentation's last line is not "Record: ..."`);
      if (!t.name) p.push(`user task ${t.id} has no name`);
    }
  }
  return p;
}

function checkGateways(model) {
  const p = [];
  for (const proc of model.processes) {
    for (const g of flowElements(proc).filter(e => is(e, 'bpmn:Gateway'))) {
      const out = g.outgoing || [];
      if (is(g, 'bpmn:ExclusiveGateway') || is(g, 'bpmn:InclusiveGateway')) {
        if (out.length > 1) {
          if (!g.default) p.push(`${g.id} splits into ${out.length} flows but has no default flow`);
          else if (!out.includes(g.default)) p.push(`${g.id}: default flow ${g.default.id} is not one of its outgoing flows`);
          for (const f of out) {
            if (f === g.default && f.conditionExpression) p.push(`${g.id}: default flow ${f.id} has a condition`);
            if (f !== g.default && !(f.conditionExpression && (f.conditionExpression.body || '').trim())) {
              p.push(`${g.id}: flow ${f.id} has no condition`);
            }
          }
        }
      }
      if (is(g, 'bpmn:ParallelGateway')) {
        for (const f of out) if (f.conditionExpression) p.push(`${g.id}: parallel flow ${f.id} has a condition`);
      }
    }
    for (const f of flowElements(proc).filter(e => is(e, 'bpmn:SequenceFlow'))) {
      if (f.conditionExpression && f.sourceRef && !is(f.sourceRef, 'bpmn:Gateway')) {
        p.push(`${f.id} has a condition but does not leave a gateway`);
      }
    }
  }
  return p;
}

function checkLua(model) {
  const p = [];
  const tryParse = (what, code, expr) => {
    try { parseLua(code, expr); } catch (e) { p.push(`${what}: ${e.message}`); }
  };
  for (const proc of model.processes) {
    for (const el of flowElements(proc)) {
      if (is(el, 'bpmn:SequenceFlow') && el.conditionExpression) {
        const lang = el.conditionExpression.language;
        if (lang && !/lua/i.test(lang)) p.push(`${el.id}: condition language '${lang}' is not Lua`);
        tryParse(`condition of ${el.id}`, el.conditionExpression.body || '', true);
      }
      if (is(el, 'bpmn:ScriptTask')) {
        if (el.scriptFormat && !/^(lua|text\/x-lua|application\/x-lua)$/i.test(el.scriptFormat)) {
          p.push(`${el.id}: scriptFormat '${el.scriptFormat}' is not Lua`);
        }
        if (!el.script || !el.script.trim()) p.push(`${el.id}: script task without script`);
        else tryParse(`script of ${el.id}`, el.script, false);
      }
      if (is(el, 'bpmn:ServiceTask')) {
        const h = sdmAttr(model, el, 'handler');
        if (!h || !/^[A-Za-z_][\w]*\.[A-Za-z_][\w]*$/.test(h)) p.push(`${el.id}: sdm:handler must be module.function, got '${h}'`);
        else {
          const info = handlerInfo(...h.split('.'));
          if (info.error) p.push(`${el.id}: ${info.error}`);
        }
      }
      for (const cp of sdmElements(model, el, 'checkpoint')) {
        const on = (cp.on || '').split(/\s+/).filter(Boolean);
        if (!on.length || on.some(w => !['enter', 'leave', 'due'].includes(w))) {
          p.push(`${el.id}: checkpoint '${cp.id}' on="${cp.on}" is not enter/leave/due`);
        }
        if (on.includes('due') && !is(el, 'bpmn:UserTask')) p.push(`${el.id}: checkpoint '${cp.id}' on due needs a user task`);
        if (on.includes('due') && !['due', 'dueWorking', 'dueExpr'].some(a => sdmAttr(model, el, a))) {
          p.push(`${el.id}: checkpoint '${cp.id}' fires on due but the task has no sdm:due/dueWorking/dueExpr`);
        }
        if (cp.severity && !['low', 'warning', 'high', 'critical'].includes(cp.severity)) {
          p.push(`${el.id}: checkpoint '${cp.id}' severity '${cp.severity}'`);
        }
        const body = (cp.$body || '').trim();
        if (cp.script && body) p.push(`${el.id}: checkpoint '${cp.id}' has both script and inline rule`);
        if (cp.script) {
          const f = path.join(SCRIPTS, cp.script);
          if (!fs.existsSync(f)) p.push(`${el.id}: checkpoint script scripts/${cp.script} does not exist`);
          else tryParse(`scripts/${cp.script}`, fs.readFileSync(f, 'utf8'), false);
        } else if (!body) p.push(`${el.id}: checkpoint '${cp.id}' has neither script nor rule`);
        else tryParse(`checkpoint '${cp.id}' on ${el.id}`, body, false);
      }
      const outcome = sdmAttr(model, el, 'outcome');
      if (outcome !== undefined && !['success', 'failure'].includes(outcome)) p.push(`${el.id}: sdm:outcome '${outcome}'`);
      const assign = sdmAttr(model, el, 'assign');
      if (assign !== undefined && !['owner', 'round-robin', 'least-open'].includes(assign)) p.push(`${el.id}: sdm:assign '${assign}'`);
      for (const a of ['due', 'dueWorking']) {
        const v = sdmAttr(model, el, a);
        if (v !== undefined && !/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/.test(v)) {
          p.push(`${el.id}: sdm:${a} '${v}' is not an ISO 8601 duration`);
        }
      }
    }
  }
  return p;
}

function checkVariables(model, byProcessId) {
  const p = [];
  for (const proc of model.processes) {
    const set = setVariables(model, proc, byProcessId);
    for (const f of flowElements(proc).filter(e => is(e, 'bpmn:SequenceFlow') && e.conditionExpression)) {
      let ast;
      try { ast = parseLua(f.conditionExpression.body || '', true); } catch (e) { continue; }
      for (const v of luaGlobals(ast).read) {
        if (!LUA_BUILTINS.has(v) && !set.has(v)) {
          p.push(`${f.id} reads '${v}', which no task's "Record:" line, script, handler, start event or called process sets`);
        }
      }
    }
  }
  return p;
}

function checkCallActivities(model, byProcessId) {
  const p = [];
  for (const proc of model.processes) {
    for (const c of flowElements(proc).filter(e => is(e, 'bpmn:CallActivity'))) {
      if (!c.calledElement) p.push(`${c.id} has no calledElement`);
      else if (!byProcessId.has(c.calledElement)) p.push(`${c.id} calls '${c.calledElement}', which no file in models/ defines`);
    }
  }
  return p;
}

function inside(a, b, tol = 0) {
  return a.x >= b.x - tol && a.y >= b.y - tol && a.x + a.width <= b.x + b.width + tol &&
    a.y + a.height <= b.y + b.height + tol;
}

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function onBorder(pt, b, tol = 2) {
  const inX = pt.x >= b.x - tol && pt.x <= b.x + b.width + tol;
  const inY = pt.y >= b.y - tol && pt.y <= b.y + b.height + tol;
  return inX && inY;
}

function checkLayout(model) {
  const p = [];
  const di = diagramElements(model);
  const shapeOf = new Map();
  for (const e of di) if (is(e, 'bpmndi:BPMNShape') && e.bpmnElement && e.bounds) shapeOf.set(e.bpmnElement, e.bounds);
  for (const c of model.collaborations) {
    for (const part of c.participants || []) {
      const pb = shapeOf.get(part);
      const proc = part.processRef;
      if (!pb || !proc) continue;
      for (const s of proc.laneSets || []) {
        for (const l of leafLanes(s)) {
          const lb = shapeOf.get(l);
          if (lb && !inside(lb, pb, 1)) p.push(`lane ${l.id} sticks out of participant ${part.id}`);
        }
      }
    }
  }
  for (const proc of model.processes) {
    const nodes = flowElements(proc).filter(e => is(e, 'bpmn:FlowNode'));
    for (const s of proc.laneSets || []) {
      for (const l of leafLanes(s)) {
        const lb = shapeOf.get(l);
        if (!lb) continue;
        for (const n of l.flowNodeRef || []) {
          const nb = shapeOf.get(n);
          if (nb && !is(n, 'bpmn:BoundaryEvent') && !inside(nb, lb, 1)) p.push(`${n.id} is drawn outside its lane ${l.id}`);
        }
      }
    }
    const solid = nodes.filter(n => !is(n, 'bpmn:BoundaryEvent') && shapeOf.has(n));
    for (let i = 0; i < solid.length; i++) {
      for (let j = i + 1; j < solid.length; j++) {
        if (overlaps(shapeOf.get(solid[i]), shapeOf.get(solid[j]))) p.push(`${solid[i].id} and ${solid[j].id} overlap`);
      }
    }
    for (const b of nodes.filter(n => is(n, 'bpmn:BoundaryEvent'))) {
      const bb = shapeOf.get(b);
      const host = b.attachedToRef && shapeOf.get(b.attachedToRef);
      if (bb && host && !overlaps(bb, host)) p.push(`boundary event ${b.id} is not drawn on ${b.attachedToRef.id}`);
    }
    for (const e of di.filter(x => is(x, 'bpmndi:BPMNEdge') && is(x.bpmnElement, 'bpmn:SequenceFlow'))) {
      const f = e.bpmnElement;
      if (!proc.flowElements.includes(f)) continue;
      const wp = e.waypoint || [];
      if (wp.length < 2) continue;
      for (let i = 1; i < wp.length; i++) {
        if (wp[i].x !== wp[i - 1].x && wp[i].y !== wp[i - 1].y) {
          p.push(`${f.id} has a diagonal segment (${wp[i - 1].x},${wp[i - 1].y})-(${wp[i].x},${wp[i].y})`);
          break;
        }
      }
      const sb = f.sourceRef && shapeOf.get(f.sourceRef);
      const tb = f.targetRef && shapeOf.get(f.targetRef);
      if (sb && !onBorder(wp[0], sb)) p.push(`${f.id} does not start at ${f.sourceRef.id}`);
      if (tb && !onBorder(wp[wp.length - 1], tb)) p.push(`${f.id} does not end at ${f.targetRef.id}`);
    }
  }
  return p;
}

// ---------------------------------------------------------------- main

async function main() {
  let files = process.argv.slice(2);
  if (!files.length) {
    const dir = path.join(ROOT, 'models');
    files = fs.existsSync(dir)
      ? fs.readdirSync(dir).filter(f => f.endsWith('.bpmn')).sort().map(f => path.join(dir, f))
      : [];
  }
  if (!files.length) {
    report('models', 'there are models to check', ['no models/*.bpmn found']);
  }
  const models = [];
  for (const f of files) models.push(await load(f));

  const allIds = new Map();
  const byProcessId = new Map();
  for (const m of models) {
    for (const proc of m.processes) {
      allIds.set(proc.id, (allIds.get(proc.id) || []).concat([m.name]));
      byProcessId.set(proc.id, { model: m, proc });
    }
  }

  for (const m of models) {
    if (m.error) {
      report(m.name, 'imports', [m.error]);
      continue;
    }
    report(m.name, 'imports without warnings', m.warnings.map(w => w.message));
    report(m.name, 'executable processes, one participant each', checkStructure(m, allIds));
    report(m.name, 'every flow node in exactly one lane', checkLanes(m));
    report(m.name, 'diagram elements resolve', checkDiagramRefs(m));
    report(m.name, 'one shape per node/lane/participant, one edge per flow', checkDiagramComplete(m));
    report(m.name, 'sequence flows connect existing nodes', checkSequenceFlows(m));
    report(m.name, 'user tasks carry a contact script and Record line', checkUserTasks(m));
    report(m.name, 'gateways have defaults and conditions', checkGateways(m));
    report(m.name, 'Lua and sdm extensions are valid', checkLua(m));
    report(m.name, 'variables read by conditions are set', checkVariables(m, byProcessId));
    report(m.name, 'call activities call existing processes', checkCallActivities(m, byProcessId));
    report(m.name, 'layout is clean', checkLayout(m));
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch(e => {
  console.error(e && e.stack || e);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exitCode = 1;
});
