import { describe, expect, it } from 'vitest';
import {
  autoBucket,
  checkBodyDepth,
  parseDuration,
  parseListQuery,
  parseMoment,
} from '../../infra/api/params.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('parseMoment', () => {
  it('reads epoch ms, ISO dates and durations ago', () => {
    expect(parseMoment('1795441220458', 'since', NOW)).toBe(1795441220458);
    expect(parseMoment('2026-11-23T11:00:00Z', 'since', NOW)).toBe(NOW - 3_600_000);
    expect(parseMoment('15m', 'since', NOW)).toBe(NOW - 900_000);
    expect(parseMoment('7d', 'since', NOW)).toBe(NOW - 7 * 86_400_000);
  });

  it('refuses anything else, naming the parameter and the accepted forms', () => {
    expect(() => parseMoment('yesterday', 'since', NOW)).toThrow(
      /since: got "yesterday"; allowed: epoch ms, an ISO date/,
    );
  });
});

describe('parseListQuery', () => {
  it('normalises the state and keeps only known filters', () => {
    expect(
      parseListQuery({ state: 'failure', task: 't', tag: 'a:b', limit: '20', since: '1h' }, NOW),
    ).toEqual({
      state: 'FAILURE',
      task: 't',
      tag: 'a:b',
      limit: 20,
      since: NOW - 3_600_000,
    });
  });

  it('explains PENDING and bad limits', () => {
    expect(() => parseListQuery({ state: 'pending' }, NOW)).toThrow(/PENDING tasks have no stored item yet/);
    expect(() => parseListQuery({ limit: '0' }, NOW)).toThrow(/limit: got "0"; allowed: 1 to 200/);
    expect(() => parseListQuery({ state: 'DONE' }, NOW)).toThrow(
      /allowed: STARTED, RETRY, SUCCESS, FAILURE, REVOKED/,
    );
  });
});

describe('buckets and durations', () => {
  it('picks readable buckets of about 60 per window', () => {
    expect(autoBucket(15 * 60_000)).toBe(30_000);
    expect(autoBucket(3_600_000)).toBe(60_000);
    expect(autoBucket(86_400_000)).toBe(1_800_000);
  });

  it('parses durations and refuses units it does not know', () => {
    expect(parseDuration('90s', 'bucket')).toBe(90_000);
    expect(parseDuration('250', 'bucket')).toBe(250);
    expect(() => parseDuration('5 weeks', 'bucket')).toThrow(/bucket: got "5 weeks"/);
  });
});

describe('checkBodyDepth', () => {
  const nest = (n: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < n; i++) v = i % 2 ? [v] : { a: v };
    return v;
  };
  it('accepts 100 levels and refuses 101 with a 400', () => {
    expect(() => checkBodyDepth(nest(100))).not.toThrow();
    expect(() => checkBodyDepth(nest(101))).toThrow(expect.objectContaining({ status: 400 }));
  });
  it('measures 200,000 levels without overflowing the stack', () => {
    expect(() => checkBodyDepth(nest(200_000))).toThrow(/nested more than 100 levels/);
  });
});
