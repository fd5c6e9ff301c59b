#!/usr/bin/env node
/**
 * Compares the consensus hot path of two compiled builds on a machine whose load moves
 * wall-clock figures by 2x between runs (`npm run bench` rows do).
 *
 *   node scripts/open-loop-ab.js <buildA> <buildB> [rounds=4] [simulatedMs=6000]
 *
 * A build is a folder holding the compiled project (`npm run build` writes dist/; compile a
 * copy of another commit the same way). Each round runs one fresh process per build, in
 * alternating order. A process runs bench/consensus.ts's open loop (5 nodes, one write per
 * simulated ms, 50 clients, seed 11; 2 simulated s untimed, then `simulatedMs` timed), then
 * bare network deliveries, both timed in wall time (as the bench) and in CPU time (user +
 * system). Reported per build: µs per committed write, and the bench's ratio row (per write
 * / its deliveries on the bare network of the same process), which cancels most of the load.
 * Compare medians. CPU time also charges the JIT's and the collector's background threads,
 * which the bench's wall time does not see on an idle machine: a change that moves work
 * there (fewer short-lived closures, say) shows in CPU time first.
 *
 * Measured on this machine: two builds of the same commit differ by up to 10% in a median
 * of 4 rounds; an effect smaller than that needs more rounds.
 *
 * Not in one process: two simulations in one heap make each collection scan both, so a
 * build that allocates more pays for the other's live objects too (an allocation saving
 * measured 0.89x that way and 1.0x in separate processes).
 */
const { execFileSync } = require('node:child_process');
const path = require('node:path');

function child(build, simulatedMs) {
  const { startStore } = require(path.join(build, 'bench', 'consensus.js'));
  const { Simulation } = require(path.join(build, 'src', 'sim', 'index.js'));
  const { performance } = require('node:perf_hooks');
  /** [wall ms, CPU ms] of `work`. */
  const timed = (work) => {
    const start = process.cpuUsage();
    const wallStart = performance.now();
    work();
    const wallMs = performance.now() - wallStart;
    const used = process.cpuUsage(start);
    return [wallMs, (used.user + used.system) / 1000];
  };
  const { sim, cluster } = startStore(11, 5);
  const clients = Array.from({ length: 50 }, (_, index) => cluster.database.client(`load-${index}`));
  let issued = 0;
  let committed = 0;
  const count = (operation) => {
    if (operation.outcome === 'ok') committed++;
  };
  const issue = () => {
    clients[issued % clients.length].put(`key-${issued % 64}`, String(issued), count);
    issued++;
    sim.scheduler.schedule(1, issue);
  };
  issue();
  sim.runFor(2000);
  committed = 0;
  const deliveredBefore = sim.network.totals().delivered;
  const open = timed(() => sim.runFor(simulatedMs));
  const deliveries = sim.network.totals().delivered - deliveredBefore;
  // The bare network, as bench/sim.ts's benchNetwork: best of three.
  const wanted = 300_000;
  const network = [Infinity, Infinity];
  for (let run = 0; run < 3; run++) {
    let delivered = 0;
    const ms = timed(() => {
      const bare = new Simulation({ seed: 1 });
      const ids = Array.from({ length: 10 }, (_, i) => `node-${i + 1}`);
      for (const id of ids) {
        bare.addNode(id, (env) => ({
          onMessage: () => {
            if (++delivered < wanted) env.network.send(ids[delivered % ids.length], { type: 'bench.hop' });
          },
        }));
      }
      for (let i = 0; i < 100; i++) bare.network.send('node-1', ids[i % ids.length], { type: 'bench.hop' });
      bare.runUntil(() => delivered >= wanted, { withinMs: 1e12, waitingFor: 'all deliveries' });
    });
    network[0] = Math.min(network[0], ms[0]);
    network[1] = Math.min(network[1], ms[1]);
  }
  const measure = (which) => {
    const usPerWrite = (open[which] * 1000) / committed;
    const usPerDelivery = (network[which] * 1000) / wanted;
    return { usPerWrite, ratio: usPerWrite / ((deliveries / committed) * usPerDelivery) };
  };
  return { wall: measure(0), cpu: measure(1) };
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(child(process.argv[3], Number(process.argv[4]))));
} else {
  const [buildA, buildB] = process.argv.slice(2, 4).map((folder) => path.resolve(folder ?? ''));
  const rounds = Number(process.argv[4] ?? 4);
  const simulatedMs = Number(process.argv[5] ?? 6000);
  if (!process.argv[3] || !(rounds >= 1) || !(simulatedMs > 0)) {
    console.error('usage: node scripts/open-loop-ab.js <buildA> <buildB> [rounds >= 1] [simulatedMs > 0]');
    process.exit(2);
  }
  const results = new Map([[buildA, []], [buildB, []]]);
  for (let round = 0; round < rounds; round++) {
    for (const build of round % 2 === 0 ? [buildA, buildB] : [buildB, buildA]) {
      const output = execFileSync(process.execPath, [__filename, '--child', build, String(simulatedMs)], { encoding: 'utf8' });
      results.get(build).push(JSON.parse(output));
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  for (const clock of ['wall', 'cpu']) {
    const summary = (build) => ({
      usPerWrite: median(results.get(build).map((r) => r[clock].usPerWrite)),
      ratio: median(results.get(build).map((r) => r[clock].ratio)),
    });
    for (const build of [buildA, buildB]) {
      const runs = results.get(build).map((r) => r[clock]);
      console.log(`${clock} ${build}: µs per write ${runs.map((r) => r.usPerWrite.toFixed(1)).join(' ')}; ratio ${runs.map((r) => r.ratio.toFixed(2)).join(' ')}`);
    }
    const [a, b] = [summary(buildA), summary(buildB)];
    console.log(`${clock} B/A (medians): ${(b.usPerWrite / a.usPerWrite).toFixed(3)} per write, ${(b.ratio / a.ratio).toFixed(3)} ratio`);
  }
}
