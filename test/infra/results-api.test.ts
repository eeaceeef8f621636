import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ResultsApi, type ResultsApiProps } from '../../infra/cdk/results-api/index.js';
import { app, buildStack, prebuiltCode } from './fixtures.js';
import { expectCleanNagReport, expectResource, lid } from './helpers.js';

/** The app's stack with a ResultsApi over its table and queues (stand-in code unless `bundle`). */
function withApi(props: Partial<ResultsApiProps> = {}, bundle = false) {
  const stack = buildStack({ resultsApi: { enabled: false } });
  const rt = stack.runtime;
  const api = new ResultsApi(stack, 'ResultsApi', {
    table: rt.results.table,
    queues: [...rt.queues].map(([name, q]) => ({ name, queue: q.queue, dlq: q.deadLetterQueue })),
    configJson: rt.clientConfigJson,
    ...(bundle ? { entry: app.apiEntry! } : { code: prebuiltCode() }),
    ...props,
  });
  return { stack, api, template: () => Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every statement of the API role's policies. */
function apiStatements(template: Template): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes('ResultsApiRole'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('ResultsApi', () => {
  it('is an arm64 Node.js function behind a Function URL with AWS_IAM auth', () => {
    const { stack, api, template } = withApi();
    const t = template();
    expectResource(t, 'AWS::Lambda::Function', lid(stack, api.function), {
      Properties: {
        Description: Match.stringLikeRegexp('results API'),
        Architectures: ['arm64'],
        Runtime: 'nodejs24.x',
        Timeout: 30,
        Role: { 'Fn::GetAtt': [lid(stack, api.role), 'Arn'] },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: lid(stack, api.logGroup) } },
        Environment: { Variables: { CELERIAC_CONFIG: Match.anyValue() } },
      },
    });
    t.resourceCountIs('AWS::Lambda::Url', 1);
    expectResource(t, 'AWS::Lambda::Url', lid(stack, api.functionUrl), {
      Properties: {
        AuthType: 'AWS_IAM',
        TargetFunctionArn: { 'Fn::GetAtt': [lid(stack, api.function), 'Arn'] },
      },
    });
    expect(JSON.stringify(t.findResources('AWS::Lambda::Url'))).not.toContain('"NONE"');
  });

  it('grants least privilege: named indexes, item reads and revoke writes, split queue and DLQ actions, no wildcard', () => {
    const statements = apiStatements(withApi().template());
    const all = statements.flatMap(actionsOf);
    expect(all.every((a) => !a.includes('*'))).toBe(true);
    expect(JSON.stringify(statements.map((s) => s.Resource))).not.toMatch(/"\*"|index\/\*/);
    expect(all).not.toContain('dynamodb:Scan');
    expect(all).not.toContain('dynamodb:DeleteItem');
    const query = statements.find((s) => actionsOf(s).includes('dynamodb:Query'))!;
    const queried = JSON.stringify(query.Resource);
    for (const name of ['byTask', 'byState', 'byRoot']) expect(queried).toContain(`/index/${name}`);
    const items = statements.find((s) => actionsOf(s).includes('dynamodb:UpdateItem'))!;
    expect(actionsOf(items).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    const send = statements.find((s) => actionsOf(s).includes('sqs:SendMessage'))!;
    expect(actionsOf(send)).not.toContain('sqs:ReceiveMessage');
    expect((send.Resource as unknown[]).length).toBe(3);
    const receive = statements.find((s) => actionsOf(s).includes('sqs:ReceiveMessage'))!;
    expect(actionsOf(receive)).not.toContain('sqs:SendMessage');
    expect(JSON.stringify(receive.Resource)).toMatch(/Dlq|DeadLetter/i);
    expect((receive.Resource as unknown[]).length).toBe(3);
  });

  it('has no managed policies and writes only to its own log group', () => {
    const t = withApi().template();
    const roles = t.findResources('AWS::IAM::Role', {
      Properties: { Description: 'Celeriac results API and dashboard' },
    });
    expect(Object.values(roles)).toHaveLength(1);
    expect(Object.values(roles)[0]!.Properties.ManagedPolicyArns).toBeUndefined();
    const logs = apiStatements(t).find((s) => actionsOf(s).includes('logs:PutLogEvents'))!;
    expect(JSON.stringify(logs.Resource)).toContain('ResultsApiLogs');
  });

  it('grantInvokeUrl lets a principal call the URL, and nothing else', () => {
    const { stack, api, template } = withApi();
    const ops = new iam.Role(stack, 'Operators', { assumedBy: new iam.AccountRootPrincipal() });
    api.grantInvokeUrl(ops);
    const policies = Object.values(template().findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('Operators'),
    );
    const actions = policies.flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Statement[]).flatMap(actionsOf),
    );
    expect(actions).toContain('lambda:InvokeFunctionUrl');
    expect(actions.every((a) => a.startsWith('lambda:Invoke'))).toBe(true);
  });

  it('fails synth without queues', () => {
    const stack = buildStack();
    expect(
      () =>
        new ResultsApi(stack, 'Bad', {
          table: stack.runtime.results.table,
          queues: [],
          configJson: '{}',
          code: prebuiltCode(),
        }),
    ).toThrow(/at least one plan queue/);
  });

  it.each([
    ['defaults', {}],
    ['tracing on', { tracing: lambda.Tracing.ACTIVE }],
  ])('passes cdk-nag AwsSolutions and Serverless with only its acknowledged findings (%s)', (_, props) => {
    const { stack } = withApi(props);
    const app = stack.node.root as App;
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    const assembly = app.synth(); // throws on any unacknowledged finding
    expectCleanNagReport(assembly);
  });

  it('refuses a results API with neither an entry nor prebuilt code, naming the prop', () => {
    const stack = buildStack({ resultsApi: { enabled: false } });
    const rt = stack.runtime;
    expect(
      () =>
        new ResultsApi(stack, 'NoEntry', {
          table: rt.results.table,
          queues: [...rt.queues].map(([name, q]) => ({ name, queue: q.queue, dlq: q.deadLetterQueue })),
          configJson: rt.clientConfigJson,
        }),
    ).toThrow(/entry = undefined: set the results API entry module of your app/);
  });

  it("bundles the app's api entry (createApiHandler from celeriac/api) with esbuild (ESM, everything inlined) and ships the dashboard beside it", async () => {
    const { stack } = withApi({}, true);
    const assembly = (stack.node.root as App).synth();
    const assets = readdirSync(assembly.directory).filter((d) => d.startsWith('asset.'));
    const api = assets.find((d) => existsSync(path.join(assembly.directory, d, 'dashboard')));
    expect(api, `an asset with the dashboard among ${assets.join(', ')}`).toBeDefined();
    const dir = path.join(assembly.directory, api!);
    const files = readdirSync(dir);
    expect(files).toContain('index.mjs');
    expect(files).not.toContain('node_modules');
    expect(readdirSync(path.join(dir, 'dashboard'))).toEqual(
      expect.arrayContaining(['index.html', 'app.js', 'style.css']),
    );
    const kb = Math.round(statSync(path.join(dir, 'index.mjs')).size / 1024);
    console.log(`results API bundle: ${kb} KiB`);
    expect(kb).toBeLessThan(2_048);
    // The bundle runs as Lambda runs it: a Function URL event in, the dashboard and the plan out.
    const { handler } = (await import(path.join(dir, 'index.mjs'))) as {
      handler: (
        event: unknown,
        context: unknown,
      ) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
    };
    const event = (rawPath: string) => ({
      version: '2.0',
      rawPath,
      rawQueryString: '',
      headers: { host: 'abc.lambda-url.eu-west-1.on.aws' },
      requestContext: {
        http: { method: 'GET', path: rawPath, sourceIp: '127.0.0.1' },
        domainName: 'abc.lambda-url.eu-west-1.on.aws',
      },
      isBase64Encoded: false,
    });
    const page = await handler(event('/'), {});
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Celeriac</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const plan = await handler(event('/api/plan'), {});
    expect(plan.statusCode).toBe(200);
    expect(JSON.parse(plan.body).queues.map((q: { name: string }) => q.name)).toEqual([
      'high',
      'default',
      'low',
    ]);
  });
});
