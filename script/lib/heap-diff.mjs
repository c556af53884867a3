// node script/lib/heap-diff.mjs EARLY.heapsnapshot LATE.heapsnapshot [--top=25] [--retainers=NAME]
// Compares two V8 heap snapshots (node --heapsnapshot-signal, bench/soak.ts ISR_SOAK_HEAPSNAPSHOTS) by what
// the objects are: self sizes and counts summed per constructor name (objects, closures, native and "system"
// nodes such as ArrayBuffer backing stores by their name; every kind of string as one "(string)" row), and
// prints the rows that grew most, then the totals. A steady service shows small deltas everywhere; a leak
// shows one or two rows whose count grows with the run time. --retainers=NAME (a row's name, e.g.
// "system / JSArrayBufferData") then groups the late snapshot's nodes of that name by their retainer chain (the
// first retainer of each, --depth=4 steps up: the owning structure), with the self size they hold.
import { readFileSync } from 'node:fs';

function summarise(path) {
  const snap = JSON.parse(readFileSync(path, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const n = fields.length;
  const rows = new Map();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += n) {
    const type = types[snap.nodes[i + iType]];
    const size = snap.nodes[i + iSize];
    const name = snap.strings[snap.nodes[i + iName]];
    const key = /string/.test(type)
      ? '(string)'
      : type === 'object' || type === 'native'
        ? name
        : `(${type}) ${String(name).slice(0, 60)}`;
    const r = rows.get(key) ?? { size: 0, count: 0 };
    r.size += size;
    r.count++;
    rows.set(key, r);
    total += size;
  }
  return { rows, total, nodes: snap.nodes.length / n };
}

const [a, b] = process.argv.slice(2).filter((x) => !x.startsWith('--'));
if (!a || !b) {
  console.error('usage: node script/lib/heap-diff.mjs EARLY.heapsnapshot LATE.heapsnapshot [--top=25]');
  process.exit(2);
}
const top = Number(process.argv.find((x) => x.startsWith('--top='))?.split('=')[1] ?? 25);
const early = summarise(a);
const late = summarise(b);
const keys = new Set([...early.rows.keys(), ...late.rows.keys()]);
const diff = [...keys]
  .map((k) => {
    const e = early.rows.get(k) ?? { size: 0, count: 0 };
    const l = late.rows.get(k) ?? { size: 0, count: 0 };
    return { k, e, l, dSize: l.size - e.size, dCount: l.count - e.count };
  })
  .sort((x, y) => y.dSize - x.dSize);
const kb = (x) => (x / 1024).toFixed(1).padStart(10);
console.log(
  `${'Δ KiB'.padStart(10)} ${'Δ count'.padStart(9)} ${'late KiB'.padStart(10)} ${'late count'.padStart(10)}  constructor`,
);
for (const d of diff.slice(0, top))
  console.log(
    `${kb(d.dSize)} ${String(d.dCount).padStart(9)} ${kb(d.l.size)} ${String(d.l.count).padStart(10)}  ${d.k}`,
  );
console.log(
  `total self size: ${(early.total / 1048576).toFixed(1)} → ${(late.total / 1048576).toFixed(1)} MiB; nodes ${early.nodes} → ${late.nodes}`,
);

const retainersOf = process.argv.find((x) => x.startsWith('--retainers='))?.slice('--retainers='.length);
const depth = Number(process.argv.find((x) => x.startsWith('--depth='))?.split('=')[1] ?? 4);
if (retainersOf) {
  const snap = JSON.parse(readFileSync(b, 'utf8'));
  const f = snap.snapshot.meta.node_fields;
  const n = f.length;
  const ef = snap.snapshot.meta.edge_fields;
  const en = ef.length;
  const eTypes = snap.snapshot.meta.edge_types[0];
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize, iEdges] = ['type', 'name', 'self_size', 'edge_count'].map((x) => f.indexOf(x));
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((x) => ef.indexOf(x));
  // first retainer of every node (weak edges skipped), by node index
  const count = snap.nodes.length / n;
  const retainer = new Int32Array(count).fill(-1);
  const via = new Array(count);
  for (let node = 0, e = 0; node < count; node++) {
    for (let k = 0; k < snap.nodes[node * n + iEdges]; k++, e += en) {
      const to = snap.edges[e + eTo] / n;
      const et = eTypes[snap.edges[e + eType]];
      if (et === 'weak' || retainer[to] !== -1) continue;
      retainer[to] = node;
      via[to] =
        et === 'element' || et === 'hidden'
          ? `[${snap.edges[e + eName]}]`
          : String(snap.strings[snap.edges[e + eName]]);
    }
  }
  const label = (i) =>
    `${types[snap.nodes[i * n + iType]]}:${String(snap.strings[snap.nodes[i * n + iName]]).slice(0, 40)}`;
  const groups = new Map();
  for (let i = 0; i < count; i++) {
    if (snap.strings[snap.nodes[i * n + iName]] !== retainersOf) continue;
    const chain = [];
    for (let j = i, d = 0; d < depth && retainer[j] !== -1; d++, j = retainer[j])
      chain.push(`${String(via[j]).replace(/^\[\d+\]$/, '[i]')} ← ${label(retainer[j])}`);
    const key = chain.join('  ');
    const g = groups.get(key) ?? { size: 0, count: 0 };
    g.size += snap.nodes[i * n + iSize];
    g.count++;
    groups.set(key, g);
  }
  console.log(`\n${retainersOf} in ${b}, by retainer chain:`);
  for (const [k, g] of [...groups].sort((x, y) => y[1].size - x[1].size).slice(0, top))
    console.log(`${kb(g.size)} KiB ${String(g.count).padStart(6)}  ${k}`);
}
