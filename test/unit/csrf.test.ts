import { describe, expect, it } from 'vitest';
import { crossSiteRefusal, isJsonContentType } from '../../infra/api/csrf.js';

const request = (method: string, headers: Record<string, string>, tokenHeader = false) => ({
  method,
  host: '127.0.0.1:8787',
  header: (name: string) => headers[name],
  tokenHeader,
});

describe('isJsonContentType', () => {
  it('accepts application/json with parameters, refuses lookalikes', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('Application/JSON; charset=utf-8')).toBe(true);
    expect(isJsonContentType('text/plain; charset=application/json')).toBe(false);
    expect(isJsonContentType('application/json-patch+json')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });
});

describe('crossSiteRefusal', () => {
  const json = { 'content-type': 'application/json' };
  it('never refuses GET, HEAD or OPTIONS', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS'])
      expect(crossSiteRefusal(request(method, { 'sec-fetch-site': 'cross-site' }))).toBeUndefined();
  });
  it('refuses a change from another site or port (Sec-Fetch-Site), even as JSON', () => {
    for (const site of ['same-site', 'cross-site'])
      expect(crossSiteRefusal(request('POST', { ...json, 'sec-fetch-site': site }))).toMatch(/cross-site/);
    expect(crossSiteRefusal(request('POST', { ...json, 'sec-fetch-site': 'same-origin' }))).toBeUndefined();
  });
  it('without Sec-Fetch-Site, judges Origin against the own address', () => {
    expect(crossSiteRefusal(request('POST', { ...json, origin: 'http://127.0.0.1:5173' }))).toMatch(/Origin/);
    expect(crossSiteRefusal(request('POST', { ...json, origin: 'null' }))).toMatch(/Origin/);
    expect(crossSiteRefusal(request('POST', { ...json, origin: 'http://127.0.0.1:8787' }))).toBeUndefined();
  });
  it('needs a JSON body unless the token is in a header', () => {
    expect(crossSiteRefusal(request('POST', { 'content-type': 'text/plain' }))).toMatch(/JSON/);
    expect(crossSiteRefusal(request('POST', {}))).toMatch(/JSON/);
    expect(crossSiteRefusal(request('POST', {}, true))).toBeUndefined();
  });
});
