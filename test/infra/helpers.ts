import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CfnElement, type Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { expect } from 'vitest';

/** A CloudFormation value as a readable string: `<Logical.Arn>`, `<Ref>`, joins flattened. */
export function flat(node: unknown): string {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flat).join(delimiter);
    }
    if (Array.isArray(o['Fn::GetAtt'])) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    if (o.Ref !== undefined) return `<${flat(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

/** The logical id of a construct's CloudFormation resource (its default child or itself). */
export function lid(stack: Stack, construct: IConstruct): string {
  const element = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
  if (!element || !CfnElement.isCfnElement(element))
    throw new Error(`${construct.node.path} has no CFN element`);
  return stack.resolve(stack.getLogicalId(element)) as string;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Every `Allow` of the policies attached to a role, as `action resource` lines. */
export function permissionsOf(template: Template, roleLogicalId: string): Set<string> {
  const out = new Set<string>();
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles = (policy.Properties.Roles ?? []) as unknown[];
    if (!roles.some((r) => flat(r) === `<${roleLogicalId}>`)) continue;
    for (const s of policy.Properties.PolicyDocument.Statement as Statement[]) {
      if (s.Effect !== 'Allow') continue;
      for (const action of list(s.Action))
        for (const resource of list(s.Resource)) out.add(`${action} ${flat(resource)}`);
    }
  }
  return out;
}

/** Every statement of every IAM policy in the template. */
export function allStatements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );
}

/** The CELERIAC_CONFIG-like JSON with intrinsics flattened to `<...>` placeholders. */
export function parseFlatJson(value: unknown): unknown {
  return JSON.parse(flat(value));
}

/**
 * Assert that the resource with this logical id — not just any resource of its type — matches
 * `pattern`, with `Template.hasResource` semantics (`{ Properties, DeletionPolicy, … }`, nested
 * objects matched partially, arrays exactly, `Match.*` allowed).
 */
export function expectResource(
  template: Template,
  type: string,
  logicalId: string,
  pattern: Record<string, unknown>,
): void {
  const all = template.findResources(type);
  const resource = all[logicalId];
  if (!resource) {
    throw new Error(`no ${type} ${logicalId}; the template has ${Object.keys(all).join(', ') || 'none'}`);
  }
  const result = Match.objectLike(pattern).test(resource);
  result.finished();
  if (result.hasFailed()) throw new Error(`${type} ${logicalId} does not match:\n${result.renderMismatch()}`);
}

/**
 * Assert that a synth with the cdk-nag packs wrote its validation report, that both packs ran on
 * it, and that they concluded with no violation.
 */
export function expectCleanNagReport(assembly: CloudAssembly): void {
  const report = JSON.parse(
    readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as {
    pluginReports: { pluginName: string; conclusion: string; violations?: unknown[] }[];
  };
  expect(report.pluginReports.map((p) => p.pluginName).sort()).toEqual(['AwsSolutions', 'Serverless']);
  for (const plugin of report.pluginReports) {
    expect(plugin.violations ?? [], plugin.pluginName).toEqual([]);
    expect(plugin.conclusion, plugin.pluginName).toBe('success');
  }
}
