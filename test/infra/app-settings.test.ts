import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { settingsFromContext, standaloneAppProps } from '../../infra/cdk/app-settings.js';

const settings = (context: Record<string, unknown>) => settingsFromContext(new App({ context }).node);

describe('app settings from context', () => {
  it('defaults: stack Celeriac, plan names, retain, no email', () => {
    expect(settings({})).toEqual({
      stackName: 'Celeriac',
      prefix: undefined,
      alarmEmail: undefined,
      removalPolicy: RemovalPolicy.RETAIN,
      usePlanNames: true,
      oldestMessageAgeThreshold: undefined,
    });
  });

  it('reads -c alarmEmail, removalPolicy, prefix, usePlanNames, oldestMessageAgeMinutes, stackName', () => {
    expect(
      settings({
        alarmEmail: 'ops@example.com',
        removalPolicy: 'destroy',
        prefix: 'shop',
        usePlanNames: 'false',
        oldestMessageAgeMinutes: '5',
        stackName: 'ShopTasks',
      }),
    ).toEqual({
      stackName: 'ShopTasks',
      prefix: 'shop',
      alarmEmail: 'ops@example.com',
      removalPolicy: RemovalPolicy.DESTROY,
      usePlanNames: false,
      oldestMessageAgeThreshold: Duration.minutes(5),
    });
  });

  it('bad context values fail, naming key, value and what is allowed', () => {
    expect(() => settings({ removalPolicy: 'snapshot' })).toThrow(
      'removalPolicy = "snapshot": "retain" or "destroy"',
    );
    expect(() => settings({ prefix: 'Shop!' })).toThrow('prefix = "Shop!": lower-case letters');
    expect(() => settings({ alarmEmail: 'ops' })).toThrow('alarmEmail = "ops": an email address');
    expect(() => settings({ usePlanNames: 'yes' })).toThrow('usePlanNames = "yes": "true" or "false"');
    expect(() => settings({ oldestMessageAgeMinutes: '0' })).toThrow('oldestMessageAgeMinutes = "0"');
  });

  it('run without the CLI, the app reads cdk.json context and -c pairs like the CLI does', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'celeriac-app-'));
    writeFileSync(
      path.join(dir, 'cdk.json'),
      JSON.stringify({ app: 'x', context: { flag: true, prefix: 'a' } }),
    );
    expect(standaloneAppProps(['-c', 'prefix=shop', '--context', 'alarmEmail=a@b.co'], dir)).toEqual({
      outdir: path.join(dir, 'cdk.out'),
      context: { flag: true, prefix: 'shop', alarmEmail: 'a@b.co' },
    });
    expect(() => standaloneAppProps(['-c', 'oops'], dir)).toThrow('-c "oops": expected key=value');
  });
});
