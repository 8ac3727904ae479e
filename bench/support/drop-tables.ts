import { DeleteTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { loopbackClient } from './counting-client.js'

/**
 * Deletes every table whose name starts with `prefix`: a section's tables once it is measured, so
 * an in-process engine does not carry hundreds of thousands of items into the next section.
 */
export async function dropTables(endpoint: string, prefix: string): Promise<void> {
  const client = loopbackClient(endpoint)
  try {
    let start: string | undefined
    do {
      const { TableNames = [], LastEvaluatedTableName } = await client.send(
        new ListTablesCommand({ ExclusiveStartTableName: start }),
      )
      for (const name of TableNames.filter((table) => table.startsWith(prefix))) {
        await client.send(new DeleteTableCommand({ TableName: name }))
      }
      start = LastEvaluatedTableName
    } while (start)
  } finally {
    client.destroy()
  }
}
