/** What a bulk save takes: an array, or any (async) iterable read as it goes. */
export type BulkSource<T> = Iterable<T> | AsyncIterable<T>

/**
 * Runs `worker` on consecutive groups of up to `size` items of `source`, at most `lanes` groups at
 * once, reading the source only as lanes free up: at most `lanes` × `size` items are held, whatever
 * the source's length. The groups are read one after another, in order; `index` is the position of
 * a group's first item. When reading the source throws (a ValidationError of an item, say), no
 * further group is started, the groups already started finish, and then the error is thrown; no
 * further group is read either once `stop()` says so. `worker` must not throw: it settles its own
 * errors.
 */
export async function forEachGroup<T>(
  source: BulkSource<T>,
  size: number,
  lanes: number,
  worker: (group: T[], index: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  const iterator =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]()
  let done = false
  let failure: { error: unknown } | undefined
  let read = 0
  let reading: Promise<unknown> = Promise.resolve()
  const nextGroup = (): Promise<{ group: T[]; index: number } | undefined> => {
    const turn = reading.then(async () => {
      if (done || failure || stop()) return undefined
      const group: T[] = []
      const index = read
      try {
        while (group.length < size) {
          const step = await iterator.next()
          if (step.done) {
            done = true
            break
          }
          group.push(step.value)
          read++
        }
      } catch (error) {
        failure = { error }
        return undefined
      }
      return group.length > 0 ? { group, index } : undefined
    })
    reading = turn
    return turn
  }
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let next = await nextGroup(); next; next = await nextGroup()) await worker(next.group, next.index)
    }),
  )
  if (failure) {
    throw failure.error
  }
}
