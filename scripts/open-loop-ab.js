#!/usr/bin/env node
/**
 * Compares the consensus hot path of two compiled builds in ONE process, for a machine
 * whose load moves wall-clock figures by 2x between runs (`npm run bench` rows do).
 *
 *   node scripts/open-loop-ab.js <buildA> <buildB> [slices=40] [sliceMs=500]
 *
 * A build is a folder holding the compiled project (`npm run build` writes dist/; compile a
 * copy of another commit the same way). Each build runs bench/consensus.ts's open loop
 * (5 nodes, one write per simulated ms, 50 clients, seed 11) in its own simulation; the two
 * are advanced in alternating slices of simulated time, so they share the machine's load,
 * and each slice's CPU time (user + system) is charged to its build. Reported: CPU µs per
 * committed write for each, and B/A (total and median slice). Two copies of the same build
 * give about 1.00 in total (the median moves by up to 10%).
 */
const path = require('node:path');

const [buildA, buildB] = process.argv.slice(2, 4).map((folder) => path.resolve(folder ?? ''));
const slices = Number(process.argv[4] ?? 40);
const sliceMs = Number(process.argv[5] ?? 500);
if (!process.argv[3] || !(slices > 2) || !(sliceMs > 0)) {
  console.error('usage: node scripts/open-loop-ab.js <buildA> <buildB> [slices > 2] [sliceMs > 0]');
  process.exit(2);
}

function openLoop(build) {
  const { startStore } = require(path.join(build, 'bench', 'consensus.js'));
  const { sim, cluster } = startStore(11, 5);
  const clients = Array.from({ length: 50 }, (_, index) => cluster.database.client(`load-${index}`));
  const run = { name: build, sim, committed: 0, cpuUs: 0, writes: 0, slices: [] };
  let issued = 0;
  const count = (operation) => {
    if (operation.outcome === 'ok') run.committed++;
  };
  const issue = () => {
    clients[issued % clients.length].put(`key-${issued % 64}`, String(issued), count);
    issued++;
    sim.scheduler.schedule(1, issue);
  };
  issue();
  sim.runFor(2000); // past the election and the first JIT work
  return run;
}

const runs = [openLoop(buildA), openLoop(buildB)];
for (let slice = 0; slice < slices; slice++) {
  for (const run of slice % 2 === 0 ? runs : [...runs].reverse()) {
    const committedBefore = run.committed;
    const start = process.cpuUsage();
    run.sim.runFor(sliceMs);
    const used = process.cpuUsage(start);
    if (slice < 2) continue; // warm-up slices
    const cpuUs = used.user + used.system;
    run.cpuUs += cpuUs;
    run.writes += run.committed - committedBefore;
    run.slices.push(cpuUs / (run.committed - committedBefore));
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
for (const run of runs) {
  console.log(`${run.name}: ${(run.cpuUs / run.writes).toFixed(2)} CPU µs per write (median slice ${median(run.slices).toFixed(2)}), ${run.writes} writes`);
}
const [a, b] = runs;
console.log(`B/A: ${((b.cpuUs / b.writes) / (a.cpuUs / a.writes)).toFixed(3)} total, ${(median(b.slices) / median(a.slices)).toFixed(3)} median slice`);
