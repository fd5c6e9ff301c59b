import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The shared conformance histories (read-only, outside the repository): the nearest
 * `shared/conformance/linearizability` folder above the checkout, so the benchmarks find it
 * from the main checkout and from a git worktree alike. Undefined when there is none.
 */
export function conformanceDirectory(): string | undefined {
  for (let directory = path.resolve(__dirname, '..'); ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, 'shared', 'conformance', 'linearizability');
    if (fs.existsSync(path.join(candidate, 'verdicts.json'))) return candidate;
    if (path.dirname(directory) === directory) return undefined;
  }
}
