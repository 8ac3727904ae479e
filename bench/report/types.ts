import type { LayoutName } from '../layouts.js'
import type { BenchSizes, EngineName, SectionName } from '../options.js'
import type { LatencySummary } from '../support/stats.js'
import type { OverheadKey } from './overhead-baseline.js'

/** The shape of bench/results.json. Bump `schemaVersion` on any incompatible change. */
export interface BenchResults {
  schemaVersion: 1
  /** False while a run is under way (the file is rewritten after every section) or when it was cut short. */
  complete: boolean
  quick: boolean
  /** ISO time the run started; every section also carries the time it was measured. */
  generatedAt: string
  node: string
  platform: string
  cpus: string
  /** Commit of the library measured (`git rev-parse HEAD`), and whether the work tree had changes. */
  commit: string
  dirty: boolean
  sizes: BenchSizes
  sections: SectionName[]
  engines: EngineStatus[]
  patterns: PatternsResult[]
  reference: ReferenceResult[]
  overhead: OverheadResult[]
  growth: GrowthResult[]
  crawl: CrawlResult[]
  /** Absent in files written before the section existed. */
  distributed?: DistributedResult[]
  /** The change-feed section; absent in files written before it existed. */
  feed?: FeedResult[]
  memory: MemoryRow[]
  /** The cold-start section (no engine); absent in files written before it existed. */
  coldStart?: ColdStartResult
  /** Peak RSS of migrations (to be measured by the migration work; see bench/memory/scenarios.ts). */
  migrationMemory: MemoryRow[]
  skipped: SkippedLayout[]
  errors: BenchError[]
  /** Sections re-measured by a later run and merged in (bench/merge.ts). */
  amendments?: Amendment[]
}

export interface Amendment {
  sections: SectionName[]
  engines: EngineName[]
  commit: string
  dirty: boolean
  generatedAt: string
}

export interface EngineStatus {
  name: EngineName
  label: string
  measured: boolean
  /** Why not measured, when not. */
  reason?: string
  /** Sections run on this engine. */
  sections: SectionName[]
}

/** Where a group of figures comes from: the engine, layout and time they were measured. */
export interface Measured {
  engine: EngineName
  engineLabel: string
  layout: LayoutName
  measuredAt: string
}

/** Records in a data set, as a figure's caption states them. */
export interface DataSize {
  sites: number
  runs: number
  pages: number
  versions: number
  frontierItems: number
}

export interface Cost {
  requests: number
  /** DynamoDB operations, e.g. `5 UpdateItem + 1 Query`. */
  operations: string
  rcu: number
  wcu: number
  /** Items the engine read (ScannedCount, GetItem hits) and returned (Count) for the call. */
  itemsRead: number
  itemsReturned: number
}

export interface PatternRow extends Cost {
  row: number
  name: string
  keyOrIndex: string
  /** What the untimed first call returned, e.g. `100 pages`. */
  result: string
  latency: LatencySummary
}

export interface OneShotCost extends Cost {
  result: string
  ms: number
}

export interface PatternsResult extends Measured {
  data: DataSize
  rows: PatternRow[]
  /** deleteSite of one seeded site, run once at the end (destructive). */
  deleteSite: (OneShotCost & { siteId: string }) | null
}

export interface ReferenceRow extends Cost {
  /** The library pattern it does the work of (`PatternRow.name`). */
  name: string
  /** How the Python reference serves it, e.g. `full-table Scan, filter site_id and url`. */
  callPattern: string
  result: string
  latency: LatencySummary
}

export interface ReferenceResult {
  engine: EngineName
  engineLabel: string
  measuredAt: string
  data: DataSize
  /** The reference's tables as created for the bench (its code's shape: one hash key per table). */
  tables: string[]
  rows: ReferenceRow[]
  deleteSite: (OneShotCost & { siteId: string; callPattern: string }) | null
}

export interface OverheadRow {
  operation: string
  /** The row's id (results of runs before it have none), and what its CPU goal is for. */
  key?: OverheadKey
  kind?: 'point' | 'page' | 'bulk'

  /** Logical operations timed per round on each side (pages, for the bulk save). */
  opsPerRound: number
  rounds: number
  libraryOpsPerSec: number
  rawOpsPerSec: number
  /** Median over rounds of library/raw throughput, each round pairing adjacent library and raw runs. */
  ratio: number
  libraryMsPerOp: number
  rawMsPerOp: number
  /**
   * CPU time of the bench process per operation (median over rounds). On DynamoDB Local this is the
   * client side alone (SDK, and the library on its side); on dynalite it includes the engine.
   */
  libraryCpuMsPerOp: number
  rawCpuMsPerOp: number
  libraryRequestsPerOp: number
  rawRequestsPerOp: number
  /** Counted against the throughput goal (false for informative rows that do other work than the library). */
  goal: boolean
  note?: string
}

export interface EquivalenceCheck {
  name: string
  ok: boolean
  detail?: string
}

export interface OverheadResult extends Measured {
  rows: OverheadRow[]
  /** Checks that the raw side writes what the library writes and reads what it reads. */
  equivalence: EquivalenceCheck[]
}

export interface GrowthRow extends Cost {
  sitePages: number
  frontierItems: number
  operation: string
  /** Page size asked, for listings. */
  limit: number | null
  latency: LatencySummary
}

export interface GrowthResult extends Measured {
  sizes: number[]
  rows: GrowthRow[]
  /** How the sites were seeded (savePagesBulk and enqueueFrontierItems in a child process). */
  seeding: SeedingRow[]
}

export interface SeedingRow {
  what: string
  items: number
  seconds: number
  itemsPerSec: number
  requests: number
}

