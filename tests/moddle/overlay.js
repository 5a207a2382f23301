// Imports an exported model as bpmn.io and Camunda Modeler do (bpmn-moddle)
// and checks the runtime colours: usage: node overlay.js FILE NODE=COLOUR...
// Prints "N passed, N failed".
const fs = require('fs');
const BpmnModdle = require('bpmn-moddle');
const [file, ...want] = process.argv.slice(2);
let pass = 0, fail = 0;
const check = (ok, what) => { if (ok) pass++; else { fail++; console.log('FAIL ' + what); } };
(async () => {
  const xml = fs.readFileSync(file, 'utf8');
  const { rootElement, warnings } = await new BpmnModdle().fromXML(xml);
  check(warnings.length === 0, 'imports without warnings: ' + warnings.map(w => w.message).join('; '));
  const shapes = {};
  for (const d of rootElement.diagrams) for (const e of d.plane.planeElement)
    if (e.$type === 'bpmndi:BPMNShape')   // bpmn-moddle knows bioc: and color: as properties
      shapes[e.bpmnElement.id] = { fill: e.fill || e.$attrs['bioc:fill'],
                                   bg: e['background-color'] || e.$attrs['color:background-color'] };
  for (const w of want) {
    const [node, fill] = w.split('=');
    const attrs = shapes[node] || {};
    check(attrs.fill === fill, `${node} bioc:fill ${attrs.fill} == ${fill}`);
    check(attrs.bg === fill, `${node} color:background-color ${attrs.bg} == ${fill}`);
  }
  console.log(`${pass} passed, ${fail} failed`);
  process.exit(fail ? 1 : 0);
})().catch(e => { console.log('FAIL ' + e.message); console.log(`${pass} passed, ${fail + 1} failed`); process.exit(1); });
