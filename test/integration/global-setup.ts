import type { TestProject } from 'vitest/node';
import { startDynamo, startSqs } from '../../infra/local/servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sqsEndpoint: string;
    dynamodbEndpoint: string;
  }
}

/** Start one fauxqs and one DynamoDB Local for the whole integration run. */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const sqs = await startSqs();
  const dynamo = await startDynamo();
  project.provide('sqsEndpoint', sqs.endpoint);
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  return async () => {
    await sqs.stop();
    await dynamo.stop();
  };
}
