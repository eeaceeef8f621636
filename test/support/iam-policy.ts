import type { Template } from 'aws-cdk-lib/assertions';

/** One IAM authorization request, as AWS evaluates it for an API call. */
export interface IamRequest {
  /** `service:Action`, e.g. `dynamodb:GetItem`. */
  readonly action: string;
  /** The resource ARN, with CloudFormation references flattened as in the template (`<Id.Arn>`). */
  readonly resource: string;
  /** Condition keys the request carries, e.g. `dynamodb:LeadingKeys`, `iam:PassedToService`. */
  readonly context: Readonly<Record<string, readonly string[]>>;
}

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A CloudFormation value as a string: `<Logical.Arn>`, `<Ref>`, joins flattened. */
export function flatten(node: unknown): string {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (Array.isArray(o['Fn::GetAtt'])) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    if (o.Ref !== undefined) return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
}

/** IAM's wildcard match: `*` any run of characters, `?` one; case-sensitive unless told. */
function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

/** Every statement of the policies attached to a role: AWS::IAM::Policy resources and inline ones. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const out: Statement[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles = (policy.Properties.Roles ?? []) as unknown[];
    if (roles.some((r) => flatten(r) === `<${roleLogicalId}>`))
      out.push(...(policy.Properties.PolicyDocument.Statement as Statement[]));
  }
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId];
  for (const inline of (role?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[])
    out.push(...inline.PolicyDocument.Statement);
  return out;
}

/**
 * One condition block against the request's context. Supported operators: StringEquals,
 * StringLike, and their ForAllValues: / ForAnyValue: forms. Anything else fails closed.
 */
function conditionHolds(operator: string, key: string, expected: string[], context: IamRequest['context']) {
  const values = context[key];
  const [qualifier, base] = operator.includes(':') ? operator.split(':') : ['', operator];
  const match =
    base === 'StringEquals'
      ? (v: string) => expected.includes(v)
      : base === 'StringLike'
        ? (v: string) => expected.some((p) => globMatch(p, v))
        : undefined;
  if (!match) return false;
  if (qualifier === 'ForAllValues') return (values ?? []).every(match); // AWS: true for no values
  if (qualifier === 'ForAnyValue') return (values ?? []).some(match);
  if (qualifier !== '') return false;
  return values !== undefined && values.length === 1 && match(values[0]!);
}

function statementMatches(s: Statement, request: IamRequest): boolean {
  if (s.NotAction !== undefined || s.NotResource !== undefined) return false; // not used here: fail closed
  if (!list(s.Action).some((a) => globMatch(a, request.action, true))) return false;
  if (!list(s.Resource).some((r) => globMatch(flatten(r), request.resource))) return false;
  for (const [operator, block] of Object.entries(s.Condition ?? {})) {
    for (const [key, expected] of Object.entries(block)) {
      if (!conditionHolds(operator, key, list(expected), request.context)) return false;
    }
  }
  return true;
}

/**
 * Whether a role's identity policies allow a request, evaluated offline: some Allow
 * statement matches (action, resource, every condition) and no Deny does.
 *
 * @example
 * ```ts
 * isAllowed(statementsOfRole(template, 'ProducerRole'), { action: 'sqs:SendMessage', resource: '<Q.Arn>', context: {} });
 * ```
 */
export function isAllowed(statements: readonly Statement[], request: IamRequest): boolean {
  if (statements.some((s) => s.Effect === 'Deny' && statementMatches(s, request))) return false;
  return statements.some((s) => s.Effect === 'Allow' && statementMatches(s, request));
}
