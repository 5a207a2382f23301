// bench/bpmn_engine.mjs — bpmn-engine (npm, in memory, no durability) on
// the same BPMN file as sdm's bench10: K instances, each an Engine, every
// user task signalled once; only the signalling is timed. Prints one TSV line
// per figure (key, value, unit, what it is) like bench/tput.c's --tsv.
//   node bench/bpmn_engine.mjs MODULE_DIR FILE.bpmn K [WAITING]
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

const [moduleDir, file, kArg, waitArg] = process.argv.slice(2);
const { Engine } = createRequire(moduleDir + '/')('bpmn-engine');
const source = readFileSync(file, 'utf8');
const k = Number(kArg);
const waiting = [];
const listener = new EventEmitter();
listener.on('wait', (api) => waiting.push(api));

async function startAll(n) {
  const engines = [];
  for (let i = 0; i < n; i++) {
    const engine = new Engine({ name: `c-${i}`, source });
    await engine.execute({ listener });
    engines.push(engine);
  }
  return engines;
}

const tick = () => new Promise((r) => setImmediate(r));
const line = (key, value, unit, what) => console.log([key, value.toFixed(3), unit, what].join('\t'));

if (waitArg) {
  // memory with WAITING instances at their first user task
  const n = Number(waitArg);
  const engines = await startAll(n);
  await tick();
  global.gc?.();
  const mb = process.memoryUsage().rss / 1048576;
  line('bpmn_engine.rss', mb, 'MB', `bpmn-engine: RSS of node with ${n} instances waiting at a user task (${engines.length} engines)`);
} else {
  const engines = await startAll(k);
  await tick();
  let done = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  while (waiting.length) {          // a round: every waiting task once, then the engines move on
    for (const api of waiting.splice(0)) { api.signal(); done++; }
    await tick();
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const ended = engines.filter((e) => e.state === 'idle').length;
  line('bpmn_engine', done / s, 'tasks/s',
    `bpmn-engine ${JSON.parse(readFileSync(moduleDir + '/node_modules/bpmn-engine/package.json')).version} on node ${process.version}, in memory (nothing stored): ${done} completions of ${k} instances (${ended} ended); ${((c.user + c.system) / done).toFixed(1)} us CPU per completion`);
}
