import * as path from 'node:path';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPOSITORY_ROOT } from '../repository';

/**
 * The converter CI uses for Porcupine's test data (scripts/porcupine-histories.js): lines
 * taken from test_data/jepsen/etcd_000.log and test_data/kv/c01-ok.txt of
 * github.com/anishathalye/porcupine must become the events of our JSON Lines format
 * (../shared/conformance/linearizability/README.md), as in the converted copies.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { convertJepsenLine, convertEdnLine } = require(path.join(REPOSITORY_ROOT, 'scripts', 'porcupine-histories.js')) as {
  convertJepsenLine: (line: string) => unknown;
  convertEdnLine: (line: string) => unknown;
};

describe('Converting Porcupine test data', () => {
  it('Jepsen etcd log lines: reads, writes, cas pairs, failures and time-outs', () => {
    assert.deepEqual(convertJepsenLine('INFO  jepsen.util - 0\t:invoke\t:read\tnil'), { process: 0, type: 'invoke', f: 'read', value: null });
    assert.deepEqual(convertJepsenLine('INFO  jepsen.util - 2\t:invoke\t:write\t4'), { process: 2, type: 'invoke', f: 'write', value: 4 });
    assert.deepEqual(convertJepsenLine('INFO  jepsen.util - 2\t:ok\t:cas\t[3 0]'), { process: 2, type: 'ok', f: 'cas', value: [3, 0] });
    assert.deepEqual(convertJepsenLine('INFO  jepsen.util - 1\t:fail\t:cas\t[0 3]'), { process: 1, type: 'fail', f: 'cas', value: [0, 3] });
    assert.deepEqual(convertJepsenLine('INFO  jepsen.util - 4\t:info\t:write\t:timed-out'), { process: 4, type: 'info', f: 'write' });
    assert.equal(convertJepsenLine('INFO  jepsen.core - Worker 3 starting'), undefined);
  });

  it('EDN kv lines: keys, appended strings, empty reads; nil values are left out', () => {
    assert.deepEqual(convertEdnLine('{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}'), { process: 0, type: 'invoke', f: 'append', key: '0', value: 'x 0 0 y' });
    assert.deepEqual(convertEdnLine('{:process 0, :type :invoke, :f :get, :key "5", :value nil}'), { process: 0, type: 'invoke', f: 'get', key: '5' });
    assert.deepEqual(convertEdnLine('{:process 0, :type :ok, :f :get, :key "5", :value ""}'), { process: 0, type: 'ok', f: 'get', key: '5', value: '' });
    assert.throws(() => convertEdnLine('{:type :ok}'), /not a history event/);
  });
});
