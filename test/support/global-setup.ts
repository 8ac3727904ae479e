import type { TestProject } from 'vitest/node'
import { javaAvailable, startDynamoDBLocal } from './dynamodb-local.js'

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbLocalEndpoint: string | null
  }
}

/** Starts one DynamoDB Local for the whole run; without java it is skipped, except in CI. */
export default async function setup(project: TestProject) {
  if (!javaAvailable()) {
    if (process.env.CI) throw new Error('java is required in CI: the DynamoDB Local tier must not be skipped')
    console.warn('java not found: the DynamoDB Local tier is skipped')
    project.provide('dynamodbLocalEndpoint', null)
    return
  }
  const local = await startDynamoDBLocal()
  project.provide('dynamodbLocalEndpoint', local.endpoint)
  return () => local.stop()
}
