import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The checkout's root: the nearest folder above this file with a package.json. Tests use it
 * instead of paths relative to `__dirname`, because they run both from test/ (through
 * ts-node) and compiled from dist/test/ (`npm test`), where `__dirname` is one level deeper.
 */
export const REPOSITORY_ROOT = findRoot(__dirname);

/** The shared conformance histories next to the checkout (may be absent: tests then skip). */
export const CONFORMANCE_DIRECTORY = path.resolve(REPOSITORY_ROOT, '..', 'shared', 'conformance', 'linearizability');

function findRoot(start: string): string {
  for (let directory = start; ; directory = path.dirname(directory)) {
    if (fs.existsSync(path.join(directory, 'package.json'))) return directory;
    if (path.dirname(directory) === directory) throw new Error(`no package.json above ${start}`);
  }
}
