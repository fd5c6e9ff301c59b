'use strict';
// Preloaded (node --require) into a benchmarked child process: reports its peak resident
// memory and CPU time on stderr as it exits, so a benchmark can measure a whole command-line call.
// Linux's VmHWM is the peak of this program image alone; getrusage's maxRSS would also count
// the parent's memory at fork time (it survives exec), which is why it comes second.
const fs = require('node:fs');

function peakKb() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => {
  const cpu = process.cpuUsage();
  fs.writeSync(2, `\nmax-rss-kb ${peakKb()} cpu-ms ${Math.round((cpu.user + cpu.system) / 1000)}\n`);
});
