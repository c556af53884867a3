// node --conditions=development bench/fsync.ts [DIR]: what an fsync per audio chunk costs on this disk — the
// price of JetStream's `sync_interval: always` (docs/operations.md, "Power loss"), measured where nats-server 2.10+
// is not at hand. 19,200-byte chunks (100 ms of 48 kHz stereo s16le) appended for 3 s without and with an
// fdatasync after each, twice; the second figure over the first is the ratio. DIR: on the disk NATS's store uses
// (default: bench/out).
import { closeSync, fdatasyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? join('bench', 'out');
mkdirSync(dir, { recursive: true });
const file = join(dir, 'fsync-probe.bin');
const chunk = Buffer.alloc(19_200, 7);

function chunksPerSecond(sync: boolean, ms: number): number {
  const fd = openSync(file, 'w');
  const t0 = performance.now();
  let n = 0;
  try {
    while (performance.now() - t0 < ms) {
      writeSync(fd, chunk);
      if (sync) fdatasyncSync(fd);
      n++;
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return n / ((performance.now() - t0) / 1000);
}

for (let run = 1; run <= 2; run++) {
  const plain = chunksPerSecond(false, 3000);
  const synced = chunksPerSecond(true, 3000);
  console.log(
    `run ${run}: write ${plain.toFixed(0)} chunks/s; write + fdatasync ${synced.toFixed(0)} chunks/s (${(1000 / synced).toFixed(2)} ms each) = ${(synced / plain).toFixed(3)} of the plain rate, ~${(synced / 10).toFixed(0)} real-time 48 kHz stereo sources with sync_interval: always`,
  );
}
