import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'

export interface TemplateOptions {
  description: string
  /** Tables whose items carry the TTL attribute (the frontier's), and that attribute. */
  ttlTables: string[]
  ttlAttribute: string
  /** The prefix stripped from table names to name the template's resources. */
  tablePrefix: string
}

/**
 * A CloudFormation template creating exactly the given tables: one `AWS::DynamoDB::Table` per
 * CreateTable input (keys, attribute definitions, GSIs, billing), TTL on the frontier table(s), and
 * `Retain` on delete and replacement, since the tables hold crawl data. Outputs each table's name
 * and ARN.
 */
export function cloudFormationTemplate(definitions: CreateTableCommandInput[], options: TemplateOptions) {
  const resources: Record<string, unknown> = {}
  const outputs: Record<string, unknown> = {}
  for (const definition of definitions) {
    const name = definition.TableName!
    const id = uniqueId(logicalId(name, options.tablePrefix, definitions.length), resources)
    resources[id] = {
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: tableProperties(definition, options),
    }
    outputs[`${id}Name`] = { Description: `Name of ${name}`, Value: { Ref: id } }
    outputs[`${id}Arn`] = { Description: `ARN of ${name}`, Value: { 'Fn::GetAtt': [id, 'Arn'] } }
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: options.description,
    Resources: resources,
    Outputs: outputs,
  }
}

function tableProperties(definition: CreateTableCommandInput, options: TemplateOptions) {
  const properties: Record<string, unknown> = {
    TableName: definition.TableName,
    BillingMode: definition.BillingMode ?? 'PAY_PER_REQUEST',
    KeySchema: definition.KeySchema?.map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType })),
    AttributeDefinitions: definition.AttributeDefinitions?.map((a) => ({
      AttributeName: a.AttributeName,
      AttributeType: a.AttributeType,
    })),
  }
  if (definition.ProvisionedThroughput)
    properties.ProvisionedThroughput = throughput(definition.ProvisionedThroughput)
  if (definition.GlobalSecondaryIndexes?.length) {
    properties.GlobalSecondaryIndexes = definition.GlobalSecondaryIndexes.map((index) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema?.map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType })),
      Projection: {
        ProjectionType: index.Projection?.ProjectionType ?? 'ALL',
        ...(index.Projection?.NonKeyAttributes?.length
          ? { NonKeyAttributes: index.Projection.NonKeyAttributes }
          : {}),
      },
      ...(index.ProvisionedThroughput
        ? { ProvisionedThroughput: throughput(index.ProvisionedThroughput) }
        : {}),
    }))
  }
  if (options.ttlTables.includes(definition.TableName!)) {
    properties.TimeToLiveSpecification = { AttributeName: options.ttlAttribute, Enabled: true }
  }
  return properties
}

function throughput(value: { ReadCapacityUnits?: number; WriteCapacityUnits?: number }) {
  return { ReadCapacityUnits: value.ReadCapacityUnits, WriteCapacityUnits: value.WriteCapacityUnits }
}

/** `ragcrawl_frontier` → `FrontierTable`; the single table is `DataTable` whatever its name. */
function logicalId(tableName: string, prefix: string, tables: number): string {
  if (tables === 1) return 'DataTable'
  const bare = prefix && tableName.startsWith(prefix) ? tableName.slice(prefix.length) : tableName
  const pascal = bare
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('')
  return `${/^[A-Za-z]/.test(pascal) ? pascal : `T${pascal}`}Table`
}

function uniqueId(id: string, taken: Record<string, unknown>): string {
  let candidate = id
  for (let n = 2; candidate in taken; n++) candidate = `${id}${n}`
  return candidate
}
