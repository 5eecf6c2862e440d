import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rangesFor } from './ranges.ts';

test('Range headers as swob reads them', () => {
  assert.deepEqual(rangesFor('bytes=0-9', 100), [[0, 10]]);
  assert.deepEqual(rangesFor('bytes=90-', 100), [[90, 100]]);
  assert.deepEqual(rangesFor('bytes=-10', 100), [[90, 100]]);
  assert.deepEqual(rangesFor('bytes=-1000', 100), [[0, 100]]);
  assert.deepEqual(rangesFor('bytes=95-200', 100), [[95, 100]]);
  assert.deepEqual(rangesFor('bytes=0-1,5-6', 100), [[0, 2], [5, 7]]);
  // syntactically bad: ignored (the whole object is served)
  for (const h of ['bytes=5-3', 'bytes=-', 'bytes=45', 'bytes=a-b', 'items=0-1', '']) assert.equal(rangesFor(h, 100), undefined, h);
  // unsatisfiable: 416
  assert.deepEqual(rangesFor('bytes=100-', 100), []);
  assert.deepEqual(rangesFor('bytes=-0', 100), []);
  // too many overlapping ranges
  assert.deepEqual(rangesFor('bytes=0-50,1-51,2-52,3-53', 100), []);
});
