import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestMatch, MalformedAccept } from './accept.ts';

const LISTING = ['text/plain', 'application/json', 'application/xml', 'text/xml'];

// each answer is what Swift 2.30's listing negotiation gave for the same header
test('bestMatch picks as swob does: quality first, exact before wildcard, then the server order', () => {
  for (const [accept, expected] of [
    [undefined, 'text/plain'], ['', 'text/plain'], ['*/*', 'text/plain'], ['application/*', 'application/json'],
    ['application/json;q=0.5, text/xml', 'text/xml'], ['text/*;q=0.1, application/xml;q=0.2', 'application/xml'],
    ['*/*;q=0', 'text/plain'], ['text/plain;q=0, application/json;q=0', 'text/plain'],
    ['application/json;charset="utf-8"', 'application/json'], ['image/png', undefined], ['Application/JSON', undefined],
  ] as const) {
    assert.equal(bestMatch(accept, LISTING), expected, String(accept));
  }
});

test('a malformed Accept header throws', () => {
  for (const accept of ['0', 'text', 'application/json; q=x', 'application/json;q=0.5;q=0.6', 'application/json, ']) {
    assert.throws(() => bestMatch(accept, LISTING), MalformedAccept, accept);
  }
});
