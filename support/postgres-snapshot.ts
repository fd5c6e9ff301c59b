import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';

/**
 * PostgreSQL (PGlite) started from a copy of its freshly initialised data directory, kept
 * between runs in the temporary folder. A new PGlite runs initdb first, which is most of
 * its start-up (about 3-4x the CPU of loading the copy, measured side by side); each
 * cucumber worker starts one. The copy is taken right after initdb, before any schema
 * exists, so a database loaded from it is the one initdb would have made.
 *
 * Only where PHANTOMDB_POSTGRES_SNAPSHOT=1: `npm test` (scripts/test.js) sets it for the
 * unit tests and the acceptance suite, and makes the copy while the type check runs. A
 * database loaded from the copy keeps a timer running that holds the process open (the
 * unit-test process once seemed to hang after its last test): a run stops it when done,
 * with `closeSharedPostgres` (support/sql-oracle.ts).
 */
export async function startPostgres(): Promise<PGlite> {
  const file = snapshotFile();
  if (process.env.PHANTOMDB_POSTGRES_SNAPSHOT !== '1') return freshPostgres();
  if (fs.existsSync(file)) {
    try {
      // Unpacked here, synchronously, rather than by PGlite through a DecompressionStream.
      const db = new PGlite({ loadDataDir: new Blob([zlib.gunzipSync(fs.readFileSync(file))], { type: 'application/x-tar' }) });
      await db.query('SELECT 1');
      return db;
    } catch {
      // A damaged copy (say, a disk filled up mid-write): initialise afresh and replace it.
    }
  }
  const db = await freshPostgres();
  await saveSnapshot(db, file);
  return db;
}

async function freshPostgres(): Promise<PGlite> {
  const db = new PGlite();
  await db.query('SELECT 1');
  return db;
}

/** Makes the copy if there is none yet (run ahead of the tests, so they all find it). */
export async function ensurePostgresSnapshot(): Promise<void> {
  if (fs.existsSync(snapshotFile())) return;
  const db = await freshPostgres();
  await saveSnapshot(db, snapshotFile());
  await db.close();
}

/** One copy per PGlite version: another version may lay out its data directory differently. */
function snapshotFile(): string {
  const entry = require.resolve('@electric-sql/pglite');
  const manifest = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`)), 'package.json');
  const version = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
  return path.join(os.tmpdir(), `phantomdb-pglite-${version}-initdb.tar.gz`);
}

/** Written under a temporary name and renamed, so a reader never sees half a copy. */
async function saveSnapshot(db: PGlite, file: string): Promise<void> {
  try {
    const dump = await db.dumpDataDir('none');
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, zlib.gzipSync(Buffer.from(await dump.arrayBuffer())));
    fs.renameSync(partial, file);
  } catch (error) {
    // Only a speed-up: the tests go on with the database just initialised.
    process.stderr.write(`could not keep PostgreSQL's initial data directory in ${file}: ${(error as Error).message}\n`);
  }
}
