import { describe, expect, it } from 'vitest';
import { decodeEnvelope, type Envelope, encodeEnvelope } from '../../runtime/envelope.js';
import { toJson } from '../../runtime/json.js';

const env: Envelope = {
  v: 1,
  id: 'a-1',
  task: 'add',
  args: { x: 1 },
  queue: 'default',
  enqueuedAt: 1,
  root: 'a-1',
};

describe('toJson', () => {
  it('accepts plain JSON and drops undefined properties as JSON does', () => {
    expect(toJson({ a: [1, 'b', null, true], b: undefined }, 'args')).toBe('{"a":[1,"b",null,true]}');
  });
  it.each([
    [{ d: new Date(0) }, 'args.d is a Date'],
    [{ m: new Map() }, 'args.m is a Map'],
    [{ f: () => 1 }, 'args.f is a function'],
    [{ n: Number.NaN }, 'args.n is not a finite number'],
    [{ b: 10n }, 'args.b is a bigint'],
    [[1, undefined], 'args[1] is undefined'],
  ])('rejects %o: %s', (value, message) => {
    expect(() => toJson(value, 'args')).toThrow(message);
  });
  it('rejects cycles', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => toJson(a, 'args')).toThrow(/cycle/);
  });
});

describe('envelope', () => {
  it('round-trips', () => {
    const decoded = decodeEnvelope(encodeEnvelope(env));
    expect(decoded).toEqual({ ok: true, envelope: env });
  });
  it('refuses an envelope over the size limit before sending', () => {
    expect(() => encodeEnvelope({ ...env, args: 'x'.repeat(2_000) }, 1_000)).toThrow(
      /bytes; allowed: at most 1000 bytes/,
    );
  });
  it('reports garbage, wrong version and missing fields, keeping the id when readable', () => {
    expect(decodeEnvelope('{oops')).toMatchObject({ ok: false, code: 'MALFORMED_MESSAGE' });
    expect(decodeEnvelope(JSON.stringify({ ...env, v: 2 }))).toMatchObject({
      ok: false,
      code: 'UNSUPPORTED_VERSION',
      id: 'a-1',
    });
    expect(decodeEnvelope(JSON.stringify({ ...env, task: undefined }))).toMatchObject({
      ok: false,
      code: 'MALFORMED_MESSAGE',
      id: 'a-1',
    });
    expect(decodeEnvelope('null')).toMatchObject({ ok: false });
  });
  it('does not let a __proto__ key pollute anything', () => {
    const body = `{"v":1,"id":"p-1","task":"add","args":{"__proto__":{"polluted":true}},"queue":"default","enqueuedAt":1,"root":"p-1","__proto__":{"x":1}}`;
    const decoded = decodeEnvelope(body);
    expect(decoded.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
