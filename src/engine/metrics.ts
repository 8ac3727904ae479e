/** Requests and capacity units sent through one backend, per DynamoDB operation. */
export interface OperationMetrics {
  requests: number
  readCapacityUnits: number
  writeCapacityUnits: number
}

export interface RequestMetrics extends OperationMetrics {
  byOperation: Record<string, OperationMetrics>
}

export interface ConsumedCapacityLike {
  CapacityUnits?: number
  ReadCapacityUnits?: number
  WriteCapacityUnits?: number
}

const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems'])

export class MetricsRecorder {
  private totals: RequestMetrics = emptyMetrics()

  record(operation: string, consumed: ConsumedCapacityLike[]): void {
    let read = 0
    let write = 0
    for (const c of consumed) {
      if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
        read += c.ReadCapacityUnits ?? 0
        write += c.WriteCapacityUnits ?? 0
      } else if (READ_OPERATIONS.has(operation)) {
        read += c.CapacityUnits ?? 0
      } else {
        write += c.CapacityUnits ?? 0
      }
    }
    const op = this.totals.byOperation[operation] ?? {
      requests: 0,
      readCapacityUnits: 0,
      writeCapacityUnits: 0,
    }
    op.requests += 1
    op.readCapacityUnits += read
    op.writeCapacityUnits += write
    this.totals.byOperation[operation] = op
    this.totals.requests += 1
    this.totals.readCapacityUnits += read
    this.totals.writeCapacityUnits += write
  }

  snapshot(): RequestMetrics {
    return structuredClone(this.totals)
  }

  reset(): void {
    this.totals = emptyMetrics()
  }
}

function emptyMetrics(): RequestMetrics {
  return { requests: 0, readCapacityUnits: 0, writeCapacityUnits: 0, byOperation: {} }
}

/** What changed between two snapshots. */
export function diffMetrics(after: RequestMetrics, before: RequestMetrics): RequestMetrics {
  const byOperation: Record<string, OperationMetrics> = {}
  for (const [name, op] of Object.entries(after.byOperation)) {
    const prev = before.byOperation[name] ?? { requests: 0, readCapacityUnits: 0, writeCapacityUnits: 0 }
    if (op.requests === prev.requests) continue
    byOperation[name] = {
      requests: op.requests - prev.requests,
      readCapacityUnits: op.readCapacityUnits - prev.readCapacityUnits,
      writeCapacityUnits: op.writeCapacityUnits - prev.writeCapacityUnits,
    }
  }
  return {
    requests: after.requests - before.requests,
    readCapacityUnits: after.readCapacityUnits - before.readCapacityUnits,
    writeCapacityUnits: after.writeCapacityUnits - before.writeCapacityUnits,
    byOperation,
  }
}

/** `1 Query + 5 UpdateItem`: the operations of a metrics record, in name order. */
export function formatOperations(metrics: RequestMetrics): string {
  return Object.entries(metrics.byOperation)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([operation, m]) => `${m.requests} ${operation}`)
    .join(' + ')
}
