/**
 * Test helpers for apps built on Celeriac: record factories for unit tests of a worker handler,
 * and a local stack with workers for integration tests.
 *
 * @example
 * ```ts
 * import { lambdaContext, sqsEvent, sqsRecord, startTestStack } from 'celeriac/testing';
 * ```
 * @packageDocumentation
 */
export { lambdaContext, type SqsRecordOverrides, sqsEvent, sqsRecord } from './records.js';
export { startTestStack, type TestStack, type TestStackOptions } from './test-stack.js';