export type CrawlOutcome = 'new' | 'changed' | 'unchanged'

export interface OutcomeCost {
  pages: number
  requestsPerPage: number
  rcuPerPage: number
  wcuPerPage: number
  /** Version items written per page (PutItem requests): 0 for unchanged pages. */
  versionWritesPerPage: number
}

export interface CrawlRow {
  workers: number
  /** Frontier shards of the simulation's backends (`frontierShards`); 1 = one queue partition. */
  frontierShards?: number
  urls: number
  seconds: number
  pagesPerSec: number
  requestsPerPage: number
  rcuPerPage: number
  wcuPerPage: number
  /** Claim requests that came back empty-handed (lost races) or found the queue empty. */
  emptyClaims: number
  /** Mean requests per page of the first and the last 100 pages done: a per-page cost that grows with the run shows here. */
  requestsPerPageFirst: number
  requestsPerPageLast: number
  /** Why the simulation stopped before the queue was empty (time budget, cost growth), or null. */
  stopped: string | null
  outcomes: Record<CrawlOutcome, OutcomeCost>
}

export interface CrawlResult extends Measured {
  /** Share of URLs by outcome the simulated fetch produces. */
  mix: Record<CrawlOutcome, number>
  claimLimit: number
  rows: CrawlRow[]
  /**
   * After every simulation: versions of a sample of pages, read with listVersions. Unchanged pages
   * were seeded without versions, so any version there is a write that should not have happened.
   */
  versionCheck: {
    unchangedChecked: number
    unchangedWithVersions: number
    changedChecked: number
    changedWithWrongCount: number
  }
}

export interface MemoryRow {
  engine: EngineName
  layout: LayoutName
  measuredAt: string
  scenario: string
  description: string
  items: number
  /** The child's V8 heap limit (`--max-old-space-size`), or null for Node's default. */
  heapLimitMb?: number | null
  baselineRssMb: number
  afterInputRssMb: number
  peakRssMb: number
  seconds: number
}

export interface SkippedLayout {
  engine: EngineName
  layout: LayoutName
  section: SectionName
  reason: string
}

export interface BenchError {
  engine: EngineName
  section: SectionName
  layout?: LayoutName
  message: string
}

/** CPU a distributed simulation used, per group of processes, against its wall time. */
export interface DistributedCpu {
  /** CPU seconds of the engine's process, the proxy (the bench process), and all worker processes. */
  engineSeconds: number
  proxySeconds: number
  workerSeconds: number
  /** All three / wall seconds / cores: 1 = every core of the machine busy with this simulation. */
  ours: number
  /** Every process on the machine (other work included), same scale; null where /proc/stat is missing. */
  machine: number | null
  /** CPU milliseconds per page, all three groups together. */
  msPerPage: number
  /** What held the row back, when CPU did: `machine` (cores busy), `engine thread`, `proxy thread`; else null. */
  bound: string | null
}

export interface DistributedRow {
  layout: LayoutName
  workers: number
  processes: number
  /** Frontier shards (single-table); 1 for the multi-table layout's one run partition. */
  frontierShards: number
  /** Whether the proxy enforced the per-partition write budget. */
  budget: boolean
  urls: number
  pages: number
  seconds: number
  pagesPerSec: number
  /** Library calls per page (one per `send`, as `metrics()` counts them; SDK retries not counted). */
  requestsPerPage: number
  /** HTTP requests the proxy received per page: SDK retries of throttled requests included. */
  httpRequestsPerPage: number
  rcuPerPage: number
  wcuPerPage: number
  /** Requests the budget answered ProvisionedThroughputExceededException, by operation. */
  throttled: number
  throttledByOperation: Record<string, number>
  /** Calls that failed past the SDK's retries (claims, status updates), and items marked failed. */
  errors: number
  failedItems: number
  emptyClaims: number
  /** Mean round-trip the proxy added per request (timers fire late, never early). */
  addedRoundTripMs: number
  /** The partitions written most, in WCU/s over the row's wall time (table and key value). */
  hottestPartitions: { partition: string; wcuPerSec: number }[]
  /** WCU the proxy charged, by where each write's size came from. */
  wcuBySource: Record<string, number>
  cpu: DistributedCpu
  /** Why the row stopped before its queue was drained, or null. */
  stopped: string | null
}

export interface DistributedResult {
  engine: EngineName
  engineLabel: string
  measuredAt: string
  roundTripMs: number
  budget: { wcuPerSecond: number; burstWcu: number }
  workersPerProcess: number
  rowSeconds: number
  cores: number
  rows: DistributedRow[]
}

/** One indexer sync of `changes` changes in a site of `sitePages` pages: by the feed, and by listing the site. */
export interface FeedRow {
  sitePages: number
  feed: Cost
  listing: Cost
  feedMs: number
  listingMs: number
  /** Listing requests per feed request, and RCU per feed RCU. */
  requestRatio: number
  rcuRatio: number
}

export interface FeedResult {
  engine: EngineName
  layout: LayoutName
  measuredAt: string
  changes: number
  rows: FeedRow[]
}

/** Importing the package against the SDK alone, and a Lambda handler's bundle (section cold-start). */
export interface ColdStartResult {
  measuredAt: string
  /** Fresh Node processes per import; the figures are medians. */
  runs: number
  sdk: { ms: number; cpuMs: number }
  library: { ms: number; cpuMs: number }
  /** CPU of a Node process that imports nothing (its own start). */
  nodeCpuMs: number
  bundleBytes: number
  /** The bundle's largest parts: package (or the library's own source) and bytes. */
  bundleByPackage: [string, number][]
}
