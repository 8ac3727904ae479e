// src/config.ts
import { z } from "zod";

// src/errors.ts
var StorageError = class extends Error {
  code;
  constructor(message, options) {
    super(message, options?.cause === void 0 ? void 0 : { cause: options.cause });
    this.name = new.target.name;
    this.code = options?.code ?? "STORAGE";
  }
};
var ValidationError = class extends StorageError {
  issues;
  constructor(issues, options) {
    super(`Invalid input: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`, {
      ...options,
      code: "VALIDATION"
    });
    this.issues = issues;
  }
  /** The offending field paths, e.g. `['depth']`. */
  get paths() {
    return this.issues.map((i) => i.path);
  }
};
var NotFoundError = class extends StorageError {
  constructor(message, options) {
    super(message, { ...options, code: "NOT_FOUND" });
  }
};
var ConflictError = class extends StorageError {
  constructor(message, options) {
    super(message, { ...options, code: "CONFLICT" });
  }
};
var CapacityError = class extends StorageError {
  /** Ids of the records that were not written when the retries ran out. */
  unprocessed;
  constructor(message, options) {
    super(message, { ...options, code: "CAPACITY" });
    this.unprocessed = options?.unprocessed ?? [];
  }
};
var UnsupportedError = class extends StorageError {
  constructor(message, options) {
    super(message, { ...options, code: "UNSUPPORTED" });
  }
};
var AbortError = class extends StorageError {
  constructor(message, options) {
    super(message, { ...options, code: "ABORTED" });
  }
};

// src/model/validate.ts
function validate(schema, value, label) {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.flatMap((issue) => issuesOf(issue, label)),
    {
      cause: result.error
    }
  );
}
function issuesOf(issue, label) {
  const at = (path) => [label, ...path.map(String)].filter(Boolean).join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: at([...issue.path, key]), message: "is not a known option" }));
  }
  return [{ path: at(issue.path), message: issue.message }];
}

// src/config.ts
var TABLE_NAME_CHARS = /^[A-Za-z0-9_.-]*$/;
var clientSchema = z.custom(
  (value) => typeof value === "object" && value !== null && typeof value.send === "function",
  { error: "must be an object with a send() method (a DynamoDBClient)" }
);
var DynamoDBConfigSchema = z.strictObject({
  /** The only backend type. */
  type: z.literal("dynamodb").default("dynamodb"),
  /** Prefix of every table name. @example 'ragcrawl_' */
  tablePrefix: z.string().regex(TABLE_NAME_CHARS, { error: "may hold only letters, digits, _ . and -" }).max(200).default("ragcrawl_"),
  /** AWS region. @example 'eu-west-1' */
  region: z.string().min(1).default("us-east-1"),
  /**
   * Endpoint: absent for AWS, `http://localhost:8000` for DynamoDB Local, `embedded` for an
   * in-process dynalite in memory, `embedded:<dir>` for one persisted in `<dir>`.
   */
  endpointUrl: z.string().refine((value) => value === "embedded" || value.startsWith("embedded:") || URL.canParse(value), {
    error: "must be a URL, 'embedded' or 'embedded:<dir>'"
  }).optional(),
  /** `single-table` (default): one ElectroDB table; `multi-table`: the documented five tables. */
  layout: z.enum(["single-table", "multi-table"]).default("single-table"),
  /** Single-table only: the table name. Default `${tablePrefix}data`. */
  tableName: z.string().min(3).max(255).regex(TABLE_NAME_CHARS, { error: "may hold only letters, digits, _ . and -" }).optional(),
  /** On-demand (default) or provisioned capacity for every table and index. */
  billingMode: z.enum(["PAY_PER_REQUEST", "PROVISIONED"]).default("PAY_PER_REQUEST"),
  readCapacityUnits: z.number().int().positive().optional(),
  writeCapacityUnits: z.number().int().positive().optional(),
  /** Days a completed/failed/skipped frontier item lives; `null` keeps them forever. */
  frontierTtlDays: z.number().positive().nullable().default(7),
  /**
   * Single-table only: partitions a run's frontier is spread over. 1 keeps claims exact in
   * priority order at one Query each; more lifts the per-partition write ceiling of a large
   * distributed crawl (claims then prefer the worker's own shard).
   */
  frontierShards: z.number().int().min(1).max(64).default(1),
  /** Attempts per request, retries of throttling and 5xx included. */
  maxAttempts: z.number().int().min(1).max(20).default(8),
  /** A client to use instead of building one (duck-typed: anything with `send`). */
  client: clientSchema.optional()
}).superRefine((config, ctx) => {
  if (config.billingMode === "PROVISIONED") {
    for (const key of ["readCapacityUnits", "writeCapacityUnits"]) {
      if (config[key] === void 0) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: "is required when billingMode is PROVISIONED"
        });
      }
    }
  }
  if (config.layout === "multi-table" && config.tableName !== void 0) {
    ctx.addIssue({
      code: "custom",
      path: ["tableName"],
      message: "applies to the single-table layout only"
    });
  }
});
var StorageConfigSchema = z.strictObject({
  backend: DynamoDBConfigSchema.default(() => DynamoDBConfigSchema.parse({}))
});
function parseStorageConfig(input) {
  const parsed = validate(StorageConfigSchema, input ?? {});
  return Object.freeze({ backend: Object.freeze(parsed.backend) });
}
function singleTableName(config) {
  return config.tableName ?? `${config.tablePrefix}data`;
}

// src/entities/frontier.ts
import { Entity } from "electrodb";

// src/model/schemas.ts
import { z as z4 } from "zod";

// src/model/ids.ts
import { createHash } from "node:crypto";
import { monotonicFactory } from "ulid";
import { z as z2 } from "zod";
var MAX_ID_BYTES = 1024;
var IdSchema = z2.string({ error: "must be a string" }).min(1, { error: "must not be empty" }).refine((id2) => Buffer.byteLength(id2, "utf8") <= MAX_ID_BYTES, {
  error: `must be at most ${MAX_ID_BYTES} bytes`
});
function digest(...parts) {
  const hash = createHash("sha256");
  for (const part of parts) {
    hash.update(String(Buffer.byteLength(part, "utf8")));
    hash.update(":");
    hash.update(part);
  }
  return hash.digest("hex");
}
function pageIdFor(siteId, normalizedUrl) {
  return `pg_${digest(siteId, normalizedUrl).slice(0, 32)}`;
}
function frontierItemIdFor(runId, normalizedUrl) {
  return `fi_${digest(runId, normalizedUrl).slice(0, 32)}`;
}
function urlHashFor(normalizedUrl) {
  return digest(normalizedUrl).slice(0, 16);
}
var nextUlid = monotonicFactory();
function newRunId() {
  return `run_${nextUlid()}`;
}
function newVersionId() {
  return `v_${nextUlid()}`;
}

// src/model/time.ts
import { z as z3 } from "zod";
var isoDateTime = z3.iso.datetime({ offset: true, local: false });
var DateTimeSchema = z3.union([z3.date(), isoDateTime]).transform((value) => value instanceof Date ? new Date(value.getTime()) : new Date(value)).refine((date) => !Number.isNaN(date.getTime()), { message: "Invalid date" });
var nullableDate = () => DateTimeSchema.nullable().default(null);
var dateDefaultNow = () => DateTimeSchema.default(() => /* @__PURE__ */ new Date());

// src/model/schemas.ts
var count = () => z4.number().int().nonnegative().default(0);
var optionalText = () => z4.string().nullable().default(null);
var jsonObject = () => z4.record(z4.string(), z4.unknown()).default(() => ({}));
var stringList = () => z4.array(z4.string()).default(() => []);
var intCounts = () => z4.record(z4.string(), z4.number().int()).default(() => ({}));
var RunStatusSchema = z4.enum(["pending", "running", "completed", "failed", "cancelled", "partial"]);
var FrontierStatusSchema = z4.enum(["pending", "in_progress", "completed", "failed", "skipped"]);
var SiteSchema = z4.object({
  siteId: IdSchema,
  name: z4.string(),
  seeds: z4.array(z4.string()),
  allowedDomains: stringList(),
  allowedSubdomains: z4.boolean().default(true),
  /** Full crawler configuration; credential keys are dropped before storage. */
  config: jsonObject(),
  createdAt: dateDefaultNow(),
  updatedAt: dateDefaultNow(),
  lastCrawlAt: nullableDate(),
  lastSyncAt: nullableDate(),
  totalPages: count(),
  totalRuns: count(),
  isActive: z4.boolean().default(true)
});
var CrawlStatsSchema = z4.object({
  pagesDiscovered: count(),
  pagesCrawled: count(),
  pagesFailed: count(),
  pagesSkipped: count(),
  pagesChanged: count(),
  pagesUnchanged: count(),
  pagesNew: count(),
  pagesDeleted: count(),
  totalBytesDownloaded: count(),
  totalFetchTimeMs: z4.number().default(0),
  totalExtractionTimeMs: z4.number().default(0),
  avgFetchLatencyMs: z4.number().default(0),
  errorsByType: intCounts(),
  errorsByDomain: intCounts(),
  /** HTTP status code (as a string key) to count. */
  statusCodes: z4.record(z4.string().regex(/^\d+$/, { error: "must be an HTTP status code" }), z4.number().int()).default(() => ({})),
  /** Distinct domains; a Set or an array with repeats is accepted and stored as a distinct list. */
  domainsCrawled: z4.union([z4.array(z4.string()), z4.set(z4.string())]).transform((value) => [...new Set(value)]).default(() => [])
});
var CrawlRunSchema = z4.object({
  runId: IdSchema,
  siteId: IdSchema,
  status: RunStatusSchema.default("pending"),
  errorMessage: optionalText(),
  createdAt: dateDefaultNow(),
  startedAt: nullableDate(),
  completedAt: nullableDate(),
  configSnapshot: jsonObject(),
  seeds: stringList(),
  isSync: z4.boolean().default(false),
  parentRunId: IdSchema.nullable().default(null),
  stats: CrawlStatsSchema.default(() => CrawlStatsSchema.parse({})),
  frontierSize: count(),
  maxDepthReached: count()
});
var PageSchema = z4.object({
  pageId: IdSchema,
  siteId: IdSchema,
  url: z4.string().min(1, { error: "must not be empty" }),
  canonicalUrl: optionalText(),
  currentVersionId: IdSchema.nullable().default(null),
  contentHash: optionalText(),
  etag: optionalText(),
  /** Raw `Last-Modified` header. */
  lastModified: optionalText(),
  firstSeen: DateTimeSchema,
  lastSeen: DateTimeSchema,
  lastCrawled: nullableDate(),
  lastChanged: nullableDate(),
  depth: z4.number().int().nonnegative(),
  referrerUrl: optionalText(),
  statusCode: z4.number().int().nullable().default(null),
  isTombstone: z4.boolean().default(false),
  errorCount: count(),
  lastError: optionalText(),
  versionCount: count(),
  /** Optimistic-concurrency counter: +1 on every save. Ignored on input (see `expectedRevision`). */
  revision: z4.number().int().nonnegative().default(0)
});
var PageVersionSchema = z4.object({
  versionId: IdSchema,
  pageId: IdSchema,
  siteId: IdSchema,
  runId: IdSchema,
  markdown: z4.string(),
  html: optionalText(),
  plainText: optionalText(),
  contentHash: z4.string(),
  rawHash: optionalText(),
  url: z4.string().min(1, { error: "must not be empty" }),
  canonicalUrl: optionalText(),
  title: optionalText(),
  description: optionalText(),
  contentType: optionalText(),
  language: optionalText(),
  statusCode: z4.number().int(),
  headingsOutline: z4.array(z4.record(z4.string(), z4.unknown())).default(() => []),
  wordCount: count(),
  charCount: count(),
  outlinks: stringList(),
  internalLinkCount: count(),
  externalLinkCount: count(),
  etag: optionalText(),
  lastModified: optionalText(),
  crawledAt: DateTimeSchema,
  createdAt: dateDefaultNow(),
  fetchLatencyMs: z4.number().nullable().default(null),
  extractionLatencyMs: z4.number().nullable().default(null),
  isTombstone: z4.boolean().default(false),
  extra: jsonObject()
});
var FrontierItemSchema = z4.object({
  itemId: IdSchema,
  runId: IdSchema,
  siteId: IdSchema,
  url: z4.string().min(1, { error: "must not be empty" }),
  normalizedUrl: z4.string().min(1, { error: "must not be empty" }),
  urlHash: z4.string(),
  depth: z4.number().int().nonnegative(),
  referrerUrl: optionalText(),
  /** Higher is sooner. */
  priority: z4.number().finite().default(0),
  status: FrontierStatusSchema.default("pending"),
  retryCount: count(),
  lastError: optionalText(),
  discoveredAt: dateDefaultNow(),
  scheduledAt: nullableDate(),
  startedAt: nullableDate(),
  completedAt: nullableDate(),
  domain: z4.string(),
  /** Lease holder while `in_progress`. */
  workerId: IdSchema.nullable().default(null),
  /** When the lease ends; after it the item is claimable again. */
  leaseExpiresAt: nullableDate()
});

// src/entities/common.ts
var ORIGINAL_ERRORS = { originalErr: true };
var SERVICE = "ragcrawl";
var CASE_KEPT = "none";
var SINGLE_TABLE_KEYS = {
  primary: { pk: "pk", sk: "sk" },
  gsi1: { pk: "gsi1pk", sk: "gsi1sk" },
  gsi2: { pk: "gsi2pk", sk: "gsi2sk" },
  gsi3: { pk: "gsi3pk", sk: "gsi3sk" },
  gsi4: { pk: "gsi4pk", sk: "gsi4sk" }
};
var TTL_ATTRIBUTE = "ttl";
var hiddenKey = { type: "string", required: true, hidden: true };
function hiddenKeys(...names) {
  return Object.fromEntries(names.map((name) => [name, hiddenKey]));
}
function entityModel(entity) {
  return { entity, version: "1", service: SERVICE };
}
function compositeKey(field, composite) {
  return { field, composite, casing: CASE_KEPT };
}
function primaryIndex(pk, sk) {
  const { primary } = SINGLE_TABLE_KEYS;
  return { pk: compositeKey(primary.pk, pk), sk: compositeKey(primary.sk, sk) };
}
function secondaryIndex(index, pk, sk, options) {
  const keys = SINGLE_TABLE_KEYS[index];
  return { index, ...options, pk: compositeKey(keys.pk, pk), sk: compositeKey(keys.sk, sk) };
}
function siteMembersIndex(sk) {
  return secondaryIndex("gsi4", ["siteKey"], sk);
}
var text = { type: "string" };
var requiredText = { type: "string", required: true };
var num = { type: "number" };
var bool = { type: "boolean" };
var stringList2 = { type: "list", items: { type: "string" } };
var anyValue = { type: "any" };
function snakeCase(name) {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
function snakeFields(attributes) {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, attribute]) => [name, { ...attribute, field: snakeCase(name) }])
  );
}
function plainKey(field, attribute) {
  return { field, composite: [attribute], template: `\${${attribute}}`, casing: CASE_KEPT };
}

// src/entities/frontier.ts
var FRONTIER_FIELDS = {
  itemId: requiredText,
  runId: requiredText,
  siteId: requiredText,
  url: requiredText,
  normalizedUrl: requiredText,
  urlHash: requiredText,
  depth: { type: "number", required: true },
  referrerUrl: text,
  priority: { type: "number", required: true },
  status: { type: FrontierStatusSchema.options, required: true },
  retryCount: num,
  lastError: text,
  discoveredAt: requiredText,
  scheduledAt: text,
  startedAt: text,
  completedAt: text,
  domain: requiredText,
  workerId: text,
  leaseExpiresAt: text,
  [TTL_ATTRIBUTE]: { type: "number", hidden: true },
  /** Token of the last claim take, status update or enqueue applied: its resend is recognised. */
  writeToken: { type: "string", hidden: true }
};
function frontierEntity(options) {
  return new Entity(
    {
      model: entityModel("frontier"),
      attributes: {
        ...hiddenKeys("runKey", "shard", "itemKey", "siteKey", "priorityKey"),
        ...FRONTIER_FIELDS
      },
      indexes: {
        byId: primaryIndex(["runKey", "shard"], ["itemKey"]),
        byStatus: secondaryIndex(
          "gsi1",
          ["runKey", "shard", "status"],
          ["priorityKey", "discoveredAt", "itemKey"]
        ),
        members: siteMembersIndex(["runKey", "itemKey"])
      }
    },
    options
  );
}
var FRONTIER_INDEXES = { byPriority: "run_id-priority-index" };
function frontierTableEntity(options) {
  return new Entity(
    {
      model: entityModel("frontier"),
      attributes: snakeFields(FRONTIER_FIELDS),
      indexes: {
        byId: { pk: plainKey("run_id", "runId"), sk: plainKey("item_id", "itemId") }
      }
    },
    options
  );
}

// src/entities/page.ts
import { Entity as Entity2 } from "electrodb";
var LIFE_STATES = ["live", "tombstone"];
var PAGE_FIELDS = {
  pageId: requiredText,
  siteId: requiredText,
  url: requiredText,
  canonicalUrl: text,
  currentVersionId: text,
  contentHash: text,
  etag: text,
  lastModified: text,
  firstSeen: requiredText,
  lastSeen: requiredText,
  lastCrawled: text,
  lastChanged: text,
  depth: { type: "number", required: true },
  referrerUrl: text,
  statusCode: num,
  isTombstone: bool,
  errorCount: num,
  lastError: text,
  versionCount: num,
  revision: num
};
function pageEntity(options) {
  return new Entity2(
    {
      model: entityModel("webpage"),
      attributes: {
        // siteScope is the site again, outside the primary key: an update rebuilds a GSI key only from
        // attributes it sets, and primary-key attributes cannot be set, so gsi1's partition uses it.
        ...hiddenKeys("pageKey", "siteKey", "siteScope", "urlKey"),
        lifeState: { type: LIFE_STATES, required: true, hidden: true },
        crawlOrder: hiddenKey,
        ...PAGE_FIELDS
      },
      indexes: {
        byId: { collection: "pageVersions", ...primaryIndex(["pageKey"], ["siteKey"]) },
        bySite: secondaryIndex("gsi1", ["siteScope"], ["lifeState", "pageKey"]),
        byUrl: secondaryIndex("gsi2", ["siteKey", "urlKey"], []),
        recrawl: secondaryIndex("gsi3", ["siteKey"], ["crawlOrder", "pageKey"], {
          condition: (attributes) => attributes.lifeState === "live"
        })
      }
    },
    options
  );
}
function pageCountEntity(options) {
  return new Entity2(
    {
      model: entityModel("pagecount"),
      attributes: { siteKey: hiddenKey, total: num, live: num },
      indexes: { byId: primaryIndex(["siteKey"], []) }
    },
    options
  );
}
var PAGES_INDEXES = { byUrl: "url-index", recrawl: "site_id-last_crawled-index" };
function pageTableEntity(options) {
  return new Entity2(
    {
      model: entityModel("page"),
      attributes: {
        ...snakeFields(PAGE_FIELDS),
        fullUrl: { type: "string", field: "full_url" }
      },
      indexes: {
        byId: { pk: plainKey("site_id", "siteId"), sk: plainKey("page_id", "pageId") }
      }
    },
    options
  );
}

// src/entities/run.ts
import { Entity as Entity3 } from "electrodb";
var RUN_FIELDS = {
  runId: requiredText,
  siteId: requiredText,
  status: { type: RunStatusSchema.options, required: true },
  errorMessage: text,
  createdAt: requiredText,
  startedAt: text,
  completedAt: text,
  configSnapshot: anyValue,
  seeds: stringList2,
  isSync: bool,
  parentRunId: text,
  stats: anyValue,
  frontierSize: num,
  maxDepthReached: num
};
function runEntity(options) {
  return new Entity3(
    {
      model: entityModel("run"),
      attributes: { ...hiddenKeys("runKey", "siteKey"), ...RUN_FIELDS },
      indexes: {
        byId: primaryIndex(["runKey"], []),
        bySite: secondaryIndex("gsi2", ["siteKey"], ["createdAt", "runKey"], { collection: "siteRuns" })
      }
    },
    options
  );
}
var RUNS_INDEXES = { byRun: "run_id-index", bySiteCreated: "site_id-created_at-index" };
function runTableEntity(options) {
  return new Entity3(
    {
      model: entityModel("run"),
      attributes: snakeFields(RUN_FIELDS),
      indexes: {
        byId: { pk: plainKey("site_id", "siteId"), sk: plainKey("run_id", "runId") },
        byRun: { index: RUNS_INDEXES.byRun, pk: plainKey("run_id", "runId") },
        bySite: {
          index: RUNS_INDEXES.bySiteCreated,
          pk: plainKey("site_id", "siteId"),
          sk: plainKey("created_at", "createdAt")
        }
      }
    },
    options
  );
}

// src/tables/billing.ts
function billing(config) {
  return config.billingMode === "PROVISIONED" ? { BillingMode: "PROVISIONED", ...throughput(config) } : { BillingMode: "PAY_PER_REQUEST" };
}
function throughput(config) {
  if (config.billingMode !== "PROVISIONED") return {};
  return {
    ProvisionedThroughput: {
      ReadCapacityUnits: config.readCapacityUnits ?? 1,
      WriteCapacityUnits: config.writeCapacityUnits ?? 1
    }
  };
}

// src/tables/multi-table.ts
function multiTableNames(config) {
  const p = config.tablePrefix;
  return {
    sites: `${p}sites`,
    runs: `${p}runs`,
    pages: `${p}pages`,
    versions: `${p}versions`,
    frontier: `${p}frontier`
  };
}
var SITE_MEMBER_INDEXES = {
  versions: "site_id-version_id-index",
  frontier: "site_id-item_id-index"
};
function table(config, name, hash, range, indexes, types = {}) {
  const names = /* @__PURE__ */ new Set([
    hash,
    ...range ? [range] : [],
    ...indexes.flatMap((i) => [i.hash, ...i.range ? [i.range] : []])
  ]);
  const definitions = [...names].map((n) => ({
    AttributeName: n,
    AttributeType: types[n] ?? "S"
  }));
  const gsis = indexes.map((index) => ({
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.hash, KeyType: "HASH" },
      ...index.range ? [{ AttributeName: index.range, KeyType: "RANGE" }] : []
    ],
    Projection: index.projection ?? { ProjectionType: "ALL" },
    ...throughput(config)
  }));
  return {
    TableName: name,
    KeySchema: [
      { AttributeName: hash, KeyType: "HASH" },
      ...range ? [{ AttributeName: range, KeyType: "RANGE" }] : []
    ],
    AttributeDefinitions: definitions,
    ...gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {},
    ...billing(config)
  };
}
function multiTableDefinitions(config) {
  const names = multiTableNames(config);
  return [
    table(config, names.sites, "site_id", void 0, []),
    table(config, names.runs, "site_id", "run_id", [
      { name: RUNS_INDEXES.byRun, hash: "run_id" },
      { name: RUNS_INDEXES.bySiteCreated, hash: "site_id", range: "created_at" }
    ]),
    table(config, names.pages, "site_id", "page_id", [
      { name: PAGES_INDEXES.byUrl, hash: "url" },
      { name: PAGES_INDEXES.recrawl, hash: "site_id", range: "last_crawled" }
    ]),
    table(config, names.versions, "page_id", "version_id", [
      {
        name: SITE_MEMBER_INDEXES.versions,
        hash: "site_id",
        range: "version_id",
        projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["chunk_of"] }
      }
    ]),
    table(
      config,
      names.frontier,
      "run_id",
      "item_id",
      [
        { name: FRONTIER_INDEXES.byPriority, hash: "run_id", range: "priority" },
        {
          name: SITE_MEMBER_INDEXES.frontier,
          hash: "site_id",
          range: "item_id",
          projection: { ProjectionType: "KEYS_ONLY" }
        }
      ],
      {
        priority: "N"
      }
    )
  ];
}

// src/tables/single-table.ts
var GSI_PROJECTIONS = { gsi1: "ALL", gsi2: "ALL", gsi3: "ALL", gsi4: "KEYS_ONLY" };
function singleTableDefinition(config) {
  const gsis = Object.entries(GSI_PROJECTIONS).map(
    ([name, projection]) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: SINGLE_TABLE_KEYS[name].pk, KeyType: "HASH" },
        { AttributeName: SINGLE_TABLE_KEYS[name].sk, KeyType: "RANGE" }
      ],
      Projection: { ProjectionType: projection },
      ...throughput(config)
    })
  );
  const keyAttributes = Object.values(SINGLE_TABLE_KEYS).flatMap((k) => [k.pk, k.sk]);
  return {
    TableName: singleTableName(config),
    KeySchema: [
      { AttributeName: SINGLE_TABLE_KEYS.primary.pk, KeyType: "HASH" },
      { AttributeName: SINGLE_TABLE_KEYS.primary.sk, KeyType: "RANGE" }
    ],
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: "S" })),
    GlobalSecondaryIndexes: gsis,
    ...billing(config)
  };
}

// src/layout-tools/definitions.ts
function tableDefinitions(config) {
  const { backend } = parseStorageConfig(config);
  return backend.layout === "multi-table" ? multiTableDefinitions(backend) : [singleTableDefinition(backend)];
}

// src/layout-tools/iam-policy.ts
var COMMON_OPERATIONS = [
  "BatchExecuteStatement",
  "BatchGetItem",
  "BatchWriteItem",
  "CreateTable",
  "DeleteItem",
  "DescribeTable",
  "DescribeTimeToLive",
  "GetItem",
  "PutItem",
  "Query",
  "UpdateItem",
  "UpdateTimeToLive"
];
function operationsFor(layout) {
  return [...COMMON_OPERATIONS, ...layout === "multi-table" ? ["Scan"] : []].sort();
}
function iamActionsOf(operation) {
  return operation === "BatchExecuteStatement" ? ["PartiQLInsert", "PartiQLUpdate"] : [operation];
}
var MIGRATION_SOURCE_OPERATIONS = ["DescribeTable", "GetItem", "Query", "Scan"];
function iamPolicy(config, options = {}) {
  const { backend } = parseStorageConfig(config);
  if (options.accountId !== void 0 && !/^(\d{12}|\*)$/.test(options.accountId)) {
    throw new ValidationError([{ path: "accountId", message: "must be a 12-digit AWS account id" }]);
  }
  const account = options.accountId ?? "*";
  const operations = [
    ...new Set((options.operations ?? operationsFor(backend.layout)).flatMap(iamActionsOf))
  ].sort();
  const resources = tableDefinitions(config).flatMap(({ TableName }) => {
    const table2 = `arn:aws:dynamodb:${backend.region}:${account}:table/${TableName}`;
    return [table2, `${table2}/index/*`];
  });
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: `RagcrawlDynamoDB${backend.layout === "multi-table" ? "MultiTable" : "SingleTable"}`,
        Effect: "Allow",
        Action: operations.map((op) => `dynamodb:${op}`),
        Resource: resources
      }
    ]
  };
}

// src/layout-tools/migrate.ts
import { ScanCommand as ScanCommand2 } from "@aws-sdk/lib-dynamodb";

// src/engine/abort.ts
import { AsyncLocalStorage } from "node:async_hooks";
var scope = new AsyncLocalStorage();
function withSignal(signal, work) {
  return signal === void 0 ? work() : scope.run(signal, work);
}
function currentSignal() {
  return scope.getStore();
}
function abortReason(signal) {
  const reason = signal.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  return new DOMException("The operation was aborted", "AbortError");
}

// src/services/options.ts
import { z as z5 } from "zod";
var SignalSchema = z5.custom((value) => value instanceof AbortSignal, {
  error: "must be an AbortSignal"
});
var LimitSchema = z5.number().int().min(1).max(1e3);
var CallOptionsSchema = z5.strictObject({ signal: SignalSchema.optional() });
var ListOptionsSchema = z5.strictObject({
  /** Items per page (matching items, filters included); default 100. */
  limit: LimitSchema.optional(),
  /** Where the previous page stopped; `null`/absent starts at the beginning. */
  cursor: z5.string().nullable().optional(),
  signal: SignalSchema.optional()
});
var ListPagesOptionsSchema = ListOptionsSchema.extend({ includeTombstones: z5.boolean().optional() });
var RecrawlOptionsSchema = ListOptionsSchema.extend({
  /** Pages crawled at least this long ago are due (never-crawled ones always are). */
  maxAgeHours: z5.number().min(0).optional(),
  /** The instant `maxAgeHours` counts back from; default now. */
  now: z5.date().optional()
});
var CountPagesOptionsSchema = CallOptionsSchema.extend({ includeTombstones: z5.boolean().optional() });
var SaveOptionsSchema = CallOptionsSchema.extend({
  /** The revision the caller last read; a stale write fails with `ConflictError` and changes nothing. */
  expectedRevision: z5.number().int().min(0).optional()
});
var ClaimOptionsSchema = CallOptionsSchema.extend({
  workerId: IdSchema,
  /** Items to claim at most; default 10. */
  limit: z5.number().int().min(1).max(100).default(10),
  /** Lease length, at least 1 second; default 300. */
  leaseSeconds: z5.number().min(1).default(300)
});
var FrontierListOptionsSchema = ListOptionsSchema.extend({ status: FrontierStatusSchema.optional() });
var StatusUpdateOptionsSchema = CallOptionsSchema.extend({
  /** Kept as the item's `lastError`. */
  error: z5.string({ error: "must be a string" }).optional(),
  /** With it, only the lease owner may change the item (`ConflictError` otherwise). */
  workerId: IdSchema.optional()
});
var WithRunsOptionsSchema = CallOptionsSchema.extend({ limit: LimitSchema.optional() });
var WithVersionsOptionsSchema = CallOptionsSchema.extend({ limit: LimitSchema.optional() });

// src/services/pages/page-write.ts
import { createHash as createHash2, randomBytes as randomBytes2 } from "node:crypto";
import { GetCommand, UpdateCommand as UpdateCommand2 } from "@aws-sdk/lib-dynamodb";

// src/services/plumbing/aws-errors.ts
var THROTTLING = /* @__PURE__ */ new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "LimitExceededException",
  "TooManyRequestsException"
]);
var UNSUPPORTED = /* @__PURE__ */ new Set(["UnknownOperationException", "UnrecognizedClientException"]);
function awsErrorName(error) {
  let current = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const candidate = current;
    const type = candidate.__type?.split("#").pop();
    if (type) return type;
    if (candidate.name && candidate.name !== "ElectroError" && candidate.name !== "Error")
      return candidate.name;
    current = candidate.cause ?? candidate.originalError;
  }
  return void 0;
}
function isConditionFailure(error) {
  const name = awsErrorName(error);
  return name === "ConditionalCheckFailedException" || name === "TransactionCanceledException";
}
function isThrottling(error) {
  return THROTTLING.has(awsErrorName(error) ?? "");
}
function isRetryable(error) {
  if (isThrottling(error)) return true;
  const e = error;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== void 0 && status >= 500) return true;
  const name = awsErrorName(error) ?? "";
  if (["InternalServerError", "ServiceUnavailable", "InternalFailure", "TimeoutError"].includes(name))
    return true;
  return ["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED", "EAI_AGAIN"].includes(e?.code ?? "");
}
function toStorageError(error, context) {
  if (error instanceof StorageError) return error;
  const name = awsErrorName(error);
  const detail = error?.message ?? String(error);
  if (name === "ConditionalCheckFailedException")
    return new ConflictError(`${context}: condition failed`, { cause: error });
  if (name && THROTTLING.has(name))
    return new CapacityError(`${context}: throttled (${name})`, { cause: error });
  if (name === "ResourceNotFoundException") {
    return new NotFoundError(`${context}: table not found; call initialize() first (${detail})`, {
      cause: error
    });
  }
  if (name && UNSUPPORTED.has(name)) return new UnsupportedError(`${context}: ${detail}`, { cause: error });
  const electroCode = error?.code;
  if (typeof electroCode === "number" && electroCode >= 3e3 && electroCode < 4e3) {
    return new ValidationError([{ path: "", message: detail }], { cause: error });
  }
  return new StorageError(`${context}: ${detail}`, { cause: error });
}

// src/services/plumbing/item-size.ts
var MAX_ITEM_BYTES = 400 * 1024;
var NUMBER_BYTES = 21;
var COPIED_VALUE_BYTES = 64;
function valueBytes(value) {
  if (value === null || value === void 0 || typeof value === "boolean") return 1;
  if (typeof value === "string") return Buffer.byteLength(value, "utf8");
  if (typeof value === "number" || typeof value === "bigint") return NUMBER_BYTES;
  if (value instanceof Date) return Buffer.byteLength(value.toISOString(), "utf8");
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum, inner) => sum + valueBytes(inner), 0);
  if (Array.isArray(value)) return value.reduce((sum, inner) => sum + 1 + valueBytes(inner), 3);
  if (typeof value === "object") {
    return Object.entries(value).reduce(
      (sum, [key, inner]) => sum + 1 + Buffer.byteLength(key, "utf8") + valueBytes(inner),
      3
    );
  }
  return Buffer.byteLength(String(value), "utf8");
}
function topLevelParts(text2) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text2.length; i++) {
    const c = text2[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text2.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text2.slice(start));
  return parts.map((part) => part.trim()).filter(Boolean);
}
function updatedItemBytes(input) {
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  const nameBytes = (path) => path.split(".").map((part) => part.replace(/\[\d+\]$/, "")).reduce((sum, part) => sum + Buffer.byteLength(names[part] ?? part, "utf8"), 0);
  let total = Object.entries(input.Key ?? {}).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name, "utf8") + valueBytes(value),
    0
  );
  const expression = input.UpdateExpression ?? "";
  const clauses = [...expression.matchAll(/(?<![#:\w])(SET|REMOVE|ADD|DELETE)\s+/g)];
  clauses.forEach((match, i) => {
    const body = expression.slice(match.index + match[0].length, clauses[i + 1]?.index);
    for (const action of topLevelParts(body)) {
      if (match[1] === "SET") {
        const [path = "", operand = ""] = action.split(/\s*=\s*/, 2);
        const value = operand.trim();
        total += nameBytes(path.trim()) + (value in values ? valueBytes(values[value]) : COPIED_VALUE_BYTES);
      } else if (match[1] === "ADD") {
        const [path = "", operand = ""] = action.split(/\s+/, 2);
        const value = values[operand.trim()];
        total += nameBytes(path) + (typeof value === "number" ? NUMBER_BYTES : valueBytes(value));
      }
    }
  });
  return total;
}
function assertItemFits(input, record3, label) {
  const size = updatedItemBytes(input);
  if (size <= MAX_ITEM_BYTES) return;
  const fields = Object.entries(record3).map(([field, value]) => ({ field, bytes: Buffer.byteLength(field, "utf8") + valueBytes(value) })).sort((a, b) => b.bytes - a.bytes);
  const named = [];
  let rest = size;
  for (const { field, bytes } of fields) {
    if (rest <= MAX_ITEM_BYTES) break;
    rest -= bytes;
    named.push({
      path: `${label}.${field}`,
      message: `is ${bytes.toLocaleString("en-US")} bytes: the stored item would be ${size.toLocaleString("en-US")} bytes, over DynamoDB's 400 KB item limit (${MAX_ITEM_BYTES.toLocaleString("en-US")} bytes)`
    });
  }
  throw new ValidationError(named);
}

// src/services/plumbing/update-expression.ts
var ADDED_NAME = "#rs_";
var ADDED_VALUE = ":rs_";
var CLAUSE = /(?<![#:\w])(SET|REMOVE|ADD|DELETE)\s+/g;
function extendUpdate(params, add) {
  const clauses = updateClauses(params.UpdateExpression ?? "");
  if (add.set?.length) clauses.set("SET", [...add.set, ...clauses.get("SET") ?? []]);
  if (add.remove?.length) clauses.set("REMOVE", [...add.remove, ...clauses.get("REMOVE") ?? []]);
  const names = { ...params.ExpressionAttributeNames };
  for (const [name, attribute] of Object.entries(add.names ?? {})) {
    if (name in names) throw new StorageError(`Expression name ${name} is taken`);
    names[name] = attribute;
  }
  const values = { ...params.ExpressionAttributeValues };
  for (const [name, value] of Object.entries(add.values ?? {})) {
    if (name in values) throw new StorageError(`Expression value ${name} is taken`);
    values[name] = value;
  }
  const condition = add.condition && params.ConditionExpression ? `(${add.condition}) AND (${params.ConditionExpression})` : add.condition ?? params.ConditionExpression;
  return {
    ...params,
    UpdateExpression: [...clauses].map(([clause, bodies]) => `${clause} ${bodies.join(", ")}`).join(" "),
    ExpressionAttributeNames: names,
    ...Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {},
    ...condition ? { ConditionExpression: condition } : {}
  };
}
function updateClauses(expression) {
  const clauses = /* @__PURE__ */ new Map();
  const starts = [...expression.matchAll(CLAUSE)];
  if (expression.trim() !== "" && starts[0]?.index !== expression.search(/\S/)) {
    throw new StorageError(`Unexpected UpdateExpression: ${expression}`);
  }
  starts.forEach((match, i) => {
    const body = expression.slice(match.index + match[0].length, starts[i + 1]?.index).trim();
    clauses.set(match[1], [...clauses.get(match[1]) ?? [], body]);
  });
  return clauses;
}

// src/services/pages/page-counter.ts
import { randomBytes } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
function pageCountDelta(siteId, before, after, saveToken) {
  const wasLive = before !== null && !before.isTombstone;
  return {
    siteId,
    total: before === null ? 1 : 0,
    live: (after.isTombstone ? 0 : 1) - (wasLive ? 1 : 0),
    ...saveToken === void 0 ? {} : { saveToken }
  };
}
function addToSiteSum(bySite, delta) {
  const sum = bySite.get(delta.siteId) ?? { siteId: delta.siteId, total: 0, live: 0 };
  sum.total += delta.total;
  sum.live += delta.live;
  bySite.set(delta.siteId, sum);
}
function sumCountsBySite(deltas) {
  const bySite = /* @__PURE__ */ new Map();
  for (const delta of deltas) addToSiteSum(bySite, delta);
  for (const [siteId, sum] of bySite) if (sum.total === 0 && sum.live === 0) bySite.delete(siteId);
  return bySite;
}
var WRITER_ENTRY_TTL_MS = 60 * 60 * 1e3;
var MAX_REMOVALS = 20;
var REMEMBERED_SAVES = 4096;
var PageCounter = class {
  constructor(transport, attribute, addParams) {
    this.transport = transport;
    this.attribute = attribute;
    this.addParams = addParams;
  }
  /** Random per instance: the writer's key in the counter items. */
  writer = randomBytes(8).toString("hex");
  lanes = /* @__PURE__ */ new Map();
  stale = /* @__PURE__ */ new Map();
  debts = /* @__PURE__ */ new Map();
  taken = /* @__PURE__ */ new Set();
  /**
   * Adds the deltas to each site's counters: one UpdateItem per site that changed, and one per
   * site this writer still owes a failed update to (see above).
   */
  async apply(deltas) {
    const fresh = deltas.filter((delta) => this.take(delta.saveToken));
    const sums = sumCountsBySite(fresh);
    for (const { siteId } of deltas) {
      if (!sums.has(siteId) && this.debts.has(siteId)) sums.set(siteId, { siteId, total: 0, live: 0 });
    }
    for (const [siteId, sum] of sums) await this.add(siteId, sum);
  }
  /** False when the save with this token was counted (or is owed) already. */
  take(saveToken) {
    if (saveToken === void 0) return true;
    if (this.taken.has(saveToken)) return false;
    this.taken.add(saveToken);
    if (this.taken.size > REMEMBERED_SAVES) this.taken.delete(this.taken.values().next().value);
    return true;
  }
  add(siteId, delta) {
    const running = this.lanes.get(siteId);
    const lane = running ?? { pending: null };
    lane.pending ??= { total: 0, live: 0, waiters: [] };
    const pending = lane.pending;
    pending.total += delta.total;
    pending.live += delta.live;
    const applied = new Promise((resolve, reject) => pending.waiters.push({ resolve, reject }));
    if (!running) {
      this.lanes.set(siteId, lane);
      void this.drain(siteId, lane);
    }
    return applied;
  }
  /** Sends the lane's pending sums one update at a time until none are left. */
  async drain(siteId, lane) {
    while (lane.pending) {
      const batch = lane.pending;
      lane.pending = null;
      try {
        await this.settle(siteId, batch);
        for (const waiter of batch.waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of batch.waiters) waiter.reject(error);
      }
    }
    this.lanes.delete(siteId);
  }
  /** The site's failed update again (if any), then `batch` with what else is owed. */
  async settle(siteId, batch) {
    const debt = this.debts.get(siteId) ?? { unsettled: null, owed: { total: 0, live: 0 } };
    const total = debt.owed.total + batch.total;
    const live = debt.owed.live + batch.live;
    if (debt.unsettled) {
      try {
        await this.send(siteId, debt.unsettled);
      } catch (error) {
        this.keepDebt(siteId, error, { unsettled: debt.unsettled, owed: { total, live } });
        throw error;
      }
    }
    this.debts.delete(siteId);
    if (total === 0 && live === 0) return;
    const update = {
      token: `${Date.now().toString(36)}.${randomBytes(9).toString("base64url")}`,
      total,
      live
    };
    try {
      await this.send(siteId, update);
    } catch (error) {
      this.keepDebt(siteId, error, { unsettled: update, owed: { total: 0, live: 0 } });
      throw error;
    }
  }
  /** Keeps what a failed update owes when the failure is transient; otherwise it is given up. */
  keepDebt(siteId, error, debt) {
    if (isRetryable(error)) this.debts.set(siteId, debt);
    else this.debts.delete(siteId);
  }
  async send(siteId, { token, total, live }) {
    const base = this.addParams(siteId, total, live);
    const stale = (this.stale.get(siteId) ?? []).slice(0, MAX_REMOVALS);
    this.stale.delete(siteId);
    const entry = `${ADDED_NAME}writers.${ADDED_NAME}me`;
    const nested = extendUpdate(base, {
      set: [`${entry} = ${ADDED_VALUE}token`],
      remove: stale.map((_, i) => `${ADDED_NAME}writers.${ADDED_NAME}stale${i}`),
      condition: `attribute_not_exists(${entry}) OR ${entry} <> ${ADDED_VALUE}token`,
      names: {
        [`${ADDED_NAME}writers`]: this.attribute,
        [`${ADDED_NAME}me`]: this.writer,
        ...Object.fromEntries(stale.map((key, i) => [`${ADDED_NAME}stale${i}`, key]))
      },
      values: { [`${ADDED_VALUE}token`]: token }
    });
    nested.ReturnValues = "ALL_NEW";
    const create = extendUpdate(base, {
      set: [`${ADDED_NAME}writers = ${ADDED_VALUE}writers`],
      condition: `attribute_not_exists(${ADDED_NAME}writers)`,
      names: { [`${ADDED_NAME}writers`]: this.attribute },
      values: { [`${ADDED_VALUE}writers`]: { [this.writer]: token } }
    });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const output = await this.transport.send(new UpdateCommand({ ...nested }));
        this.noteStale(siteId, output.Attributes?.[this.attribute]);
        return;
      } catch (error) {
        if (isConditionFailure(error)) return;
        if (!isMissingPath(error)) throw error;
      }
      try {
        await this.transport.send(new UpdateCommand({ ...create }));
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new StorageError(`The page counters of site ${JSON.stringify(siteId)} could not be updated`);
  }
  /** Remembers entries of writers that have not updated the site for an hour, to remove next time. */
  noteStale(siteId, writers) {
    if (writers === null || typeof writers !== "object") return;
    const cutoff = Date.now() - WRITER_ENTRY_TTL_MS;
    const stale = Object.entries(writers).filter(([key, value]) => {
      if (key === this.writer) return false;
      const at = typeof value === "string" ? Number.parseInt(value.split(".")[0] ?? "", 36) : Number.NaN;
      return !(at >= cutoff);
    }).map(([key]) => key);
    if (stale.length > 0) this.stale.set(siteId, stale);
  }
};
function isMissingPath(error) {
  return awsErrorName(error) === "ValidationException" && /document path provided in the update expression is invalid/i.test(error?.message ?? "");
}

// src/services/pages/page-write.ts
var TOKEN_CHARS = 10;
function newWriteToken() {
  return randomBytes2(8).toString("base64url").slice(0, TOKEN_CHARS);
}
var RECENT_SAVES = 4;
function earlierTokenNames(writeToken, separator) {
  return Array.from({ length: RECENT_SAVES - 1 }, (_, i) => `${writeToken}${separator}${i + 1}`);
}
var NO_TOKEN = "-";
function tokenFor(parts) {
  return createHash2("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, TOKEN_CHARS);
}
function preparePageWrite(transport, params, attributes, page, baseToken = newWriteToken()) {
  const token = `${baseToken}${page.isTombstone ? "t" : "l"}`;
  const slots = [attributes.writeToken, ...attributes.earlierTokens];
  const slot = (i) => `${ADDED_NAME}slot${i}`;
  const input = extendUpdate(params, {
    set: [
      `${slot(0)} = ${ADDED_VALUE}token`,
      ...slots.slice(1).map((_, i) => `${slot(i + 1)} = if_not_exists(${slot(i)}, ${ADDED_VALUE}none)`),
      `${ADDED_NAME}prior_seen = if_not_exists(${ADDED_NAME}seen, ${ADDED_VALUE}null)`,
      `${ADDED_NAME}prior_tomb = if_not_exists(${ADDED_NAME}tomb, ${ADDED_VALUE}false)`
    ],
    condition: `NOT (${slots.map((_, i) => `${slot(i)} = ${ADDED_VALUE}token`).join(" OR ")})`,
    names: {
      ...Object.fromEntries(slots.map((name, i) => [slot(i), name])),
      [`${ADDED_NAME}prior_seen`]: attributes.priorFirstSeen,
      [`${ADDED_NAME}prior_tomb`]: attributes.priorIsTombstone,
      [`${ADDED_NAME}seen`]: attributes.firstSeen,
      [`${ADDED_NAME}tomb`]: attributes.isTombstone
    },
    values: { [`${ADDED_VALUE}token`]: token, [`${ADDED_VALUE}none`]: NO_TOKEN, [`${ADDED_VALUE}null`]: null, [`${ADDED_VALUE}false`]: false }
  });
  input.ReturnValues = "UPDATED_OLD";
  input.ReturnValuesOnConditionCheckFailure = "ALL_OLD";
  return { input, token, send: () => sendPageWrite(transport, input, attributes, page, token) };
}
async function sendPageWrite(transport, input, attributes, page, token) {
  try {
    const output = await transport.send(new UpdateCommand2({ ...input }));
    return outcomeOfApplied(output.Attributes ?? {}, attributes, token);
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const returned = error.Item;
    const stored = returned ? plainAttributes(returned) : await readBack(transport, input, attributes);
    const outcome = stored && outcomeOfStoredSave(stored, attributes, token);
    if (outcome) return outcome;
    const which = `Page ${JSON.stringify(page.pageId)} of site ${JSON.stringify(page.siteId)}`;
    throw new ConflictError(
      page.expectedRevision === void 0 ? `${which} was saved, then overwritten by a concurrent save before the answer arrived` : `${which} is not at revision ${page.expectedRevision}`,
      { cause: error }
    );
  }
}
function outcomeOfApplied(old, attributes, token) {
  return {
    revision: Number(old[attributes.revision] ?? 0) + 1,
    before: old[attributes.firstSeen] === void 0 ? null : { isTombstone: old[attributes.isTombstone] === true },
    token,
    old
  };
}
function endsTombstoned(token) {
  return token.length === TOKEN_CHARS + 1 && token.endsWith("t");
}
function outcomeOfStoredSave(stored, attributes, token) {
  const slots = [attributes.writeToken, ...attributes.earlierTokens].map((name) => stored[name]);
  const k = slots.indexOf(token);
  if (k < 0) return void 0;
  const storedRevision = Number(stored[attributes.revision] ?? 0);
  if (k === 0) {
    return {
      revision: storedRevision,
      before: stored[attributes.priorFirstSeen] == null ? null : { isTombstone: stored[attributes.priorIsTombstone] === true },
      token
    };
  }
  const revision = storedRevision - k;
  const previous = slots[k + 1];
  const before = typeof previous === "string" && previous !== NO_TOKEN ? { isTombstone: endsTombstoned(previous) } : revision === 1 ? null : { isTombstone: false };
  return { revision, before, token };
}
var UncertainSaves = class {
  byPage = /* @__PURE__ */ new Map();
  note(key, token) {
    const tokens = [...this.byPage.get(key) ?? [], token].slice(-(RECENT_SAVES - 1));
    this.byPage.delete(key);
    this.byPage.set(key, tokens);
    if (this.byPage.size > REMEMBERED_UNCERTAIN) this.byPage.delete(this.byPage.keys().next().value);
  }
  take(key) {
    const tokens = this.byPage.get(key) ?? [];
    this.byPage.delete(key);
    return tokens;
  }
};
var REMEMBERED_UNCERTAIN = 4096;
function checkedPageWrite(transport, params, attributes, save, options) {
  const { page, expectedRevision, uncertain } = save;
  const { siteId, pageId, isTombstone } = page;
  const write = preparePageWrite(
    transport,
    params,
    attributes,
    { siteId, pageId, isTombstone, expectedRevision },
    options?.token
  );
  const { revision: _ignored, ...fields } = page;
  assertItemFits(write.input, fields, options?.label ?? "page");
  const key = JSON.stringify([siteId, pageId]);
  const answer = (outcome) => {
    const deltas = [pageCountDelta(siteId, outcome.before, page, outcome.token)];
    for (const token of outcome.old ? uncertain.take(key) : []) {
      const lost = token !== outcome.token && outcome.old && outcomeOfStoredSave(outcome.old, attributes, token);
      if (lost) {
        deltas.unshift(pageCountDelta(siteId, lost.before, { isTombstone: endsTombstoned(token) }, token));
      }
    }
    return { page: { ...page, revision: outcome.revision }, deltas };
  };
  return {
    pageId,
    input: write.input,
    async send() {
      let outcome;
      try {
        outcome = await write.send();
      } catch (error) {
        if (isRetryable(error) && !isThrottling(error)) uncertain.note(key, write.token);
        throw error;
      }
      return answer(outcome);
    },
    completed: (old) => answer(outcomeOfApplied(old, attributes, write.token))
  };
}
async function readBack(transport, input, attributes) {
  const wanted = [
    attributes.writeToken,
    ...attributes.earlierTokens,
    attributes.revision,
    attributes.priorFirstSeen,
    attributes.priorIsTombstone
  ];
  const output = await transport.send(
    new GetCommand({
      TableName: input.TableName,
      Key: input.Key,
      ConsistentRead: true,
      ProjectionExpression: wanted.map((_, i) => `#a${i}`).join(", "),
      ExpressionAttributeNames: Object.fromEntries(wanted.map((name, i) => [`#a${i}`, name]))
    })
  );
  return output.Item;
}
function plainAttributes(item) {
  const plain = (value) => {
    if (value === null || typeof value !== "object") return value;
    const wire = value;
    if (wire.S !== void 0) return wire.S;
    if (wire.N !== void 0) return Number(wire.N);
    if (wire.BOOL !== void 0) return wire.BOOL;
    if (wire.NULL) return null;
    return value;
  };
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, plain(value)]));
}

// src/services/plumbing/credentials.ts
var CREDENTIAL_KEYS = new Set(
  ["accessKeyId", "secretAccessKey", "sessionToken"].flatMap((key) => {
    const bare = normalizedKey(key);
    return [bare, `aws${bare}`];
  })
);
function normalizedKey(key) {
  return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}
function isCredentialKey(key) {
  return CREDENTIAL_KEYS.has(normalizedKey(key));
}
function withoutCredentials(value) {
  if (Array.isArray(value)) return value.map(withoutCredentials);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).filter(([key]) => !isCredentialKey(key)).map(([key, inner]) => [key, withoutCredentials(inner)])
    );
  }
  return value;
}
function recordWithoutCredentials(record3) {
  if (record3.table === "sites")
    return { ...record3, value: { ...record3.value, config: withoutCredentials(record3.value.config) } };
  if (record3.table === "runs")
    return {
      ...record3,
      value: { ...record3.value, configSnapshot: withoutCredentials(record3.value.configSnapshot) }
    };
  return record3;
}

// src/services/plumbing/lifecycle.ts
import {
  BatchExecuteStatementCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  TransactGetItemsCommand,
  UpdateTimeToLiveCommand
} from "@aws-sdk/client-dynamodb";

// src/services/plumbing/retry.ts
function backoffMs(attempt, baseMs = 25, capMs = 2e3) {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}
var sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function forEachConcurrent(items, concurrency, worker) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await worker(items[index], index);
    }
  });
  await Promise.all(lanes);
}
async function mapConcurrent(items, concurrency, worker) {
  const results = new Array(items.length);
  await forEachConcurrent(items, concurrency, async (item, index) => {
    try {
      results[index] = { status: "fulfilled", value: await worker(item, index) };
    } catch (reason) {
      results[index] = { status: "rejected", reason };
    }
  });
  return results;
}

// src/services/plumbing/lifecycle.ts
var HEALTH_TIMEOUT_MS = 3e3;
var ACTIVE_TIMEOUT_MS = 5 * 6e4;
async function initializeTables(transport, layout) {
  await Promise.all(
    layout.definitions.map(async (definition) => {
      try {
        await transport.send(new CreateTableCommand(definition));
      } catch (error) {
        if (awsErrorName(error) !== "ResourceInUseException") throw error;
      }
    })
  );
  await Promise.all(layout.definitions.map((d) => waitActive(transport, d.TableName)));
  const tables = layout.definitions.map((d) => d.TableName);
  let timeToLive = layout.ttlTables.length > 0 || await probeTimeToLive(transport, tables);
  for (const table2 of layout.ttlTables) {
    if (!timeToLive) break;
    timeToLive = await enableTtl(transport, table2, layout.ttlAttribute);
  }
  const transactions = await transport.isKnownAws() || await probeTransactions(transport, tables[0]);
  return { transactions, timeToLive };
}
async function waitActive(transport, table2) {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    const output = await transport.send(new DescribeTableCommand({ TableName: table2 }));
    const indexesActive = (output.Table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === void 0 || index.IndexStatus === "ACTIVE"
    );
    if (output.Table?.TableStatus === "ACTIVE" && indexesActive) return;
    if (Date.now() > deadline) throw new Error(`Table ${table2} did not become ACTIVE`);
    await sleep(Math.min(2e3, 50 * 2 ** attempt));
  }
}
async function enableTtl(transport, table2, attribute) {
  const status = await ttlStatus(transport, table2);
  if (status === UNSUPPORTED2) return false;
  if (status === "ENABLED" || status === "ENABLING") return true;
  try {
    await transport.send(
      new UpdateTimeToLiveCommand({
        TableName: table2,
        TimeToLiveSpecification: { Enabled: true, AttributeName: attribute }
      })
    );
  } catch (error) {
    if (isUnknownOperation(error)) return false;
    if (!/already enabled/i.test(error.message ?? "")) throw error;
  }
  return true;
}
var UNSUPPORTED2 = Symbol("unsupported");
async function ttlStatus(transport, table2) {
  try {
    const output = await transport.send(new DescribeTimeToLiveCommand({ TableName: table2 }));
    return output.TimeToLiveDescription?.TimeToLiveStatus;
  } catch (error) {
    if (isUnknownOperation(error)) return UNSUPPORTED2;
    throw error;
  }
}
function isUnknownOperation(error) {
  const name = awsErrorName(error);
  return name === "UnknownOperationException" || name === "UnrecognizedClientException";
}
async function answers(send) {
  try {
    await send();
    return true;
  } catch (error) {
    if (isUnknownOperation(error)) return false;
    if (isRetryable(error)) throw error;
    return true;
  }
}
function probeTransactions(transport, table2) {
  return answers(
    () => transport.send(
      new TransactGetItemsCommand({
        TransactItems: [{ Get: { TableName: table2, Key: { pk: { S: "$probe" }, sk: { S: "$probe" } } } }]
      })
    )
  );
}
function probePartiql(transport, table2) {
  return answers(
    () => transport.send(
      new BatchExecuteStatementCommand({
        Statements: [{ Statement: `SELECT * FROM "${table2}-probe-missing" WHERE "pk" = 'probe'` }]
      })
    )
  );
}
async function probeTimeToLive(transport, tables) {
  const statuses = await Promise.all(tables.map((table2) => ttlStatus(transport, table2)));
  if (statuses.includes(UNSUPPORTED2)) return false;
  if (statuses.some((s) => s === "ENABLED" || s === "ENABLING" || s === "DISABLING")) return true;
  return answers(
    () => transport.send(
      new UpdateTimeToLiveCommand({
        TableName: `${tables[0]}-probe-missing`,
        TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" }
      })
    )
  );
}
async function detectCapabilities(transport, tables) {
  if (await transport.isKnownAws()) return { transactions: true, timeToLive: true, partiql: true };
  const [transactions, timeToLive, partiql] = await Promise.all([
    probeTransactions(transport, tables[0]),
    probeTimeToLive(transport, tables),
    probePartiql(transport, tables[0])
  ]);
  return { transactions, timeToLive, partiql };
}
async function healthOf(transport, config, tables, probeTable, refused) {
  const started = Date.now();
  let endpoint = config.endpointUrl ?? `aws:${config.region}`;
  const report = {
    ok: false,
    layout: config.layout,
    endpoint,
    tables: [],
    capabilities: null,
    latencyMs: 0
  };
  try {
    if (refused) throw refused;
    endpoint = await withTimeout(transport.endpoint(), HEALTH_TIMEOUT_MS) ?? endpoint;
    report.endpoint = endpoint;
    report.tables = await Promise.all(tables.map((name) => describe(transport, name)));
    report.ok = report.tables.every((table2) => table2.exists && table2.status === "ACTIVE");
    if (report.ok)
      report.capabilities = await withTimeout(
        detectCapabilities(transport, [probeTable, ...tables.filter((t) => t !== probeTable)]),
        HEALTH_TIMEOUT_MS
      );
  } catch (error) {
    report.ok = false;
    report.error = error?.message ?? String(error);
  }
  report.latencyMs = Date.now() - started;
  return report;
}
async function describe(transport, name) {
  try {
    const output = await transport.send(new DescribeTableCommand({ TableName: name }), {
      abortSignal: AbortSignal.timeout(HEALTH_TIMEOUT_MS)
    });
    return { name, exists: true, status: output.Table?.TableStatus };
  } catch (error) {
    if (awsErrorName(error) === "ResourceNotFoundException") return { name, exists: false };
    return { name, exists: false, error: error?.message ?? String(error) };
  }
}
function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      }
    );
  });
}

// src/model/read.ts
function fromStored(schema, item, what) {
  const result = schema.safeParse(item);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  throw new StorageError(`Stored ${what} is invalid: ${issues}`, { cause: result.error });
}

// src/services/plumbing/batch.ts
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
var BATCH_SIZE = 25;
async function batchWrite(client, writes, options = {}) {
  const maxRetries = options.maxRetries ?? 10;
  const chunks2 = [];
  for (let i = 0; i < writes.length; i += BATCH_SIZE) chunks2.push(writes.slice(i, i + BATCH_SIZE));
  const results = await mapConcurrent(
    chunks2,
    options.concurrency ?? 4,
    (chunk) => writeChunk(client, chunk, maxRetries)
  );
  const unwritten = results.flatMap((result) => result.status === "fulfilled" ? result.value.unwritten : []);
  const failure = results.find((result) => result.status === "rejected");
  if (failure) throw failure.reason;
  if (unwritten.length > 0) {
    const cause = results.find((r) => r.status === "fulfilled" && r.value.lastError);
    const label = options.idLabel ?? "id";
    throw new CapacityError(
      `${unwritten.length} of ${writes.length} writes were not processed after ${maxRetries} retries; unsaved ${label}s: ${unwritten.map((w) => w.id).join(", ")}`,
      {
        unprocessed: unwritten.map((w) => w.id),
        cause: cause?.status === "fulfilled" ? cause.value.lastError : void 0
      }
    );
  }
}
async function writeChunk(client, chunk, maxRetries) {
  let pending = chunk;
  let lastError;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) {
      if (attempt > maxRetries) return { unwritten: pending, lastError };
      await sleep(backoffMs(attempt));
    }
    try {
      const output = await client.send(new BatchWriteCommand({ RequestItems: requestItems(pending) }));
      pending = unprocessedOf(pending, output.UnprocessedItems);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      lastError = error;
    }
  }
  return { unwritten: [] };
}
function requestItems(writes) {
  const byTable = {};
  for (const write of writes) {
    byTable[write.table] ??= [];
    byTable[write.table].push(
      write.item ? { PutRequest: { Item: write.item } } : { DeleteRequest: { Key: write.key } }
    );
  }
  return byTable;
}
function unprocessedOf(sent, unprocessed) {
  if (!unprocessed || Object.keys(unprocessed).length === 0) return [];
  const keyNames = new Map(sent.map((write) => [write.table, Object.keys(write.key)]));
  const left = /* @__PURE__ */ new Set();
  for (const [table2, requests] of Object.entries(unprocessed)) {
    for (const request of requests) {
      const body = request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {};
      left.add(fingerprint(table2, body, keyNames.get(table2) ?? []));
    }
  }
  return sent.filter((write) => left.has(fingerprint(write.table, write.key, Object.keys(write.key))));
}
function fingerprint(table2, value, keyNames) {
  return JSON.stringify([table2, ...keyNames.map((name) => value[name])]);
}

// src/services/plumbing/bulk-source.ts
async function forEachGroup(source, size, lanes, worker, stop = () => false) {
  const iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  let done = false;
  let failure;
  let read = 0;
  let reading = Promise.resolve();
  const nextGroup = () => {
    const turn = reading.then(async () => {
      if (done || failure || stop()) return void 0;
      const group = [];
      const index = read;
      try {
        while (group.length < size) {
          const step = await iterator.next();
          if (step.done) {
            done = true;
            break;
          }
          group.push(step.value);
          read++;
        }
      } catch (error) {
        failure = { error };
        return void 0;
      }
      return group.length > 0 ? { group, index } : void 0;
    });
    reading = turn;
    return turn;
  };
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let next = await nextGroup(); next; next = await nextGroup()) await worker(next.group, next.index);
    })
  );
  if (failure) {
    throw failure.error;
  }
}

// src/services/plumbing/listing.ts
import { createHash as createHash3 } from "node:crypto";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { z as z6 } from "zod";
var DEFAULT_PAGE_SIZE = 100;
var READ_BUDGET = 25;
function pageSize(options) {
  const limit = options?.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1e3) {
    throw new ValidationError([{ path: "limit", message: "must be an integer from 1 to 1000" }]);
  }
  return limit;
}
function encodeCursor(state, scope2) {
  const envelope = { v: CURSOR_VERSION, s: digestOf(scope2, state), k: state };
  return Buffer.from(JSON.stringify(envelope), "utf8").toString("base64url");
}
function decodeCursor(cursor, check, scope2) {
  if (cursor === null || cursor === void 0) return void 0;
  const envelope = parseEnvelope(cursor);
  if (envelope && envelope.s === digestOf(scope2, envelope.k)) {
    if (typeof check === "function") {
      if (check(envelope.k)) return envelope.k;
    } else {
      const parsed = check.safeParse(envelope.k);
      if (parsed.success) return parsed.data;
    }
  }
  throw invalidCursor();
}
var CURSOR_VERSION = 1;
var CursorEnvelopeSchema = z6.strictObject({ v: z6.literal(CURSOR_VERSION), s: z6.string(), k: z6.unknown() });
function invalidCursor(cause) {
  return new ValidationError(
    [{ path: "cursor", message: "is not a cursor returned by this listing" }],
    cause === void 0 ? void 0 : { cause }
  );
}
function digestOf(scope2, state) {
  return createHash3("sha256").update(JSON.stringify([scope2 ?? null, state ?? null])).digest("base64url").slice(0, 16);
}
function parseEnvelope(cursor) {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return void 0;
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"), (_, inner) => {
      if (typeof inner === "number" && !Number.isFinite(inner)) throw new RangeError("not a finite number");
      return inner;
    });
    const parsed = CursorEnvelopeSchema.safeParse(value);
    return parsed.success ? parsed.data : void 0;
  } catch {
    return void 0;
  }
}
async function queryPage(client, query, options) {
  const limit = pageSize(options);
  const scope2 = scopeOf(query);
  const start = decodeCursor(options?.cursor, (value) => isPositionOf(query, value), scope2);
  const page = await queryFrom(client, query, limit, start);
  return { items: page.rows.map((row) => row.item), cursor: page.next && encodeCursor(page.next, scope2) };
}
async function queryFrom(client, query, limit, start) {
  const found = [];
  const filtered = query.input.FilterExpression !== void 0;
  const itemBudget = READ_BUDGET * (limit + 1);
  let scanned = 0;
  let from = start;
  for (let request = 0; request < READ_BUDGET && scanned < itemBudget; request++) {
    const wanted = limit - found.length + 1;
    const ask = filtered ? filteredLimit(wanted, found.length, scanned, itemBudget - scanned) : wanted;
    const output = await sendQuery(client, query, ask, from, request === 0 && start);
    scanned += output.ScannedCount ?? output.Items?.length ?? 0;
    for (const raw of output.Items ?? []) {
      const item = await query.read(raw);
      if (item !== void 0) found.push({ raw, item });
    }
    if (found.length > limit) {
      return { rows: found.slice(0, limit), next: pick(found[limit - 1].raw, query.keyAttributes) };
    }
    if (!output.LastEvaluatedKey) return { rows: found, next: null };
    from = output.LastEvaluatedKey;
  }
  return { rows: found, next: from ?? null };
}
function filteredLimit(wanted, matched, scanned, left) {
  const estimate = matched === 0 ? scanned * 4 : Math.ceil(wanted * scanned / matched);
  return Math.max(1, Math.min(left, Math.max(wanted, estimate)));
}
async function sendQuery(client, query, limit, start, fromCursor) {
  try {
    return await client.send(new QueryCommand({ ...query.input, Limit: limit, ExclusiveStartKey: start }));
  } catch (error) {
    if (fromCursor && awsErrorName(error) === "ValidationException") throw invalidCursor(error);
    throw error;
  }
}
function keyConditions(input) {
  const expression = input.KeyConditionExpression ?? "";
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  const pair = (match) => [
    names[match[1]] ?? match[1],
    values[match[2]]
  ];
  return {
    equal: [...expression.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)].map(pair),
    prefix: [...expression.matchAll(/begins_with\s*\(\s*([#\w]+)\s*,\s*(:\w+)\s*\)/gi)].map(pair)
  };
}
function scopeOf(query) {
  const { input } = query;
  return [
    input.TableName,
    input.IndexName ?? null,
    input.ScanIndexForward !== false,
    input.KeyConditionExpression ?? null,
    query.keyAttributes,
    keyConditions(input)
  ];
}
var KeyValueSchema = z6.union([z6.string(), z6.number()]);
function isPositionOf(query, value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  if (entries.length === 0) return false;
  if (!entries.every(([name, v]) => query.keyAttributes.includes(name) && KeyValueSchema.safeParse(v).success))
    return false;
  const key = value;
  const { equal, prefix } = keyConditions(query.input);
  return equal.every(([name, v]) => !query.keyAttributes.includes(name) || key[name] === v) && prefix.every(
    ([name, v]) => !query.keyAttributes.includes(name) || typeof key[name] === "string" && typeof v === "string" && key[name].startsWith(v)
  );
}
async function* queryAll(client, input) {
  let start;
  do {
    const output = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    yield output.Items ?? [];
    start = output.LastEvaluatedKey;
  } while (start);
}
function pick(item, attributes) {
  const key = {};
  for (const name of attributes) if (item[name] !== void 0) key[name] = item[name];
  return key;
}
async function mergedQueryPage(client, partitions, sortKey, options) {
  const limit = pageSize(options);
  const scope2 = partitions.map(scopeOf);
  const positions = decodeCursor(
    options?.cursor,
    (value) => Array.isArray(value) && value.length === partitions.length && value.every((p, i) => p === true || p === null || isPositionOf(partitions[i], p)),
    scope2
  ) ?? partitions.map(() => null);
  const pages = await Promise.all(
    partitions.map(async (partition, index) => {
      const position = positions[index];
      if (position === true) return { rows: [], done: true };
      const page = await queryFrom(client, partition, limit, position ?? void 0);
      return { rows: page.rows, done: page.next === null };
    })
  );
  const merged = pages.flatMap((page, partition) => page.rows.slice(0, limit).map((row) => ({ ...row, partition }))).sort((a, b) => sortKey(a.raw) < sortKey(b.raw) ? -1 : sortKey(a.raw) > sortKey(b.raw) ? 1 : 0).slice(0, limit);
  const next = [...positions];
  pages.forEach((page, partition) => {
    const taken = merged.filter((row) => row.partition === partition);
    const rowsShown = Math.min(page.rows.length, limit);
    if (page.done && taken.length === rowsShown) next[partition] = true;
    else if (taken.length > 0)
      next[partition] = pick(taken[taken.length - 1].raw, partitions[partition].keyAttributes);
  });
  const finished = next.every((position) => position === true);
  return { items: merged.map((row) => row.item), cursor: finished ? null : encodeCursor(next, scope2) };
}
var ChainPositionSchema = z6.strictObject({ q: z6.number().int().nonnegative(), c: z6.string().nullable() });
async function chainedQueryPage(client, queries, options) {
  const limit = pageSize(options);
  const scope2 = queries.map(scopeOf);
  const position = decodeCursor(
    options?.cursor,
    ChainPositionSchema.refine((p) => p.q < queries.length),
    scope2
  ) ?? { q: 0, c: null };
  const items = [];
  let { q, c } = position;
  while (q < queries.length) {
    const page = await queryPage(client, queries[q], { limit: limit - items.length, cursor: c });
    items.push(...page.items);
    if (page.cursor !== null) return { items, cursor: encodeCursor({ q, c: page.cursor }, scope2) };
    q++;
    c = null;
    if (items.length === limit) {
      return { items, cursor: q < queries.length ? encodeCursor({ q, c: null }, scope2) : null };
    }
  }
  return { items, cursor: null };
}

// src/entities/format-item.ts
var ENTITY_ATTRIBUTE = "__edb_e__";
var VERSION_ATTRIBUTE = "__edb_v__";
var formatters = /* @__PURE__ */ new WeakMap();
function formatItem(entity, raw) {
  let formatter = formatters.get(entity);
  if (!formatter) {
    formatter = compile(entity);
    formatters.set(entity, formatter);
  }
  return formatter(raw);
}
function parseItem(entity, raw) {
  return entity.parse({ Items: [raw] }, { ignoreOwnership: true })?.data[0];
}
function compile(entity) {
  const { model, attributes } = entity.schema;
  const definitions = Object.entries(attributes);
  const plain = definitions.every(([, a]) => a.get === void 0 && a.watch === void 0);
  if (!plain) return (raw) => parseItem(entity, raw);
  const renames = definitions.filter(([, a]) => !a.hidden).map(([name, a]) => [a.field ?? name, name]);
  return (raw) => {
    if (raw[ENTITY_ATTRIBUTE] !== model.entity || raw[VERSION_ATTRIBUTE] !== model.version) {
      return parseItem(entity, raw);
    }
    const item = {};
    for (const [field, name] of renames) {
      const value = raw[field];
      if (value !== void 0) item[name] = value;
    }
    return item;
  };
}

// src/services/plumbing/stored.ts
function toStored(value) {
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === null || inner === void 0) continue;
    out[key] = inner instanceof Date ? inner.toISOString() : inner;
  }
  return out;
}
function nullFields(value) {
  return Object.entries(value).filter(([, inner]) => inner === null || inner === void 0).map(([key]) => key);
}
var toCamel = (key) => key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
function snakeKeys(value) {
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [snakeCase(key), inner]));
}
function camelKeys(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [toCamel(key), inner]));
}
function readOwned(entity, raw, toModel) {
  const item = formatItem(entity, raw);
  return item === void 0 ? void 0 : toModel(item);
}

// src/services/versions/bodies.ts
import { createHash as createHash4 } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
var PAYLOAD_FIELDS = [
  "markdown",
  "html",
  "plainText",
  "outlinks",
  "headingsOutline",
  "extra"
];
var ITEM_BUDGET_BYTES = 3e5;
var CHUNK_BYTES = 3e5;
function payloadOf(version) {
  const { markdown, html, plainText, outlinks, headingsOutline, extra } = version;
  return { markdown, html, plainText, outlinks, headingsOutline, extra };
}
function encodeBody(version) {
  const estimate = Buffer.byteLength(JSON.stringify(version), "utf8");
  if (estimate <= ITEM_BUDGET_BYTES) return { encoding: "inline" };
  const payloadJson = JSON.stringify(payloadOf(version));
  const metadataBytes = estimate - Buffer.byteLength(payloadJson, "utf8");
  const data = gzipSync(payloadJson);
  const digest2 = digestOf2(data);
  if (data.length + metadataBytes <= ITEM_BUDGET_BYTES) return { encoding: "gzip", data, digest: digest2 };
  const chunks2 = [];
  for (let offset = 0; offset < data.length; offset += CHUNK_BYTES)
    chunks2.push(data.subarray(offset, offset + CHUNK_BYTES));
  return { encoding: "gzip-chunked", chunks: chunks2, digest: digest2 };
}
function decodeBody(data, digest2) {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  if (digest2 !== void 0 && digestOf2(bytes) !== digest2) return void 0;
  try {
    return JSON.parse(gunzipSync(bytes).toString("utf8"));
  } catch {
    return void 0;
  }
}
function digestOf2(data) {
  return createHash4("sha256").update(data).digest("base64url").slice(0, 22);
}
function chunkNo(index) {
  return String(index).padStart(5, "0");
}

// src/services/versions/version-store.ts
var BULK_GROUP = 100;
var BULK_LANES = 4;
var VersionTable = class {
  constructor(adapter) {
    this.adapter = adapter;
  }
  async save(version) {
    await this.write(version);
    return version;
  }
  /** Chunks first, the version item last: a version item never exists without all of its body. */
  async write(version) {
    this.adapter.assertStorable([version], () => "version.versionId");
    const body = encodeBody(version);
    if (body.encoding === "gzip-chunked") {
      const chunks2 = this.adapter.chunkWrites(version, body.digest, body.chunks);
      await batchWrite(this.adapter.transport, chunks2, { idLabel: "versionId" });
    }
    await this.adapter.putVersion(version, storedFields(version, body));
  }
  /**
   * Read in groups of 100, four at once (memory: the groups, not the input); a sync iterable (a
   * parsed array) is checked whole (`assertStorable`) before any write. In each group, those whose
   * body fits in their item go in BatchWriteItem requests (retried), then split bodies one by one,
   * chunks first. When capacity runs out, nothing more is attempted and one `CapacityError` names
   * every version left unsaved exactly once, those never attempted included. Any other error stops
   * the save (no further group is started) and is thrown once the groups started have finished.
   */
  async saveBulk(versions) {
    const path = (start) => (index) => `versions.${start + index}.versionId`;
    if (!(Symbol.asyncIterator in versions)) {
      let index = 0;
      for (const version of versions) this.adapter.assertStorable([version], path(index++));
    }
    const unsaved = /* @__PURE__ */ new Set();
    let read = 0;
    let failure;
    let stopped;
    await forEachGroup(
      versions,
      BULK_GROUP,
      BULK_LANES,
      async (group, start) => {
        read += group.length;
        if (failure !== void 0) {
          for (const version of group) unsaved.add(version.versionId);
          return;
        }
        try {
          this.adapter.assertStorable(group, path(start));
          const outcome = await this.saveGroup(group);
          for (const id2 of outcome.unsaved) unsaved.add(id2);
          failure ??= outcome.failure;
        } catch (error) {
          stopped ??= { error };
        }
      },
      () => stopped !== void 0
    );
    if (stopped) throw stopped.error;
    if (failure === void 0) return read;
    const ids = [...unsaved];
    throw new CapacityError(
      `${ids.length} of ${read} versions were not saved (the retries ran out); unsaved versionIds: ${ids.join(", ")}`,
      { unprocessed: ids, cause: failure }
    );
  }
  /** One group of a bulk save: the unsaved ids when capacity ran out; other errors are thrown. */
  async saveGroup(versions) {
    const small = [];
    const split = [];
    for (const version of versions)
      (encodeBody(version).encoding === "gzip-chunked" ? split : small).push(version);
    const unsaved = [];
    let failure;
    try {
      await batchWrite(
        this.adapter.transport,
        small.map((v) => this.batchItem(v)),
        { idLabel: "versionId" }
      );
    } catch (error) {
      if (!(error instanceof CapacityError)) throw error;
      failure = error;
      unsaved.push(...error.unprocessed);
    }
    for (const version of split) {
      if (failure === void 0) {
        try {
          await this.write(version);
          continue;
        } catch (error) {
          if (!(error instanceof CapacityError || isRetryable(error))) throw error;
          failure = error;
        }
      }
      unsaved.push(version.versionId);
    }
    return failure === void 0 ? { unsaved } : { unsaved, failure };
  }
  async get(pageId, versionId) {
    const item = await this.adapter.getStored(pageId, versionId);
    return item ? await this.complete(item) ?? null : null;
  }
  /**
   * The version the page names. When the layout reads the page with its newest version in one
   * Query, that Query (and a GetItem when the page names an older version); otherwise, or when
   * pages of several sites share the id (never with `pageIdFor` ids), the newest version's site
   * names the page.
   */
  async current(pageId) {
    if (this.adapter.pageAndNewest) {
      const joined = await this.adapter.pageAndNewest(pageId, 2);
      if (joined.pages.length === 0) return null;
      if (joined.pages.length === 1)
        return this.namedVersion(pageId, joined.pages[0].currentVersionId, joined.versions[0]);
    }
    const { items } = await this.query(pageId, (item) => item, { limit: 1 });
    const newest = items[0];
    if (!newest) return null;
    const page = await this.adapter.pageOf(String(newest.siteId), pageId);
    return this.namedVersion(pageId, page?.currentVersionId, newest);
  }
  /** `newest` when it is the named version, so the common case costs no further read. */
  async namedVersion(pageId, named, newest) {
    if (typeof named !== "string" || named === "") return null;
    if (newest?.versionId === named) return await this.complete(newest) ?? null;
    return this.get(pageId, named);
  }
  list(pageId, options) {
    return this.query(pageId, (item) => this.complete(item), options);
  }
  query(pageId, read, options) {
    const query = this.adapter.newestFirst(pageId);
    return queryPage(
      this.adapter.transport,
      {
        ...query,
        read: (raw) => {
          const item = query.read(raw);
          return item ? read(item) : void 0;
        }
      },
      options
    );
  }
  /** One Query when the layout keeps both in one partition, else two requests in parallel. */
  async pageWithVersions(siteId, pageId, limit) {
    if (!this.adapter.pageAndNewest) {
      const [page2, versions2] = await Promise.all([
        this.adapter.pageOf(siteId, pageId),
        this.list(pageId, { limit })
      ]);
      return { page: page2, versions: versions2.items };
    }
    const size = pageSize({ limit });
    const joined = await this.adapter.pageAndNewest(pageId, size + 2);
    const versions = [];
    for (const item of joined.versions) {
      const version = await this.complete(item);
      if (version) versions.push(version);
    }
    const page = joined.pages.find((candidate) => candidate.siteId === siteId);
    return { page: page ? fromStored(PageSchema, page, "page") : null, versions: versions.slice(0, size) };
  }
  /** The model of a stored version, its body put back together; `undefined` when incomplete. */
  complete(item) {
    return assembleVersion(item, (digest2) => this.adapter.readChunks(item, digest2));
  }
  /** The PutItem params of a version whose body fits in its item (inline or gzip). */
  itemParams(version) {
    return this.adapter.versionParams(version, storedFields(version, encodeBody(version)));
  }
  batchItem(version) {
    return this.adapter.versionWrite(version, this.itemParams(version).Item);
  }
};
function storedFields(version, body) {
  const stored = toStored(version);
  if (body.encoding !== "inline") for (const field of PAYLOAD_FIELDS) delete stored[field];
  return {
    ...stored,
    bodyEncoding: body.encoding,
    ...body.encoding === "gzip" ? { bodyData: body.data, bodyDigest: body.digest } : {},
    ...body.encoding === "gzip-chunked" ? { bodyChunks: body.chunks.length, bodyDigest: body.digest } : {}
  };
}
async function assembleVersion(item, readChunks) {
  const { bodyEncoding, bodyData, bodyChunks, bodyDigest, ...fields } = item;
  if (bodyEncoding === "gzip") {
    if (!(bodyData instanceof Uint8Array)) return void 0;
    const payload = decodeBody(bodyData, bodyDigest);
    return payload && fromStored(PageVersionSchema, { ...fields, ...payload }, "version");
  }
  if (bodyEncoding === "gzip-chunked") {
    if (typeof bodyDigest !== "string") return void 0;
    const chunks2 = completeChunks(await readChunks(bodyDigest), bodyChunks);
    const payload = chunks2 && decodeBody(chunks2, bodyDigest);
    return payload && fromStored(PageVersionSchema, { ...fields, ...payload }, "version");
  }
  return fromStored(PageVersionSchema, fields, "version");
}
function completeChunks(chunks2, count2) {
  if (!Number.isInteger(count2) || chunks2.length !== count2) return void 0;
  const ordered = [...chunks2].sort((a, b) => a.no < b.no ? -1 : a.no > b.no ? 1 : 0);
  const parts = [];
  for (const [index, chunk] of ordered.entries()) {
    if (chunk.no !== chunkNo(index) || !(chunk.data instanceof Uint8Array)) return void 0;
    parts.push(chunk.data);
  }
  return parts;
}
function assertSamePage(page, version) {
  const issues = [];
  if (page.pageId !== version.pageId)
    issues.push({ path: "version.pageId", message: "must equal page.pageId" });
  if (page.siteId !== version.siteId)
    issues.push({ path: "version.siteId", message: "must equal page.siteId" });
  if (issues.length > 0) throw new ValidationError(issues);
}

// src/services/backend.ts
var PagesSchema = PageSchema.array();
var VersionsSchema = PageVersionSchema.array();
var FrontierItemsSchema = FrontierItemSchema.array();
var LayoutBackend = class {
  constructor(layout) {
    this.layout = layout;
  }
  /** The transport every request goes through (metrics, listeners). */
  get transport() {
    return this.layout.transport;
  }
  saveSite = (site, options) => call("saveSite", options, () => {
    const parsed = validate(SiteSchema, site, "site");
    parsed.config = withoutCredentials(parsed.config);
    return () => this.layout.sites.save(parsed);
  });
  getSite = (siteId, options) => call("getSite", options, () => {
    const site = id(siteId, "siteId");
    return () => this.layout.sites.get(site);
  });
  listSites = (options) => call("listSites", options, () => (parsed) => this.layout.sites.list(parsed), ListOptionsSchema);
  deleteSite = (siteId, options) => call("deleteSite", options, () => {
    const site = id(siteId, "siteId");
    return () => this.layout.deleteSite(site);
  });
  getSiteWithRuns = (siteId, options) => call(
    "getSiteWithRuns",
    options,
    () => {
      const site = id(siteId, "siteId");
      return (parsed) => this.layout.sites.withRuns(site, parsed.limit ?? 10);
    },
    WithRunsOptionsSchema
  );
  saveRun = (run, options) => call("saveRun", options, () => {
    const parsed = validate(CrawlRunSchema, run, "run");
    parsed.configSnapshot = withoutCredentials(parsed.configSnapshot);
    return () => this.layout.runs.save(parsed);
  });
  getRun = (runId, options) => call("getRun", options, () => {
    const run = id(runId, "runId");
    return () => this.layout.runs.get(run);
  });
  listRuns = (siteId, options) => call(
    "listRuns",
    options,
    () => {
      const key = id(siteId, "siteId");
      return (parsed) => this.layout.runs.list(key, parsed);
    },
    ListOptionsSchema
  );
  getLatestRun = (siteId, options) => call("getLatestRun", options, () => {
    const site = id(siteId, "siteId");
    return () => this.layout.runs.latest(site);
  });
  savePage = (page, options) => call(
    "savePage",
    options,
    () => {
      const parsed = validate(PageSchema, page, "page");
      return (opts) => this.layout.pages.save(parsed, opts.expectedRevision);
    },
    SaveOptionsSchema
  );
  getPage = (siteId, pageId, options) => call("getPage", options, () => {
    const site = id(siteId, "siteId");
    const page = id(pageId, "pageId");
    return () => this.layout.pages.get(site, page);
  });
  getPageByUrl = (siteId, url, options) => call("getPageByUrl", options, () => {
    const site = id(siteId, "siteId");
    const exactUrl = validate(PageSchema.shape.url, url, "url");
    return () => this.layout.pages.byUrl(site, exactUrl);
  });
  listPages = (siteId, options) => call(
    "listPages",
    options,
    () => {
      const key = id(siteId, "siteId");
      return (parsed) => this.layout.pages.list(key, parsed);
    },
    ListPagesOptionsSchema
  );
  getPagesNeedingRecrawl = (siteId, options) => call(
    "getPagesNeedingRecrawl",
    options,
    () => {
      const key = id(siteId, "siteId");
      return (parsed) => this.layout.pages.needingRecrawl(key, parsed);
    },
    RecrawlOptionsSchema
  );
  countPages = (siteId, options) => call(
    "countPages",
    options,
    () => {
      const site = id(siteId, "siteId");
      return (parsed) => this.layout.pages.count(site, parsed.includeTombstones ?? false);
    },
    CountPagesOptionsSchema
  );
  savePagesBulk = (pages, options) => call("savePagesBulk", options, () => {
    const parsed = bulkInput(PageSchema, PagesSchema, pages, "pages");
    return () => this.layout.pages.saveBulk(parsed);
  });
  saveVersion = (version, options) => call("saveVersion", options, () => {
    const parsed = validate(PageVersionSchema, version, "version");
    return () => this.layout.versions.save(parsed);
  });
  getVersion = (pageId, versionId, options) => call("getVersion", options, () => {
    const page = id(pageId, "pageId");
    const version = id(versionId, "versionId");
    return () => this.layout.versions.get(page, version);
  });
  getCurrentVersion = (pageId, options) => call("getCurrentVersion", options, () => {
    const page = id(pageId, "pageId");
    return () => this.layout.versions.current(page);
  });
  listVersions = (pageId, options) => call(
    "listVersions",
    options,
    () => {
      const key = id(pageId, "pageId");
      return (parsed) => this.layout.versions.list(key, parsed);
    },
    ListOptionsSchema
  );
  saveVersionsBulk = (versions, options) => call("saveVersionsBulk", options, () => {
    const parsed = bulkInput(PageVersionSchema, VersionsSchema, versions, "versions");
    return () => this.layout.versions.saveBulk(parsed);
  });
  getPageWithVersions = (siteId, pageId, options) => call(
    "getPageWithVersions",
    options,
    () => {
      const site = id(siteId, "siteId");
      const page = id(pageId, "pageId");
      return (parsed) => this.layout.versions.pageWithVersions(site, page, parsed.limit ?? 10);
    },
    WithVersionsOptionsSchema
  );
  /**
   * The version first (its chunks before it), then the page pointing at it; the page write is
   * built and checked (item size) before the version is written. With `expectedRevision`, the page
   * write's token is derived from the call (page, version, expectedRevision), so calling again
   * after a failure that came after the page write is recognised as the same commit and completes
   * it, answering what the first call would have.
   */
  commitVersion = (page, version, options) => call(
    "commitVersion",
    options,
    () => {
      const parsedVersion = validate(PageVersionSchema, version, "version");
      const parsedPage = validate(
        PageSchema,
        { ...page, currentVersionId: parsedVersion.versionId },
        "page"
      );
      assertSamePage(parsedPage, parsedVersion);
      return async ({ expectedRevision }) => {
        const { revision: _ignored, ...fields } = parsedPage;
        const pageWrite = this.layout.pages.prepareWrite(parsedPage, expectedRevision, {
          ...expectedRevision === void 0 ? {} : { token: tokenFor(["commitVersion", fields, expectedRevision]) }
        });
        await this.layout.versions.write(parsedVersion);
        const { page: saved, deltas } = await pageWrite.send();
        await this.layout.pages.applyCounts(deltas);
        return { page: saved, version: parsedVersion };
      };
    },
    SaveOptionsSchema
  );
  saveFrontierItem = (item, options) => call("saveFrontierItem", options, () => {
    const parsed = validate(FrontierItemSchema, item, "item");
    return () => this.layout.frontier.save(parsed);
  });
  enqueueFrontierItems = (items, options) => call("enqueueFrontierItems", options, () => {
    const parsed = validate(FrontierItemsSchema, items, "items");
    return () => this.layout.frontier.enqueue(parsed);
  });
  getFrontierItems = (runId, options) => call(
    "getFrontierItems",
    options,
    () => {
      const key = id(runId, "runId");
      return (parsed) => this.layout.frontier.list(key, parsed);
    },
    FrontierListOptionsSchema
  );
  claimFrontierItems = (runId, options) => call(
    "claimFrontierItems",
    options,
    () => {
      const run = id(runId, "runId");
      return (claim) => this.layout.frontier.claim(run, claim);
    },
    ClaimOptionsSchema,
    true
  );
  updateFrontierStatus = (runId, itemId, status, options) => call(
    "updateFrontierStatus",
    options,
    () => {
      const run = id(runId, "runId");
      const item = id(itemId, "itemId");
      const next = validate(FrontierStatusSchema, status, "status");
      return (parsed) => this.layout.frontier.updateStatus(run, item, next, parsed);
    },
    StatusUpdateOptionsSchema
  );
  clearFrontier = (runId, options) => call("clearFrontier", options, () => {
    const run = id(runId, "runId");
    return () => this.layout.frontier.clear(run);
  });
  initialize = (options) => call("initialize", options, () => async () => {
    await initializeTables(this.layout.transport, this.layout.tables);
  });
  healthReport = async (options) => {
    const names = this.layout.tables.definitions.map((d) => d.TableName);
    const parsed = CallOptionsSchema.safeParse(options ?? {});
    const refused = parsed.success ? void 0 : refusal(() => validate(CallOptionsSchema, options));
    const signal = parsed.success ? parsed.data.signal : void 0;
    const aborted = signal?.aborted ? new AbortError("healthReport: aborted", { cause: signal.reason }) : void 0;
    return withSignal(
      signal,
      () => healthOf(this.layout.transport, this.layout.config, names, names[0], refused ?? aborted)
    );
  };
  healthCheck = async (options) => (await this.healthReport(options)).ok;
  close = () => this.layout.transport.close();
  metrics = () => this.layout.transport.metrics.snapshot();
};
function refusal(parse) {
  try {
    parse();
    return void 0;
  } catch (error) {
    return error;
  }
}
function bulkInput(schema, arraySchema, input, label) {
  if (Array.isArray(input)) {
    return {
      *[Symbol.iterator]() {
        for (const item of input) {
          const parsed = schema.safeParse(item);
          if (!parsed.success) validate(arraySchema, input, label);
          yield parsed.data;
        }
      }
    };
  }
  if (input !== null && typeof input === "object" && Symbol.asyncIterator in input) {
    const source = input;
    return {
      async *[Symbol.asyncIterator]() {
        let index = 0;
        for await (const item of source) yield validate(schema, item, `${label}.${index++}`);
      }
    };
  }
  throw new ValidationError([{ path: label, message: "must be an array or an AsyncIterable" }]);
}
function id(value, label) {
  return validate(IdSchema, value, label);
}
async function call(operation, options, prepare, schema = CallOptionsSchema, required = false) {
  let signal;
  try {
    const parsed = validate(schema, required ? options : options ?? {});
    const work = prepare();
    signal = parsed.signal;
    if (signal?.aborted) throw abortReason(signal);
    return await withSignal(signal, () => work(parsed));
  } catch (error) {
    throw translated(error, operation, signal ?? currentSignal());
  }
}
function translated(error, operation, signal) {
  if (error instanceof AbortError) return error;
  if (signal?.aborted || error?.name === "AbortError") {
    return new AbortError(`${operation}: aborted`, { cause: error });
  }
  return toStorageError(error, operation);
}

// src/engine/transport.ts
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";

// src/engine/embedded.ts
async function startEmbeddedEngine(options = {}) {
  const { default: dynalite } = await import("dynalite");
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address();
  let stopped;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop() {
      stopped ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      return stopped;
    }
  };
}
function parseEmbeddedEndpoint(endpointUrl) {
  if (endpointUrl === "embedded") return {};
  if (endpointUrl?.startsWith("embedded:")) return { path: endpointUrl.slice("embedded:".length) };
  return null;
}
function isLoopback(endpoint) {
  try {
    const host = new URL(endpoint).hostname;
    return host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
  } catch {
    return false;
  }
}

// src/engine/metrics.ts
var READ_OPERATIONS = /* @__PURE__ */ new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);
var MetricsRecorder = class {
  totals = emptyMetrics();
  record(operation, consumed) {
    let read = 0;
    let write = 0;
    for (const c of consumed) {
      if (c.ReadCapacityUnits !== void 0 || c.WriteCapacityUnits !== void 0) {
        read += c.ReadCapacityUnits ?? 0;
        write += c.WriteCapacityUnits ?? 0;
      } else if (READ_OPERATIONS.has(operation)) {
        read += c.CapacityUnits ?? 0;
      } else {
        write += c.CapacityUnits ?? 0;
      }
    }
    const op = this.totals.byOperation[operation] ?? {
      requests: 0,
      readCapacityUnits: 0,
      writeCapacityUnits: 0
    };
    op.requests += 1;
    op.readCapacityUnits += read;
    op.writeCapacityUnits += write;
    this.totals.byOperation[operation] = op;
    this.totals.requests += 1;
    this.totals.readCapacityUnits += read;
    this.totals.writeCapacityUnits += write;
  }
  snapshot() {
    return structuredClone(this.totals);
  }
  reset() {
    this.totals = emptyMetrics();
  }
};
function emptyMetrics() {
  return { requests: 0, readCapacityUnits: 0, writeCapacityUnits: 0, byOperation: {} };
}

// src/engine/transport.ts
var CAPACITY_OPERATIONS = /* @__PURE__ */ new Set([
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Query",
  "Scan",
  "BatchGetItem",
  "BatchWriteItem",
  "TransactWriteItems",
  "TransactGetItems"
]);
var DOCUMENT_COMMANDS = {
  Get: "GetItem",
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  BatchGet: "BatchGetItem",
  BatchWrite: "BatchWriteItem",
  TransactWrite: "TransactWriteItems",
  TransactGet: "TransactGetItems"
};
function operationName(command) {
  const raw = command?.constructor?.name ?? "Unknown";
  const base = raw.replace(/Command$/, "");
  return DOCUMENT_COMMANDS[base] ?? base;
}
function either(a, b) {
  return a && b ? AbortSignal.any([a, b]) : a ?? b;
}
var Transport = class {
  constructor(config) {
    this.config = config;
  }
  metrics = new MetricsRecorder();
  listeners = /* @__PURE__ */ new Set();
  clientPromise;
  engine;
  ownsClient = false;
  closed = false;
  /** Whether the engine is an in-process dynalite. */
  get isEmbedded() {
    return parseEmbeddedEndpoint(this.config.endpointUrl) !== null;
  }
  /** The HTTP endpoint in use (embedded engines report their loopback address once started). */
  async endpoint() {
    await this.client();
    return this.engine?.endpoint ?? this.config.endpointUrl;
  }
  /**
   * Whether requests go to AWS itself: the backend's own client with no endpoint. A `client` given
   * in the config may go anywhere (a wrapper has no endpoint to judge by), so it never counts.
   */
  async isKnownAws() {
    return this.config.client === void 0 && await this.endpoint() === void 0;
  }
  onRequest(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /**
   * Sends `command`, under the signal of the call in progress (or `options.abortSignal`): an
   * aborted signal rejects with its `AbortError` and sends nothing; one aborted in flight cancels
   * the request.
   */
  async send(command, options) {
    const signal = either(options?.abortSignal, currentSignal());
    if (signal?.aborted) throw abortReason(signal);
    const client = await this.client();
    if (signal?.aborted) throw abortReason(signal);
    const operation = operationName(command);
    const input = command.input;
    if (input && CAPACITY_OPERATIONS.has(operation) && input.ReturnConsumedCapacity === void 0) {
      input.ReturnConsumedCapacity = "TOTAL";
    }
    for (const listener of this.listeners) listener(operation, input ?? {});
    let output;
    try {
      output = await client.send(
        command,
        signal === void 0 ? options : { ...options, abortSignal: signal }
      );
    } catch (error) {
      this.metrics.record(operation, []);
      throw error;
    }
    const consumed = output?.ConsumedCapacity;
    this.metrics.record(
      operation,
      consumed === void 0 ? [] : Array.isArray(consumed) ? consumed : [consumed]
    );
    return output;
  }
  client() {
    if (this.closed) return Promise.reject(new Error("The storage backend is closed"));
    this.clientPromise ??= this.createClient();
    return this.clientPromise;
  }
  async createClient() {
    if (this.config.client) return this.config.client;
    const embedded = parseEmbeddedEndpoint(this.config.endpointUrl);
    let endpoint = this.config.endpointUrl;
    if (embedded) {
      this.engine = await startEmbeddedEngine(embedded);
      endpoint = this.engine.endpoint;
    }
    this.ownsClient = true;
    return new DynamoDBClient({
      region: this.config.region,
      endpoint,
      maxAttempts: this.config.maxAttempts,
      // Local engines accept any key; one fixed key keeps DynamoDB Local on one database.
      credentials: endpoint && isLoopback(endpoint) ? { accessKeyId: "ragcrawl", secretAccessKey: "local" } : void 0,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 3e3, requestTimeout: 6e4 })
    });
  }
  async close() {
    if (this.closed) return;
    this.closed = true;
    const pending = this.clientPromise;
    this.clientPromise = void 0;
    if (pending) {
      const client = await pending.catch(() => void 0);
      if (this.ownsClient) client?.destroy?.();
    }
    await this.engine?.stop();
    this.engine = void 0;
  }
};

// src/services/frontier/multi-table.ts
import { GetCommand as GetCommand2, QueryCommand as QueryCommand2 } from "@aws-sdk/lib-dynamodb";
import { z as z7 } from "zod";

// src/services/frontier/frontier-store.ts
var TERMINAL_STATUSES = ["completed", "failed", "skipped"];
var ALL_STATUSES = FrontierStatusSchema.options;
function newTakeAttempt(claim) {
  const now = Date.now();
  return {
    workerId: claim.workerId,
    token: newWriteToken(),
    startedAt: new Date(now).toISOString(),
    leaseExpiresAt: new Date(now + claim.leaseSeconds * 1e3).toISOString()
  };
}
function takenState(attempt) {
  return {
    status: "in_progress",
    workerId: attempt.workerId,
    leaseExpiresAt: attempt.leaseExpiresAt,
    startedAt: attempt.startedAt,
    writeToken: attempt.token
  };
}
function isClaimable(item, now = Date.now()) {
  if (item.status === "pending") return true;
  if (item.status !== "in_progress") return false;
  return item.leaseExpiresAt === null || item.leaseExpiresAt.getTime() < now;
}
async function* candidatesOf(pages, read, leaseAttribute) {
  for await (const raws of pages) {
    const now = Date.now();
    const found = [];
    for (const raw of raws) {
      const item = read(raw);
      if (!item || !isClaimable(item, now)) continue;
      const lease = raw[leaseAttribute];
      found.push({ item, storedLease: typeof lease === "string" ? lease : void 0 });
    }
    yield found;
  }
}
function expiryOf(status, now, ttlDays) {
  if (ttlDays === null || !TERMINAL_STATUSES.includes(status)) return void 0;
  return Math.floor(now.getTime() / 1e3 + ttlDays * 86400);
}
function isExpired(ttl, now = Date.now()) {
  return typeof ttl === "number" && ttl * 1e3 <= now;
}
function compareQueueOrder(a, b) {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const byTime = a.discoveredAt.getTime() - b.discoveredAt.getTime();
  if (byTime !== 0) return byTime;
  return a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0;
}
function splitDuplicates(items) {
  const seen = /* @__PURE__ */ new Set();
  const unique = items.filter((item) => {
    const key = JSON.stringify([item.runId, item.itemId]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { unique, repeats: items.length - unique.length };
}
function statusChange(next, now, ttlDays, error) {
  const ttl = expiryOf(next, now, ttlDays);
  const remove = [];
  if (ttl === void 0) remove.push("ttl");
  if (next !== "in_progress") remove.push("leaseExpiresAt");
  if (next === "pending") remove.push("workerId");
  return {
    set: {
      status: next,
      ...TERMINAL_STATUSES.includes(next) ? { completedAt: now.toISOString() } : {},
      ...error !== void 0 ? { lastError: error } : {},
      ...ttl !== void 0 ? { ttl } : {}
    },
    remove,
    countsRetry: next === "failed"
  };
}
var ENQUEUE_CONCURRENCY = 16;
async function enqueueEach(items, create, isConditionFailure2) {
  const { unique, repeats } = splitDuplicates(items);
  const results = await mapConcurrent(unique, ENQUEUE_CONCURRENCY, async (item) => {
    try {
      const writeToken = newWriteToken();
      await create(item, {
        writeToken,
        condition: (attr, op) => `(${op.notExists(attr.itemId)} OR ${op.eq(attr.writeToken, writeToken)})`
      });
      return true;
    } catch (error) {
      if (isConditionFailure2(error)) return false;
      throw error;
    }
  });
  const failure = results.find((r) => r.status === "rejected");
  if (failure) throw failure.reason;
  const added = results.filter((r) => r.status === "fulfilled" && r.value).length;
  return { added, duplicates: repeats + unique.length - added };
}
function takeCondition({ item, storedLease }, attempt) {
  return (attr, op) => {
    const lease = storedLease === void 0 ? op.notExists(attr.leaseExpiresAt) : op.eq(attr.leaseExpiresAt, storedLease);
    const seen = item.status === "pending" ? op.eq(attr.status, "pending") : `${op.eq(attr.status, "in_progress")} AND ${lease}`;
    return `((${seen}) OR (${heldBy(attempt, attr, op)}))`;
  };
}
function releaseCondition(attempt) {
  return (attr, op) => `(${heldBy(attempt, attr, op)})`;
}
function heldBy(attempt, attr, op) {
  return `${op.eq(attr.status, "in_progress")} AND ${op.eq(attr.writeToken, attempt.token)}`;
}
async function takeInOrder(passes, want, claim, taker) {
  const claimed = [];
  let fault;
  try {
    claiming: for (const pass of passes) {
      for await (const page of pass) {
        let candidates = page;
        while (candidates.length > 0 && claimed.length < want) {
          const batch = candidates.slice(0, want - claimed.length);
          candidates = candidates.slice(batch.length);
          for (const outcome of await Promise.all(batch.map((c) => takeOne(c, claim, taker)))) {
            if (outcome.item) claimed.push(outcome.item);
            if (outcome.fault) fault ??= outcome.fault;
          }
          if (fault) break claiming;
        }
        if (claimed.length >= want) break claiming;
      }
    }
  } catch (error) {
    fault ??= { error };
  }
  if (fault && claimed.length === 0) throw fault.error;
  return claimed;
}
async function takeOne(candidate, claim, taker) {
  const attempt = newTakeAttempt(claim);
  try {
    return { item: await taker.take(candidate, attempt) };
  } catch (error) {
    return { item: await settleUnanswered(candidate, attempt, taker), fault: { error } };
  }
}
async function settleUnanswered(candidate, attempt, taker) {
  try {
    return await taker.landed(candidate, attempt);
  } catch {
    await taker.release(candidate, attempt).catch(() => void 0);
    return null;
  }
}
function alreadyApplied(stored, storedToken, update) {
  if (storedToken === update.token) return true;
  return update.owner !== void 0 && stored.status === update.next && stored.workerId === update.owner && (update.error === void 0 || stored.lastError === update.error);
}
function statusUpdateFailure(stored, runId, itemId, owner, cause) {
  if (!stored || isExpired(stored.ttl)) {
    return new NotFoundError(
      `Frontier item ${JSON.stringify(itemId)} of run ${JSON.stringify(runId)} not found`,
      { cause }
    );
  }
  return new ConflictError(
    `Frontier item ${JSON.stringify(itemId)} is not leased to worker ${JSON.stringify(owner)}`,
    {
      cause
    }
  );
}
function statusCondition(token, owner) {
  return (attr, op) => {
    const fresh = `(${op.notExists(attr.writeToken)} OR ${op.ne(attr.writeToken, token)})`;
    if (owner === void 0) return fresh;
    return `(${op.eq(attr.workerId, owner)} AND ${op.eq(attr.status, "in_progress")} AND ${fresh})`;
  };
}
var FrontierTable = class {
  constructor(adapter, transport, ttlDays) {
    this.adapter = adapter;
    this.transport = transport;
    this.ttlDays = ttlDays;
  }
  async save(item) {
    await this.adapter.put(this.attributes(item));
    return item;
  }
  async enqueue(items) {
    return enqueueEach(
      items,
      (item, guard) => this.adapter.put(this.attributes(item), guard),
      isConditionFailure
    );
  }
  list(runId, options) {
    return this.adapter.list(runId, options, (raw) => this.read(raw));
  }
  /** Claims in the adapter's pass order (pending items before expired leases); returns them in queue order. */
  async claim(runId, claim) {
    const passes = this.adapter.claimQueries(runId, claim).map((pages) => candidatesOf(pages, (raw) => this.read(raw), this.adapter.stored.lease));
    const claimed = await takeInOrder(passes, claim.limit, claim, this.taker);
    return claimed.sort(compareQueueOrder);
  }
  async updateStatus(runId, itemId, next, request) {
    const { workerId: owner, error } = request;
    const change = statusChange(next, /* @__PURE__ */ new Date(), this.ttlDays, error);
    const key = this.adapter.key(runId, itemId);
    const sent = { token: newWriteToken(), next, owner, error };
    try {
      const data = await this.adapter.write(
        "patch",
        key,
        {
          set: { ...change.set, writeToken: sent.token },
          remove: change.remove,
          ...change.countsRetry ? { add: { retryCount: 1 } } : {}
        },
        statusCondition(sent.token, owner),
        "all_new"
      );
      return fromStored(FrontierItemSchema, data, "frontier item");
    } catch (cause) {
      if (!isConditionFailure(cause)) throw cause;
      const raw = await this.adapter.getConsistent(key);
      const stored = raw && this.read(raw);
      if (stored && alreadyApplied(stored, raw[this.adapter.stored.writeToken], sent)) return stored;
      throw statusUpdateFailure(stored ?? null, runId, itemId, owner, cause);
    }
  }
  async clear(runId) {
    let deleted = 0;
    for await (const deletes of this.adapter.deletesOfRun(runId)) {
      await batchWrite(this.transport, deletes);
      deleted += deletes.length;
    }
    return deleted;
  }
  /** The stored attributes of an item; `ttl` as given, else derived from its status. */
  attributes(item, ttl) {
    return this.adapter.attributes(item, ttl ?? expiryOf(item.status, /* @__PURE__ */ new Date(), this.ttlDays));
  }
  taker = {
    take: async (candidate, attempt) => {
      const key = this.adapter.key(candidate.item.runId, candidate.item.itemId);
      try {
        const change = { set: takenState(attempt) };
        const data = await this.adapter.write(
          "update",
          key,
          change,
          takeCondition(candidate, attempt),
          "all_new"
        );
        return fromStored(FrontierItemSchema, data, "frontier item");
      } catch (error) {
        if (isConditionFailure(error)) return null;
        throw error;
      }
    },
    landed: async ({ item }, attempt) => {
      const raw = await this.adapter.getConsistent(this.adapter.key(item.runId, item.itemId));
      return raw?.status === "in_progress" && raw[this.adapter.stored.writeToken] === attempt.token ? this.read(raw) ?? null : null;
    },
    release: async ({ item }, attempt) => {
      const change = statusChange("pending", /* @__PURE__ */ new Date(), this.ttlDays);
      const key = this.adapter.key(item.runId, item.itemId);
      await this.adapter.write("patch", key, { set: change.set, remove: change.remove }, releaseCondition(attempt), "none").catch((error) => {
        if (!isConditionFailure(error)) throw error;
      });
    }
  };
  /** A live frontier item of a raw one; undefined when expired or not a frontier item. */
  read(raw) {
    if (isExpired(raw.ttl)) return void 0;
    const item = this.adapter.format(raw);
    return item === void 0 ? void 0 : fromStored(FrontierItemSchema, item, "frontier item");
  }
};

// src/services/frontier/multi-table.ts
var QueueCursorSchema = z7.strictObject({ p: z7.number(), d: z7.iso.datetime(), i: z7.string() });
var MultiTableFrontier = class extends FrontierTable {
  constructor(ctx) {
    super(multiTableAdapter(ctx), ctx.transport, ctx.config.frontierTtlDays);
  }
};
function storedAttributes(item, ttl) {
  return { ...toStored(item), ttl };
}
function multiTableAdapter(ctx) {
  const entity = ctx.entities.frontier;
  const table2 = ctx.names.frontier;
  return {
    key: (runId, itemId) => ({ runId, itemId }),
    attributes: storedAttributes,
    stored: { lease: "lease_expires_at", writeToken: "write_token" },
    put: async (attributes, create) => {
      const put = create ? entity.put({ ...attributes, writeToken: create.writeToken }).where(create.condition) : entity.put(attributes);
      await put.go({ ...ORIGINAL_ERRORS, response: "none" });
    },
    write: async (how, key, change, condition, response) => {
      let update = (how === "update" ? entity.update(key) : entity.patch(key)).set(change.set);
      if (change.remove) update = update.remove(change.remove);
      if (change.add) update = update.add(change.add);
      const { data } = await update.where(condition).go({ ...ORIGINAL_ERRORS, response, ignoreOwnership: true });
      return data;
    },
    getConsistent: async (key) => {
      const output = await ctx.transport.send(
        new GetCommand2({
          TableName: table2,
          Key: { run_id: key.runId, item_id: key.itemId },
          ConsistentRead: true
        })
      );
      return output.Item;
    },
    format: (raw) => formatItem(entity, raw) ?? void 0,
    list: (runId, options, read) => listByPriority(ctx, runId, options, read),
    // Lease ends are judged after reading, not in a filter: another tool's times (no milliseconds,
    // `+00:00`, other offsets) compare by the instant they name, which a string comparison does not.
    claimQueries: (runId, claim) => ["pending", "in_progress"].map(
      (status) => queryAll(ctx.transport, {
        ...byPriority(table2, runId, status),
        Limit: Math.min(100, claim.limit * 2)
      })
    ),
    deletesOfRun: async function* (runId) {
      const input = {
        TableName: table2,
        KeyConditionExpression: "#run = :run",
        ProjectionExpression: "#run, item_id",
        ExpressionAttributeNames: { "#run": "run_id" },
        ExpressionAttributeValues: { ":run": runId }
      };
      for await (const items of queryAll(ctx.transport, input)) {
        yield items.map((item) => ({
          table: table2,
          key: { run_id: item.run_id, item_id: item.item_id },
          id: String(item.item_id)
        }));
      }
    }
  };
}
async function listByPriority(ctx, run, options, read) {
  const status = options?.status;
  const limit = pageSize(options);
  const scope2 = ["frontier", run, status ?? null];
  const after = decodeCursor(options?.cursor, QueueCursorSchema, scope2);
  const found = [];
  let start;
  let boundary;
  do {
    const output = await ctx.transport.send(
      new QueryCommand2({
        ...byPriority(ctx.names.frontier, run, status, after?.p),
        Limit: limit + 1,
        ExclusiveStartKey: start
      })
    );
    for (const raw of output.Items ?? []) {
      const item = read(raw);
      if (item && (!after || compareQueueOrder(item, cursorItem(after)) > 0)) found.push(item);
    }
    start = output.LastEvaluatedKey;
    found.sort(compareQueueOrder);
    boundary = found.length >= limit ? found[limit - 1].priority : void 0;
  } while (start && (boundary === void 0 || Number(start.priority) === boundary));
  const items = found.slice(0, limit);
  const more = found.length > limit || start !== void 0;
  const last = items[items.length - 1];
  return {
    items,
    cursor: more && last ? encodeCursor({ p: last.priority, d: last.discoveredAt.toISOString(), i: last.itemId }, scope2) : null
  };
}
function byPriority(table2, run, status, atMost) {
  return {
    TableName: table2,
    IndexName: FRONTIER_INDEXES.byPriority,
    KeyConditionExpression: atMost === void 0 ? "#run = :run" : "#run = :run AND #priority <= :atMost",
    ScanIndexForward: false,
    ...status ? { FilterExpression: "#status = :status" } : {},
    ExpressionAttributeNames: {
      "#run": "run_id",
      ...atMost === void 0 ? {} : { "#priority": "priority" },
      ...status ? { "#status": "status" } : {}
    },
    ExpressionAttributeValues: {
      ":run": run,
      ...atMost === void 0 ? {} : { ":atMost": atMost },
      ...status ? { ":status": status } : {}
    }
  };
}
function cursorItem(cursor) {
  return { priority: cursor.p, discoveredAt: new Date(cursor.d), itemId: cursor.i };
}

// src/services/pages/multi-table.ts
import { createHash as createHash5 } from "node:crypto";

// src/services/pages/adapter.ts
function expectRevision(update, expectedRevision) {
  if (expectedRevision === void 0) return;
  update.where(
    (attr, op) => expectedRevision === 0 ? op.notExists(attr.revision) : op.eq(attr.revision, expectedRevision)
  );
}

// src/services/pages/bulk-save.ts
import { BatchExecuteStatementCommand as BatchExecuteStatementCommand2, BatchGetCommand } from "@aws-sdk/lib-dynamodb";

// src/services/plumbing/partiql.ts
var Unsupported = class extends Error {
};
function planStatement(input) {
  try {
    return plan(input);
  } catch (error) {
    if (error instanceof Unsupported) return void 0;
    throw error;
  }
}
function plan(input) {
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  const table2 = input.TableName;
  const key = input.Key ?? {};
  if (!table2 || Object.keys(key).length === 0) throw new Unsupported();
  const parser = (text2) => new Parser(text2, names, values);
  const clauses = updateClauses(input.UpdateExpression ?? "");
  if (clauses.has("DELETE")) throw new Unsupported();
  const sets = (clauses.get("SET") ?? []).flatMap(topLevelParts).map((action) => {
    const p = parser(action);
    const name = p.path();
    p.expect("=");
    const value = p.operand();
    p.end();
    return { name, value };
  });
  const adds = (clauses.get("ADD") ?? []).flatMap(topLevelParts).map((action) => {
    const p = parser(action);
    const name = p.path();
    const value = p.operand();
    p.end();
    if (value.kind !== "value" || typeof value.value !== "number") throw new Unsupported();
    return { name, value: value.value };
  });
  const removes = (clauses.get("REMOVE") ?? []).flatMap(topLevelParts).map((action) => {
    const p = parser(action);
    const name = p.path();
    p.end();
    return name;
  });
  let condition;
  if (input.ConditionExpression) {
    const p = parser(input.ConditionExpression);
    condition = p.condition();
    p.end();
  }
  const written = [...sets.map((s) => s.name), ...adds.map((a) => a.name), ...removes];
  if (new Set(written).size !== written.length || written.some((name) => name in key)) throw new Unsupported();
  const read = new Set(adds.map((a) => a.name));
  for (const { value } of sets) readsOf(value, read);
  if (condition) conditionReads(condition, read);
  for (const name of [...written, ...read, ...Object.keys(key)]) quoted(name);
  return {
    table: table2,
    key,
    projection: [.../* @__PURE__ */ new Set([...Object.keys(key), ...written, ...read])],
    statementFor(stored) {
      const item = stored ?? {};
      if (condition && !holds(condition, item)) return void 0;
      const assigned = [
        ...sets.map(({ name, value }) => [name, evaluate(value, item)]),
        ...adds.map(({ name, value }) => [name, numberOf(item[name]) + value])
      ];
      if (assigned.some(([, value]) => value === void 0)) return void 0;
      if (stored === void 0) {
        const fields = [...Object.entries(key), ...assigned];
        return {
          Statement: `INSERT INTO ${quoted(table2)} VALUE {${fields.map(([name]) => `${literal(name)}: ?`).join(", ")}}`,
          Parameters: fields.map(([, value]) => value),
          old: {}
        };
      }
      const pins = [...read].map((name) => [name, stored[name]]);
      const where = [...Object.entries(key), ...pins.filter(([, value]) => value !== void 0)];
      const missing = pins.filter(([, value]) => value === void 0).map(([name]) => name);
      const old = {};
      for (const name of written) if (stored[name] !== void 0) old[name] = stored[name];
      return {
        Statement: [
          `UPDATE ${quoted(table2)}`,
          ...assigned.map(([name]) => `SET ${quoted(name)} = ?`),
          ...removes.map((name) => `REMOVE ${quoted(name)}`),
          `WHERE ${[
            ...where.map(([name]) => `${quoted(name)} = ?`),
            ...missing.map((name) => `${quoted(name)} IS MISSING`)
          ].join(" AND ")}`
        ].join(" "),
        Parameters: [...assigned.map(([, value]) => value), ...where.map(([, value]) => value)],
        old
      };
    }
  };
}
function numberOf(value) {
  if (value === void 0) return 0;
  if (typeof value !== "number") throw new Unsupported();
  return value;
}
function evaluate(operand, item) {
  switch (operand.kind) {
    case "value":
      return operand.value;
    case "path":
      return item[operand.name];
    case "ifNotExists":
      return item[operand.name] !== void 0 ? item[operand.name] : evaluate(operand.fallback, item);
    case "arith": {
      const left = evaluate(operand.left, item);
      const right = evaluate(operand.right, item);
      if (typeof left !== "number" || typeof right !== "number") return void 0;
      return operand.op === "+" ? left + right : left - right;
    }
  }
}
function readsOf(operand, into) {
  if (operand.kind === "path" || operand.kind === "ifNotExists") into.add(operand.name);
  if (operand.kind === "ifNotExists") readsOf(operand.fallback, into);
  if (operand.kind === "arith") {
    readsOf(operand.left, into);
    readsOf(operand.right, into);
  }
}
function conditionReads(condition, into) {
  if (condition.kind === "and" || condition.kind === "or")
    for (const part of condition.parts) conditionReads(part, into);
  else if (condition.kind === "not") conditionReads(condition.inner, into);
  else if (condition.kind === "exists") into.add(condition.name);
  else if (condition.kind === "compare") {
    readsOf(condition.left, into);
    readsOf(condition.right, into);
  }
}
function holds(condition, item) {
  switch (condition.kind) {
    case "and":
      return condition.parts.every((part) => holds(part, item));
    case "or":
      return condition.parts.some((part) => holds(part, item));
    case "not":
      return !holds(condition.inner, item);
    case "exists":
      return item[condition.name] !== void 0 === condition.exists;
    case "compare": {
      const left = evaluate(condition.left, item);
      const right = evaluate(condition.right, item);
      if (left === void 0 || right === void 0) return false;
      if (condition.op === "=") return sameValue(left, right);
      if (condition.op === "<>") return !sameValue(left, right);
      const comparable = typeof left === "number" && typeof right === "number" || typeof left === "string" && typeof right === "string";
      if (!comparable) return false;
      const a = left;
      const b = right;
      if (condition.op === "<") return a < b;
      if (condition.op === "<=") return a <= b;
      if (condition.op === ">") return a > b;
      return a >= b;
    }
  }
}
function sameValue(a, b) {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return a === b;
  throw new Unsupported();
}
function quoted(name) {
  if (/["'\\]/.test(name) || name.length === 0) throw new Unsupported();
  return `"${name}"`;
}
function literal(name) {
  quoted(name);
  return `'${name}'`;
}
var TOKEN = /\s*(#\w+|:\w+|[A-Za-z_]\w*|<>|<=|>=|[=<>(),+\-.[\]])/y;
var Parser = class {
  constructor(text2, names, values) {
    this.names = names;
    this.values = values;
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < text2.length) {
      const start = TOKEN.lastIndex;
      const match = TOKEN.exec(text2);
      if (!match) {
        if (text2.slice(start).trim() === "") break;
        throw new Unsupported();
      }
      this.tokens.push(match[1]);
    }
  }
  tokens = [];
  at = 0;
  peek() {
    return this.tokens[this.at];
  }
  next() {
    const token = this.tokens[this.at++];
    if (token === void 0) throw new Unsupported();
    return token;
  }
  expect(token) {
    if (this.next() !== token) throw new Unsupported();
  }
  end() {
    if (this.at !== this.tokens.length) throw new Unsupported();
  }
  /** A top-level attribute (no nested paths or list elements). */
  path() {
    const token = this.next();
    const name = token.startsWith("#") ? this.names[token] : /^[A-Za-z_]\w*$/.test(token) ? token : void 0;
    if (name === void 0 || this.peek() === "." || this.peek() === "[") throw new Unsupported();
    return name;
  }
  operand() {
    let left = this.term();
    while (this.peek() === "+" || this.peek() === "-") {
      const op = this.next();
      left = { kind: "arith", op, left, right: this.term() };
    }
    return left;
  }
  term() {
    const token = this.peek();
    if (token?.startsWith(":")) {
      this.next();
      if (!(token in this.values)) throw new Unsupported();
      return { kind: "value", value: this.values[token] };
    }
    if (token?.toLowerCase() === "if_not_exists") {
      this.next();
      this.expect("(");
      const name = this.path();
      this.expect(",");
      const fallback = this.operand();
      this.expect(")");
      return { kind: "ifNotExists", name, fallback };
    }
    return { kind: "path", name: this.path() };
  }
  condition() {
    const parts = [this.conjunction()];
    while (this.peek()?.toUpperCase() === "OR") {
      this.next();
      parts.push(this.conjunction());
    }
    return parts.length === 1 ? parts[0] : { kind: "or", parts };
  }
  conjunction() {
    const parts = [this.negation()];
    while (this.peek()?.toUpperCase() === "AND") {
      this.next();
      parts.push(this.negation());
    }
    return parts.length === 1 ? parts[0] : { kind: "and", parts };
  }
  negation() {
    if (this.peek()?.toUpperCase() === "NOT") {
      this.next();
      return { kind: "not", inner: this.negation() };
    }
    if (this.peek() === "(") {
      this.next();
      const inner = this.condition();
      this.expect(")");
      return inner;
    }
    const fn = this.peek()?.toLowerCase();
    if (fn === "attribute_exists" || fn === "attribute_not_exists") {
      this.next();
      this.expect("(");
      const name = this.path();
      this.expect(")");
      return { kind: "exists", name, exists: fn === "attribute_exists" };
    }
    const left = this.operand();
    const op = this.next();
    if (!["=", "<>", "<", "<=", ">", ">="].includes(op)) throw new Unsupported();
    return { kind: "compare", op, left, right: this.operand() };
  }
};

// src/services/pages/bulk-save.ts
var GROUP_SIZE = 100;
var LANES = 4;
var PER_ITEM_CONCURRENCY = 4;
var STATEMENTS_PER_REQUEST = 25;
var KEYS_PER_READ = 100;
var MAX_RETRIES = 10;
async function saveBulkPages(source, writer) {
  const failed = [];
  let saved = 0;
  let attempted = 0;
  let aborted;
  let countFailure;
  const call2 = new BulkCallState();
  const worker = async (group, index) => {
    attempted += group.length;
    let writes;
    try {
      writes = group.map((page, i) => writer.prepare(page, index + i));
    } catch (error) {
      aborted = error;
      return;
    }
    const results = await writeGroup(writer, writes, call2);
    const deltas = [];
    results.forEach((result, i) => {
      if ("deltas" in result) {
        saved++;
        deltas.push(...result.deltas);
      } else {
        failed.push({ pageId: writes[i].pageId, reason: result.error });
        if (result.error instanceof AbortError) aborted = result.error;
      }
    });
    try {
      await writer.applyCounts(deltas);
    } catch (error) {
      countFailure ??= { error };
    }
  };
  await forEachGroup(source, GROUP_SIZE, LANES, worker, () => aborted !== void 0);
  if (aborted) throw aborted;
  const other = failed.find((f) => !isThrottling(f.reason));
  if (other) throw other.reason;
  if (countFailure) throw countFailure.error;
  if (failed.length === 0) return saved;
  const ids = failed.map((f) => f.pageId);
  throw new CapacityError(
    `${failed.length} of ${attempted} pages were not saved (throttled); unsaved pageIds: ${ids.join(", ")}`,
    { unprocessed: ids, cause: failed[0].reason }
  );
}
async function perItem(write) {
  try {
    return { deltas: (await write.send()).deltas };
  } catch (error) {
    return { error };
  }
}
async function writeGroup(writer, writes, call2) {
  const results = new Array(writes.length);
  const table2 = writes[0]?.input.TableName;
  const viaStatements = table2 !== void 0 && await writer.partiql(table2);
  const fallback = [];
  const run = async (planned) => {
    const duplicates = [];
    await forEachConcurrent(chunks(planned, STATEMENTS_PER_REQUEST), LANES, async (chunk) => {
      for (const { index, old, code } of await executeChunk(writer.transport, chunk)) {
        if (old) results[index] = { deltas: writes[index].completed(old).deltas };
        else if (code === "DuplicateItem") duplicates.push(index);
        else fallback.push(index);
      }
    });
    return duplicates;
  };
  if (viaStatements) {
    let plans = plansOf(writes, fallback);
    if (call2.insertFirst()) {
      const inserts = [];
      const conditioned = [];
      for (const entry of plans) {
        const statement = entry.plan.statementFor(void 0);
        if (statement) inserts.push({ index: entry.index, statement });
        else conditioned.push(entry);
      }
      const existing = new Set(await run(inserts));
      call2.note(existing.size, inserts.length);
      plans = [...conditioned, ...plans.filter((entry) => existing.has(entry.index))];
    }
    const planned = await readAndBuild(writer.transport, plans, fallback);
    for (const index of await run(planned)) fallback.push(index);
  } else {
    fallback.push(...writes.keys());
  }
  await forEachConcurrent(fallback, PER_ITEM_CONCURRENCY, async (index) => {
    results[index] = await perItem(writes[index]);
  });
  return results;
}
var BulkCallState = class {
  existing = 0;
  seen = 0;
  insertFirst() {
    return this.existing <= this.seen * INSERT_FIRST_BELOW;
  }
  note(existing, of) {
    this.existing += existing;
    this.seen += of;
  }
};
var INSERT_FIRST_BELOW = 0.2;
var keyOf = (table2, key) => `${table2}\0${JSON.stringify(
  Object.keys(key).sort().map((k) => key[k])
)}`;
function plansOf(writes, fallback) {
  const plans = [];
  const seen = /* @__PURE__ */ new Set();
  writes.forEach((write, index) => {
    const plan2 = planStatement(write.input);
    const key = plan2 && keyOf(plan2.table, plan2.key);
    if (!plan2 || !key || seen.has(key)) fallback.push(index);
    else {
      seen.add(key);
      plans.push({ index, plan: plan2, key });
    }
  });
  return plans;
}
async function readAndBuild(transport, plans, fallback) {
  const stored = /* @__PURE__ */ new Map();
  const unread = /* @__PURE__ */ new Set();
  for (const chunk of chunks(plans, KEYS_PER_READ)) {
    const byTable = /* @__PURE__ */ new Map();
    for (const entry of chunk)
      byTable.set(entry.plan.table, [...byTable.get(entry.plan.table) ?? [], entry]);
    for (const [table2, entries] of byTable) {
      const projection = [...new Set(entries.flatMap((e) => e.plan.projection))];
      const names = Object.fromEntries(projection.map((name, i) => [`#p${i}`, name]));
      const keyNames = Object.keys(entries[0].plan.key);
      let keys = entries.map((e) => e.plan.key);
      for (let attempt = 0; keys.length > 0 && attempt <= MAX_RETRIES; attempt++) {
        if (attempt > 0) await sleep(backoffMs(attempt));
        try {
          const output = await transport.send(
            new BatchGetCommand({
              RequestItems: {
                [table2]: {
                  Keys: keys,
                  ConsistentRead: true,
                  ProjectionExpression: Object.keys(names).join(", "),
                  ExpressionAttributeNames: names
                }
              }
            })
          );
          for (const item of output.Responses?.[table2] ?? []) {
            stored.set(keyOf(table2, Object.fromEntries(keyNames.map((name) => [name, item[name]]))), item);
          }
          keys = output.UnprocessedKeys?.[table2]?.Keys ?? [];
        } catch (error) {
          if (!isRetryable(error)) break;
        }
      }
      for (const key of keys) unread.add(keyOf(table2, key));
    }
  }
  const planned = [];
  for (const { index, plan: plan2, key } of plans) {
    const statement = unread.has(key) ? void 0 : plan2.statementFor(stored.get(key));
    if (statement) planned.push({ index, statement });
    else fallback.push(index);
  }
  return planned;
}
var THROTTLED = /* @__PURE__ */ new Set(["ProvisionedThroughputExceeded", "ThrottlingError", "RequestLimitExceeded"]);
async function executeChunk(transport, chunk) {
  const out = [];
  let pending = chunk;
  for (let attempt = 0; pending.length > 0 && attempt <= MAX_RETRIES; attempt++) {
    if (attempt > 0) await sleep(backoffMs(attempt));
    let responses;
    try {
      const output = await transport.send(
        new BatchExecuteStatementCommand2({
          Statements: pending.map(({ statement }) => ({
            Statement: statement.Statement,
            Parameters: statement.Parameters
          }))
        })
      );
      responses = output.Responses ?? [];
    } catch {
      break;
    }
    const retry = [];
    pending.forEach((entry, i) => {
      const response = responses[i];
      const code = response?.Error?.Code;
      if (response === void 0) out.push({ index: entry.index });
      else if (code === void 0) out.push({ index: entry.index, old: entry.statement.old });
      else if (THROTTLED.has(code)) retry.push(entry);
      else out.push({ index: entry.index, code });
    });
    pending = retry;
  }
  for (const entry of pending) out.push({ index: entry.index });
  return out;
}
function chunks(items, size) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// src/services/pages/page-store.ts
var Pages = class {
  constructor(adapter) {
    this.adapter = adapter;
    this.counter = new PageCounter(
      adapter.transport,
      adapter.countWriters,
      (siteId, total, live) => adapter.counterParams(siteId, total, live)
    );
  }
  /** Counter updates: one writer per backend instance, replay-safe (see `PageCounter`). */
  counter;
  /** This instance's page saves whose answer was lost (see `UncertainSaves`). */
  uncertain = new UncertainSaves();
  /** Whether the engine runs PartiQL batches, asked on the first bulk save. */
  partiql;
  /**
   * One UpdateItem that replaces the page and adds 1 to `revision`, conditional on
   * `expectedRevision`; its UPDATED_OLD values tell whether the page is new or changed liveness,
   * and only then is the counter item touched.
   */
  async save(page, expectedRevision) {
    const { page: saved, deltas } = await this.prepareWrite(page, expectedRevision).send();
    await this.applyCounts(deltas);
    return saved;
  }
  prepareWrite(page, expectedRevision, options) {
    return checkedPageWrite(
      this.adapter.transport,
      this.adapter.saveParams(page, expectedRevision),
      this.adapter.writeAttributes,
      { page, expectedRevision, uncertain: this.uncertain },
      options
    );
  }
  /** Adds the deltas to each site's counters: one UpdateItem per site that changed. */
  applyCounts(deltas) {
    return this.counter.apply(deltas);
  }
  get(siteId, pageId) {
    return this.adapter.get(siteId, pageId);
  }
  byUrl(siteId, url) {
    return this.adapter.byUrl(siteId, url);
  }
  list(siteId, options) {
    const query = this.adapter.listQuery(siteId, options?.includeTombstones === true);
    return queryPage(this.adapter.transport, query, options);
  }
  needingRecrawl(siteId, options) {
    const queries = this.adapter.recrawlQueries(siteId, cutoffOf(options));
    return queries.length === 1 ? queryPage(this.adapter.transport, queries[0], options) : chainedQueryPage(this.adapter.transport, queries, options);
  }
  async count(siteId, includeTombstones) {
    const counts = await this.adapter.readCounts(siteId);
    return (includeTombstones ? counts.total : counts.live) ?? 0;
  }
  /**
   * See `saveBulkPages`. A sync iterable (a parsed array) has every page's write built and checked
   * (item size) before any is written; an async one as it is read.
   */
  async saveBulk(pages) {
    const label = (index) => ({ label: `pages.${index}` });
    if (!(Symbol.asyncIterator in pages)) {
      let index = 0;
      for (const page of pages) {
        if (mayPassItemLimit(page)) this.prepareWrite(page, void 0, label(index));
        index++;
      }
    }
    return saveBulkPages(pages, {
      transport: this.adapter.transport,
      prepare: (page, index) => this.prepareWrite(page, void 0, label(index)),
      applyCounts: (deltas) => this.applyCounts(deltas),
      partiql: (table2) => {
        this.partiql ??= probePartiql(this.adapter.transport, table2).catch(() => {
          this.partiql = void 0;
          return false;
        });
        return this.partiql;
      }
    });
  }
};
function mayPassItemLimit(page) {
  return 2 * valueBytes(page) + ITEM_OVERHEAD_BOUND > MAX_ITEM_BYTES;
}
var ITEM_OVERHEAD_BOUND = 16 * 1024;
function cutoffOf(options) {
  if (options?.maxAgeHours === void 0) return null;
  if (!Number.isFinite(options.maxAgeHours) || options.maxAgeHours < 0) {
    throw new ValidationError([{ path: "maxAgeHours", message: "must be a non-negative number" }]);
  }
  if (options.now !== void 0 && (!(options.now instanceof Date) || Number.isNaN(options.now.getTime()))) {
    throw new ValidationError([{ path: "now", message: "must be a valid Date" }]);
  }
  const now = options.now ?? /* @__PURE__ */ new Date();
  return new Date(now.getTime() - options.maxAgeHours * 36e5);
}

// src/services/pages/multi-table.ts
var MAX_INDEX_KEY_BYTES = 2048;
var TABLE_KEYS = ["site_id", "page_id"];
var RECRAWL_KEYS = ["site_id", "page_id", "last_crawled"];
var LIVE = "(attribute_not_exists(#tomb) OR #tomb = :false)";
function urlIndexValue(url) {
  if (Buffer.byteLength(url, "utf8") <= MAX_INDEX_KEY_BYTES) return url;
  let head = Buffer.from(url, "utf8").subarray(0, 1900).toString("utf8");
  if (head.endsWith("\uFFFD")) head = head.slice(0, -1);
  return `${head}#sha256=${createHash5("sha256").update(url, "utf8").digest("hex")}`;
}
function toPage(item) {
  const { fullUrl, ...fields } = item;
  return fromStored(PageSchema, { ...fields, url: fullUrl ?? fields.url }, "page");
}
function multiTablePages(ctx) {
  const { page, site } = ctx.entities;
  const TableName = ctx.names.pages;
  const read = (raw) => {
    const item = formatItem(page, raw);
    return item && toPage(item);
  };
  const adapter = {
    transport: ctx.transport,
    writeAttributes: {
      firstSeen: "first_seen",
      isTombstone: "is_tombstone",
      revision: "revision",
      writeToken: "write_token",
      earlierTokens: earlierTokenNames("write_token", "_"),
      priorFirstSeen: "prior_first_seen",
      priorIsTombstone: "prior_is_tombstone"
    },
    countWriters: "page_count_writers",
    saveParams(saved, expectedRevision) {
      const { revision: _ignored, siteId, pageId, ...fields } = saved;
      const indexUrl = urlIndexValue(saved.url);
      const removed = nullFields(fields);
      if (indexUrl === saved.url) removed.push("fullUrl");
      const update = page.update({ siteId, pageId }).set({
        ...toStored(fields),
        url: indexUrl,
        ...indexUrl === saved.url ? {} : { fullUrl: saved.url }
      }).add({ revision: 1 });
      if (removed.length > 0) update.remove(removed);
      expectRevision(update, expectedRevision);
      return update.params();
    },
    counterParams: (siteId, total, live) => site.update({ siteId }).add({ pageCount: total, livePageCount: live }).params(),
    async readCounts(siteId) {
      const { data } = await site.get({ siteId }).go({ ...ORIGINAL_ERRORS, attributes: ["pageCount", "livePageCount"], ignoreOwnership: true });
      return { total: data?.pageCount, live: data?.livePageCount };
    },
    async get(siteId, pageId) {
      const { data } = await page.get({ siteId, pageId }).go({ ...ORIGINAL_ERRORS, ignoreOwnership: true });
      return data ? toPage(data) : null;
    },
    /**
     * `url-index` holds every site's pages of the URL, so the Query follows `LastEvaluatedKey`
     * until it meets this site's page: pages of other sites with the same URL may fill the first
     * 1 MB (one request when they do not).
     */
    async byUrl(siteId, url) {
      for await (const items of queryAll(ctx.transport, {
        TableName,
        IndexName: PAGES_INDEXES.byUrl,
        KeyConditionExpression: "#url = :url",
        FilterExpression: "#site = :site",
        ExpressionAttributeNames: { "#url": "url", "#site": "site_id" },
        ExpressionAttributeValues: { ":url": urlIndexValue(url), ":site": siteId }
      })) {
        for (const raw of items) {
          const found = read(raw);
          if (found?.url === url) return found;
        }
      }
      return null;
    },
    listQuery(siteId, includeTombstones) {
      const live = !includeTombstones;
      return {
        input: {
          TableName,
          KeyConditionExpression: "#site = :site",
          ...live ? { FilterExpression: LIVE } : {},
          ExpressionAttributeNames: { "#site": "site_id", ...live ? { "#tomb": "is_tombstone" } : {} },
          ExpressionAttributeValues: { ":site": siteId, ...live ? { ":false": false } : {} }
        },
        keyAttributes: TABLE_KEYS,
        read
      };
    },
    recrawlQueries(siteId, cutoff) {
      const neverCrawled = {
        input: {
          TableName,
          KeyConditionExpression: "#site = :site",
          FilterExpression: `attribute_not_exists(#crawled) AND ${LIVE}`,
          ExpressionAttributeNames: {
            "#site": "site_id",
            "#crawled": "last_crawled",
            "#tomb": "is_tombstone"
          },
          ExpressionAttributeValues: { ":site": siteId, ":false": false }
        },
        keyAttributes: TABLE_KEYS,
        read
      };
      const oldestFirst = {
        input: {
          TableName,
          IndexName: PAGES_INDEXES.recrawl,
          KeyConditionExpression: cutoff ? "#site = :site AND #crawled < :cutoff" : "#site = :site",
          FilterExpression: LIVE,
          ExpressionAttributeNames: {
            "#site": "site_id",
            "#tomb": "is_tombstone",
            ...cutoff ? { "#crawled": "last_crawled" } : {}
          },
          ExpressionAttributeValues: {
            ":site": siteId,
            ":false": false,
            ...cutoff ? { ":cutoff": cutoff.toISOString() } : {}
          }
        },
        keyAttributes: RECRAWL_KEYS,
        read
      };
      return [neverCrawled, oldestFirst];
    }
  };
  return new Pages(adapter);
}

// src/services/runs/multi-table.ts
var BY_SITE_KEYS = ["site_id", "run_id", "created_at"];
function multiTableRuns(ctx) {
  const run = ctx.entities.run;
  return {
    transport: ctx.transport,
    async put(value) {
      await run.put({ ...toStored(value), stats: snakeKeys(value.stats) }).go({ ...ORIGINAL_ERRORS, response: "none" });
    },
    async get(runId) {
      const { data } = await run.query.byRun({ runId }).go({ ...ORIGINAL_ERRORS, ignoreOwnership: true, pages: 1 });
      const [found] = data;
      return found ? toRun(found) : null;
    },
    bySite: (siteId) => ({
      input: run.query.bySite({ siteId }).params({ order: "desc" }),
      keyAttributes: BY_SITE_KEYS,
      read: (raw) => readOwned(run, raw, (item) => toRun(item))
    }),
    async latest(siteId) {
      const { data } = await run.query.bySite({ siteId }).go({ ...ORIGINAL_ERRORS, order: "desc", limit: 1, pages: 1, ignoreOwnership: true });
      const [latest] = data;
      return latest ? toRun(latest) : null;
    }
  };
}
function toRun(item) {
  return fromStored(CrawlRunSchema, { ...item, stats: camelKeys(item.stats) }, "run");
}

// src/services/runs/runs-store.ts
var Runs = class {
  constructor(adapter) {
    this.adapter = adapter;
  }
  async save(run) {
    await this.adapter.put(run);
    return run;
  }
  get(runId) {
    return this.adapter.get(runId);
  }
  list(siteId, options) {
    return queryPage(this.adapter.transport, this.adapter.bySite(siteId), options);
  }
  latest(siteId) {
    return this.adapter.latest(siteId);
  }
};

// src/services/site-deletion/multi-table.ts
function multiTableSiteDeletion(ctx) {
  const { names, transport } = ctx;
  return {
    transport,
    members(site) {
      const partition = (table2, hash, value, projection) => ({
        TableName: table2,
        KeyConditionExpression: "#h = :h",
        ProjectionExpression: projection,
        ExpressionAttributeNames: { "#h": hash },
        ExpressionAttributeValues: { ":h": value }
      });
      const bySite = (table2, index) => ({
        TableName: table2,
        IndexName: index,
        KeyConditionExpression: "site_id = :site",
        ExpressionAttributeValues: { ":site": site }
      });
      const pagesOfSite = () => queryAll(transport, partition(names.pages, "site_id", site, "site_id, page_id"));
      const runsOfSite = () => queryAll(transport, partition(names.runs, "site_id", site, "site_id, run_id"));
      const versions = {
        table: names.versions,
        keys: ["page_id", "version_id"],
        logical: (row) => row.chunk_of === void 0,
        rows: () => withFallback(
          queryAll(transport, bySite(names.versions, SITE_MEMBER_INDEXES.versions)),
          () => eachOf(
            pagesOfSite(),
            "page_id",
            (pageId) => queryAll(transport, {
              ...partition(names.versions, "page_id", pageId, "page_id, version_id, chunk_of"),
              FilterExpression: "site_id = :site",
              ExpressionAttributeValues: { ":h": pageId, ":site": site }
            })
          )
        )
      };
      const frontier = {
        table: names.frontier,
        keys: ["run_id", "item_id"],
        rows: () => withFallback(
          queryAll(transport, bySite(names.frontier, SITE_MEMBER_INDEXES.frontier)),
          () => eachOf(
            runsOfSite(),
            "run_id",
            (runId) => queryAll(transport, partition(names.frontier, "run_id", runId, "run_id, item_id"))
          )
        )
      };
      const pages = { table: names.pages, keys: ["site_id", "page_id"], rows: pagesOfSite };
      const runs = { table: names.runs, keys: ["site_id", "run_id"], rows: runsOfSite };
      return [versions, frontier, pages, runs];
    },
    async deleteSiteItem(siteId) {
      const { data } = await ctx.entities.site.delete({ siteId }).go({ ...ORIGINAL_ERRORS, response: "all_old", ignoreOwnership: true });
      return data?.name !== void 0;
    }
  };
}
async function* withFallback(primary, fallback) {
  let started = false;
  try {
    for await (const rows of primary) {
      started = true;
      yield rows;
    }
  } catch (error) {
    if (started || !isMissingIndex(error)) throw error;
    yield* fallback();
  }
}
async function* eachOf(parents, attribute, children) {
  for await (const rows of parents) {
    for (const row of rows) yield* children(String(row[attribute]));
  }
}
function isMissingIndex(error) {
  return awsErrorName(error) === "ValidationException" && /specified index/i.test(error.message);
}

// src/services/site-deletion/site-deletion-store.ts
async function deleteSite(adapter, siteId) {
  let items = 0;
  for (const members of adapter.members(siteId)) items += await removeAll(adapter, members);
  const deleted = await adapter.deleteSiteItem(siteId);
  return { deleted, items: items + (deleted ? 1 : 0) };
}
async function removeAll({ transport }, members) {
  let removed = 0;
  for await (const rows of members.rows()) {
    await batchWrite(
      transport,
      rows.map((row) => ({
        table: members.table,
        key: Object.fromEntries(members.keys.map((k) => [k, row[k]])),
        id: members.keys.map((k) => String(row[k])).join("/")
      }))
    );
    removed += members.logical ? rows.filter(members.logical).length : rows.length;
  }
  return removed;
}

// src/services/sites/multi-table.ts
import { ScanCommand } from "@aws-sdk/lib-dynamodb";

// src/services/sites/sites-store.ts
import { z as z8 } from "zod";
var Sites = class {
  constructor(adapter, runs) {
    this.adapter = adapter;
    this.runs = runs;
  }
  async save(site) {
    await this.adapter.put(site);
    return site;
  }
  get(siteId) {
    return this.adapter.get(siteId);
  }
  list(options) {
    return this.adapter.list(options);
  }
  async withRuns(siteId, limit) {
    if (this.adapter.withRuns) return this.adapter.withRuns(siteId, limit);
    const [site, runs] = await Promise.all([this.get(siteId), this.runs.list(siteId, { limit })]);
    return { site, runs: runs.items };
  }
};
var SiteCursorSchema = z8.strictObject({ c: z8.iso.datetime(), s: z8.string() });
var SITES_SCOPE = "sites";
var positionOf = (site) => ({ c: site.createdAt.toISOString(), s: site.siteId });
var newerFirst = (a, b) => a.c !== b.c ? a.c < b.c ? 1 : -1 : a.s < b.s ? 1 : a.s > b.s ? -1 : 0;
function pageOfAllSites(sites, options) {
  const limit = pageSize(options);
  const after = decodeCursor(options?.cursor, SiteCursorSchema, SITES_SCOPE);
  const sorted = [...sites].sort((a, b) => newerFirst(positionOf(a), positionOf(b)));
  const rest = after ? sorted.filter((s) => newerFirst(positionOf(s), after) > 0) : sorted;
  const items = rest.slice(0, limit);
  return {
    items,
    cursor: rest.length > limit ? encodeCursor(positionOf(items[items.length - 1]), SITES_SCOPE) : null
  };
}

// src/services/sites/multi-table.ts
function multiTableSites(ctx) {
  const site = ctx.entities.site;
  return {
    async put({ siteId, ...fields }) {
      const update = site.update({ siteId }).set(toStored(fields));
      const removed = nullFields(fields);
      if (removed.length > 0) update.remove(removed);
      await update.go({ ...ORIGINAL_ERRORS, response: "none" });
    },
    async get(siteId) {
      const { data } = await site.get({ siteId }).go({ ...ORIGINAL_ERRORS, ignoreOwnership: true });
      return data?.name === void 0 ? null : fromStored(SiteSchema, data, "site");
    },
    list: async (options) => pageOfAllSites(await scanSites(ctx), options)
  };
}
async function scanSites(ctx) {
  const sites = [];
  let start;
  do {
    const output = await ctx.transport.send(
      new ScanCommand({ TableName: ctx.names.sites, ExclusiveStartKey: start })
    );
    for (const raw of output.Items ?? []) {
      const item = formatItem(ctx.entities.site, raw);
      if (item?.name !== void 0) sites.push(fromStored(SiteSchema, item, "site"));
    }
    start = output.LastEvaluatedKey;
  } while (start);
  return sites;
}

// src/keys/key-part.ts
import { createHash as createHash6 } from "node:crypto";
var MAX_READABLE_BYTES = 256;
function keyPart(value) {
  const escaped = value.replace(/%/g, "%25").replace(/#/g, "%23");
  if (Buffer.byteLength(escaped, "utf8") <= MAX_READABLE_BYTES) return escaped;
  return `%h${createHash6("sha256").update(value, "utf8").digest("base64url")}`;
}
function unescapeKeyPart(part) {
  if (part.startsWith("%h")) return void 0;
  return part.replace(/%23/g, "#").replace(/%25/g, "%");
}
function priorityKey(priority) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, priority === 0 ? 0 : priority);
  let bits = view.getBigUint64(0);
  const sign = 1n << 63n;
  bits = bits & sign ? ~bits & 0xffffffffffffffffn : bits | sign;
  return (~bits & 0xffffffffffffffffn).toString(16).padStart(16, "0");
}
function crawlOrderKey(lastCrawled) {
  return lastCrawled === null ? "0" : lastCrawled.toISOString();
}
function shardOf(id2, shards) {
  if (shards <= 1) return 0;
  return createHash6("sha256").update(id2, "utf8").digest().readUInt32BE(0) % shards;
}

// src/services/versions/multi-table.ts
var CHUNK_PREFIX = "!chunk!";
var MAX_SORT_KEY_BYTES = 1024;
function chunkKey(versionId, digest2, index) {
  return chunkKeyOf(keyPart(versionId), digest2, index);
}
function legacyChunkKey(versionId, digest2) {
  const key = chunkKeyOf(versionId, digest2);
  return keyPart(versionId) === versionId || Buffer.byteLength(key, "utf8") > MAX_SORT_KEY_BYTES ? void 0 : key;
}
function chunkKeyOf(idPart, digest2, index) {
  return `${CHUNK_PREFIX}${idPart}#${digest2}#${index === void 0 ? "" : chunkNo(index)}`;
}
function multiTableVersions(ctx, pages) {
  const { entities, transport } = ctx;
  const tableName = ctx.names.versions;
  const write = (Item, id2) => ({
    table: tableName,
    key: { page_id: Item.page_id, version_id: Item.version_id },
    item: Item,
    id: id2
  });
  const item = (fields) => fields;
  const chunksUnder = async (pageId, versionId, prefix) => {
    const chunks2 = [];
    const input = {
      TableName: tableName,
      KeyConditionExpression: "#page = :page AND begins_with(#version, :prefix)",
      ExpressionAttributeNames: { "#page": "page_id", "#version": "version_id" },
      ExpressionAttributeValues: { ":page": pageId, ":prefix": prefix }
    };
    for await (const rows of queryAll(transport, input)) {
      for (const row of rows) {
        if (row.chunk_of !== versionId) continue;
        chunks2.push({ no: String(row.version_id).slice(prefix.length), data: row.data });
      }
    }
    return chunks2;
  };
  const adapter = {
    transport,
    assertStorable: (versions, path) => {
      const message = `must not start with "${CHUNK_PREFIX}" (reserved for body chunks)`;
      const issues = versions.flatMap(
        (version, index) => version.versionId.startsWith(CHUNK_PREFIX) ? [{ path: path(index), message }] : []
      );
      if (issues.length > 0) throw new ValidationError(issues);
    },
    putVersion: async (_version, fields) => {
      await entities.version.put(item(fields)).go({ ...ORIGINAL_ERRORS, response: "none" });
    },
    versionParams: (_version, fields) => entities.version.put(item(fields)).params(),
    versionWrite: (version, Item) => write(Item, version.versionId),
    chunkWrites: (version, digest2, chunks2) => chunks2.map((data, index) => {
      const chunk = {
        pageId: version.pageId,
        chunkKey: chunkKey(version.versionId, digest2, index),
        chunkOf: version.versionId,
        siteId: version.siteId,
        data
      };
      const { Item } = entities.versionChunk.put(chunk).params();
      return write(Item, version.versionId);
    }),
    getStored: async (pageId, versionId) => {
      if (versionId.startsWith(CHUNK_PREFIX)) return null;
      const { data } = await entities.version.get({ pageId, versionId }).go({ ...ORIGINAL_ERRORS, ignoreOwnership: true });
      return data ?? null;
    },
    newestFirst: (pageId) => ({
      input: {
        TableName: tableName,
        KeyConditionExpression: "#page = :page",
        FilterExpression: "attribute_not_exists(#chunkOf)",
        ExpressionAttributeNames: { "#page": "page_id", "#chunkOf": "chunk_of" },
        ExpressionAttributeValues: { ":page": pageId },
        ScanIndexForward: false
      },
      keyAttributes: ["page_id", "version_id"],
      read: (raw) => String(raw.version_id).startsWith(CHUNK_PREFIX) ? void 0 : formatItem(entities.version, raw)
    }),
    readChunks: async (stored, digest2) => {
      const pageId = String(stored.pageId);
      const versionId = String(stored.versionId);
      const chunks2 = await chunksUnder(pageId, versionId, chunkKey(versionId, digest2));
      const legacy = legacyChunkKey(versionId, digest2);
      if (chunks2.length > 0 || legacy === void 0) return chunks2;
      return chunksUnder(pageId, versionId, legacy);
    },
    pageOf: (siteId, pageId) => pages.get(siteId, pageId)
  };
  return new VersionTable(adapter);
}

// src/entities/site.ts
import { Entity as Entity4 } from "electrodb";
var SITE_FIELDS = {
  siteId: requiredText,
  name: requiredText,
  seeds: { ...stringList2, required: true },
  allowedDomains: stringList2,
  allowedSubdomains: bool,
  config: anyValue,
  createdAt: requiredText,
  updatedAt: text,
  lastCrawlAt: text,
  lastSyncAt: text,
  totalPages: num,
  totalRuns: num,
  isActive: bool
};
function siteEntity(options) {
  return new Entity4(
    {
      model: entityModel("site"),
      attributes: { siteKey: hiddenKey, ...SITE_FIELDS },
      indexes: {
        byId: primaryIndex(["siteKey"], []),
        list: secondaryIndex("gsi1", [], ["createdAt", "siteKey"]),
        withRuns: secondaryIndex("gsi2", ["siteKey"], [], { collection: "siteRuns" })
      }
    },
    options
  );
}
function siteTableEntity(options) {
  return new Entity4(
    {
      model: entityModel("site"),
      attributes: {
        ...snakeFields(SITE_FIELDS),
        pageCount: { type: "number", field: "page_count" },
        livePageCount: { type: "number", field: "live_page_count" }
      },
      indexes: {
        byId: { pk: plainKey("site_id", "siteId") }
      }
    },
    options
  );
}

// src/entities/version.ts
import { Entity as Entity5 } from "electrodb";
var BODY_ENCODINGS = ["inline", "gzip", "gzip-chunked"];
var VERSION_FIELDS = {
  versionId: requiredText,
  pageId: requiredText,
  siteId: requiredText,
  runId: requiredText,
  markdown: text,
  html: text,
  plainText: text,
  bodyEncoding: { type: BODY_ENCODINGS, required: true },
  bodyData: anyValue,
  bodyChunks: num,
  bodyDigest: text,
  contentHash: requiredText,
  rawHash: text,
  url: requiredText,
  canonicalUrl: text,
  title: text,
  description: text,
  contentType: text,
  language: text,
  statusCode: { type: "number", required: true },
  headingsOutline: anyValue,
  wordCount: num,
  charCount: num,
  outlinks: stringList2,
  internalLinkCount: num,
  externalLinkCount: num,
  etag: text,
  lastModified: text,
  crawledAt: requiredText,
  createdAt: requiredText,
  fetchLatencyMs: num,
  extractionLatencyMs: num,
  isTombstone: bool,
  extra: anyValue
};
var VERSION_KEYS = hiddenKeys("pageKey", "versionKey", "siteKey");
function versionEntity(options) {
  return new Entity5(
    {
      model: entityModel("version"),
      attributes: { ...VERSION_KEYS, ...VERSION_FIELDS },
      indexes: {
        byId: { collection: "pageVersions", ...primaryIndex(["pageKey"], ["versionKey"]) },
        members: siteMembersIndex(["pageKey", "versionKey"])
      }
    },
    options
  );
}
function versionChunkEntity(options) {
  return new Entity5(
    {
      model: entityModel("versionchunk"),
      attributes: { ...VERSION_KEYS, chunkNo: requiredText, data: { type: "any", required: true } },
      indexes: {
        byId: primaryIndex(["pageKey"], ["versionKey", "chunkNo"]),
        members: siteMembersIndex(["pageKey", "versionKey", "chunkNo"])
      }
    },
    options
  );
}
function versionTableEntity(options) {
  return new Entity5(
    {
      model: entityModel("version"),
      attributes: snakeFields(VERSION_FIELDS),
      indexes: {
        byId: { pk: plainKey("page_id", "pageId"), sk: plainKey("version_id", "versionId") }
      }
    },
    options
  );
}
function versionChunkTableEntity(options) {
  return new Entity5(
    {
      model: entityModel("versionchunk"),
      attributes: {
        pageId: { type: "string", field: "page_id", required: true },
        chunkKey: { type: "string", field: "version_id", required: true },
        chunkOf: { type: "string", field: "chunk_of", required: true },
        siteId: { type: "string", field: "site_id", required: true },
        data: { type: "any", required: true }
      },
      indexes: {
        byId: { pk: plainKey("page_id", "pageId"), sk: plainKey("version_id", "chunkKey") }
      }
    },
    options
  );
}

// src/services/multi-table/context.ts
function multiTableEntities(names, client) {
  return {
    site: siteTableEntity({ table: names.sites, client }),
    run: runTableEntity({ table: names.runs, client }),
    page: pageTableEntity({ table: names.pages, client }),
    version: versionTableEntity({ table: names.versions, client }),
    versionChunk: versionChunkTableEntity({ table: names.versions, client }),
    frontier: frontierTableEntity({ table: names.frontier, client })
  };
}
function multiTableContext(config, transport) {
  const names = multiTableNames(config);
  return { config, names, transport, entities: multiTableEntities(names, transport) };
}

// src/services/multi-table/records.ts
function multiTableRecords(ctx, versions, frontier) {
  const { entities, names } = ctx;
  async function read(raw, table2) {
    const logical = {
      [names.sites]: "sites",
      [names.runs]: "runs",
      [names.pages]: "pages",
      [names.versions]: "versions",
      [names.frontier]: "frontier"
    }[table2];
    if (!logical) return [{ kind: "skip" }];
    try {
      switch (logical) {
        case "sites": {
          const item = formatItem(entities.site, raw);
          const results = [];
          if (item?.name !== void 0)
            results.push(record({ table: "sites", value: fromStored(SiteSchema, item, "site") }));
          if (item?.pageCount !== void 0 || item?.livePageCount !== void 0) {
            const value = {
              siteId: String(raw.site_id),
              total: Number(item.pageCount ?? 0),
              live: Number(item.livePageCount ?? 0)
            };
            results.push(record({ table: "pageCounts", value }));
          }
          return results.length > 0 ? results : [{ kind: "skip" }];
        }
        case "runs":
          return [record({ table: "runs", value: toRun(formatItem(entities.run, raw) ?? {}) })];
        case "pages": {
          const { fullUrl, ...fields } = formatItem(entities.page, raw) ?? {};
          return [
            record({
              table: "pages",
              value: fromStored(PageSchema, { ...fields, url: fullUrl ?? fields.url }, "page")
            })
          ];
        }
        case "versions": {
          if (raw.chunk_of !== void 0) return [{ kind: "skip" }];
          const version = await versions.complete(formatItem(entities.version, raw));
          return [
            version ? record({ table: "versions", value: version }) : {
              kind: "invalid",
              table: "versions",
              reason: "version body incomplete (a partly written version)"
            }
          ];
        }
        case "frontier": {
          if (isExpired(raw.ttl)) return [{ kind: "skip", table: "frontier" }];
          const value = fromStored(FrontierItemSchema, formatItem(entities.frontier, raw), "frontier item");
          return [
            record({ table: "frontier", value, ...typeof raw.ttl === "number" ? { ttl: raw.ttl } : {} })
          ];
        }
      }
    } catch (error) {
      return [{ kind: "invalid", table: logical, reason: error.message }];
    }
  }
  async function write(records) {
    const writes = [];
    const put = (table2, keys, params, id2) => writes.push({
      table: table2,
      key: Object.fromEntries(keys.map((k) => [k, params.Item[k]])),
      item: params.Item,
      id: id2
    });
    for (const r of records) {
      switch (r.table) {
        case "sites": {
          const { siteId, ...fields } = r.value;
          const update = entities.site.update({ siteId }).set(toStored(fields));
          const removed = nullFields(fields);
          if (removed.length > 0) update.remove(removed);
          await update.go({ ...ORIGINAL_ERRORS, response: "none" });
          break;
        }
        case "pageCounts":
          await entities.site.update({ siteId: r.value.siteId }).set({ pageCount: r.value.total, livePageCount: r.value.live }).go({ ...ORIGINAL_ERRORS, response: "none" });
          break;
        case "runs":
          put(
            names.runs,
            ["site_id", "run_id"],
            entities.run.put({ ...toStored(r.value), stats: snakeKeys(r.value.stats) }).params(),
            r.value.runId
          );
          break;
        case "pages": {
          const indexUrl = urlIndexValue(r.value.url);
          const attributes = {
            ...toStored(r.value),
            url: indexUrl,
            ...indexUrl === r.value.url ? {} : { fullUrl: r.value.url }
          };
          put(names.pages, ["site_id", "page_id"], entities.page.put(attributes).params(), r.value.pageId);
          break;
        }
        case "versions":
          if (encodeBody(r.value).encoding === "gzip-chunked") await versions.write(r.value);
          else put(names.versions, ["page_id", "version_id"], versions.itemParams(r.value), r.value.versionId);
          break;
        case "frontier":
          put(
            names.frontier,
            ["run_id", "item_id"],
            entities.frontier.put(frontier.attributes(r.value, r.ttl)).params(),
            r.value.itemId
          );
          break;
      }
    }
    await batchWrite(ctx.transport, writes, { idLabel: "record" });
  }
  return {
    tables: [
      { name: names.sites, keys: ["site_id"] },
      { name: names.runs, keys: ["site_id", "run_id"] },
      { name: names.pages, keys: ["site_id", "page_id"] },
      { name: names.versions, keys: ["page_id", "version_id"] },
      { name: names.frontier, keys: ["run_id", "item_id"] }
    ],
    read,
    write
  };
}
function record(r) {
  return { kind: "record", record: recordWithoutCredentials(r) };
}

// src/services/multi-table/layout.ts
function multiTableLayout(config, transport = new Transport(config)) {
  const ctx = multiTableContext(config, transport);
  const runs = new Runs(multiTableRuns(ctx));
  const siteDeletion = multiTableSiteDeletion(ctx);
  const pages = multiTablePages(ctx);
  const versions = multiTableVersions(ctx, pages);
  const frontier = new MultiTableFrontier(ctx);
  return {
    config,
    transport,
    sites: new Sites(multiTableSites(ctx), runs),
    runs,
    pages,
    versions,
    frontier,
    records: multiTableRecords(ctx, versions, frontier),
    deleteSite: (siteId) => deleteSite(siteDeletion, siteId),
    tables: {
      definitions: multiTableDefinitions(config),
      ttlTables: [ctx.names.frontier],
      ttlAttribute: TTL_ATTRIBUTE
    }
  };
}

// src/services/frontier/single-table.ts
import { GetCommand as GetCommand3 } from "@aws-sdk/lib-dynamodb";

// src/services/single-table/context.ts
var KEYS = {
  primary: ["pk", "sk"],
  gsi1: ["pk", "sk", "gsi1pk", "gsi1sk"],
  gsi2: ["pk", "sk", "gsi2pk", "gsi2sk"],
  gsi3: ["pk", "sk", "gsi3pk", "gsi3sk"],
  gsi4: ["pk", "sk", "gsi4pk", "gsi4sk"]
};

// src/services/frontier/single-table.ts
var SingleTableFrontier = class extends FrontierTable {
  constructor(ctx) {
    super(singleTableAdapter(ctx), ctx.transport, ctx.config.frontierTtlDays);
  }
};
function storedAttributes2(item, key, ttl) {
  return {
    ...toStored(item),
    ...key,
    siteKey: keyPart(item.siteId),
    priorityKey: priorityKey(item.priority),
    ttl
  };
}
function singleTableAdapter(ctx) {
  const entity = ctx.entities.frontier;
  const shards = Array.from({ length: ctx.config.frontierShards }, (_, i) => shardName(i));
  const key = (runId, itemId) => ({
    runKey: keyPart(runId),
    shard: shardName(shardOf(itemId, ctx.config.frontierShards)),
    itemKey: keyPart(itemId)
  });
  const statusQuery = (runKey, shard, status) => entity.query.byStatus({ runKey, shard, status });
  return {
    key,
    attributes: (item, ttl) => storedAttributes2(item, key(item.runId, item.itemId), ttl),
    stored: { lease: "leaseExpiresAt", writeToken: "writeToken" },
    put: async (attributes, create) => {
      const put = create ? entity.put({ ...attributes, writeToken: create.writeToken }).where(create.condition) : entity.put(attributes);
      await put.go({ ...ORIGINAL_ERRORS, response: "none" });
    },
    write: async (how, itemKey, change, condition, response) => {
      let update = (how === "update" ? entity.update(itemKey) : entity.patch(itemKey)).set(
        change.set
      );
      if (change.remove) update = update.remove(change.remove);
      if (change.add) update = update.add(change.add);
      const { data } = await update.where(condition).go({ ...ORIGINAL_ERRORS, response });
      return data;
    },
    getConsistent: async (itemKey) => {
      const params = entity.get(itemKey).params();
      const output = await ctx.transport.send(new GetCommand3({ ...params, ConsistentRead: true }));
      return output.Item;
    },
    format: (raw) => formatItem(entity, raw),
    list: (runId, options, read) => {
      const runKey = keyPart(runId);
      const statuses = options?.status === void 0 ? ALL_STATUSES : [options.status];
      const partitions = statuses.flatMap(
        (status) => shards.map(
          (shard) => ({
            input: statusQuery(runKey, shard, status).params(),
            keyAttributes: KEYS.gsi1,
            read
          })
        )
      );
      if (partitions.length === 1) return queryPage(ctx.transport, partitions[0], options);
      return mergedQueryPage(ctx.transport, partitions, (raw) => String(raw.gsi1sk), options);
    },
    claimQueries: (runId, claim) => {
      const runKey = keyPart(runId);
      const home = shardOf(claim.workerId, ctx.config.frontierShards);
      const order = shards.map((_, i) => shardName((home + i) % shards.length));
      const nowIso = (/* @__PURE__ */ new Date()).toISOString();
      return ["pending", "in_progress"].flatMap(
        (status) => order.map((shard) => {
          const query = statusQuery(runKey, shard, status);
          const params = status === "in_progress" ? query.where(
            (attr, op) => `(${op.lt(attr.leaseExpiresAt, nowIso)} OR ${op.notExists(attr.leaseExpiresAt)})`
          ).params() : query.params();
          return queryAll(ctx.transport, { ...params, Limit: Math.min(100, claim.limit * 2) });
        })
      );
    },
    deletesOfRun: async function* (runId) {
      for (const shard of shards) {
        const input = entity.query.byId({ runKey: keyPart(runId), shard }).params();
        for await (const items of queryAll(ctx.transport, {
          ...input,
          ProjectionExpression: "pk, sk, itemId"
        })) {
          yield items.map((item) => ({
            table: ctx.table,
            key: { pk: item.pk, sk: item.sk },
            id: String(item.itemId)
          }));
        }
      }
    }
  };
}
function shardName(index) {
  return String(index).padStart(2, "0");
}

// src/services/pages/single-table.ts
function singleTablePages(ctx) {
  const { page, pageCount } = ctx.entities;
  const read = (raw) => {
    const item = formatItem(page, raw);
    return item === void 0 ? void 0 : fromStored(PageSchema, item, "page");
  };
  const adapter = {
    transport: ctx.transport,
    writeAttributes: {
      firstSeen: "firstSeen",
      isTombstone: "isTombstone",
      revision: "revision",
      writeToken: "writeToken",
      earlierTokens: earlierTokenNames("writeToken", ""),
      priorFirstSeen: "priorFirstSeen",
      priorIsTombstone: "priorIsTombstone"
    },
    countWriters: "countWriters",
    saveParams(saved, expectedRevision) {
      const { revision: _ignored, ...fields } = saved;
      const removed = nullFields(fields);
      const update = page.update({ pageKey: keyPart(saved.pageId), siteKey: keyPart(saved.siteId) }).set({
        ...toStored(fields),
        siteScope: keyPart(saved.siteId),
        urlKey: keyPart(saved.url),
        lifeState: saved.isTombstone ? "tombstone" : "live",
        crawlOrder: crawlOrderKey(saved.lastCrawled)
      }).add({ revision: 1 });
      if (removed.length > 0) update.remove(removed);
      expectRevision(update, expectedRevision);
      return update.params();
    },
    counterParams: (siteId, total, live) => pageCount.update({ siteKey: keyPart(siteId) }).add({ total, live }).params(),
    async readCounts(siteId) {
      const { data } = await pageCount.get({ siteKey: keyPart(siteId) }).go(ORIGINAL_ERRORS);
      return data ?? {};
    },
    async get(siteId, pageId) {
      const { data } = await page.get({ pageKey: keyPart(pageId), siteKey: keyPart(siteId) }).go(ORIGINAL_ERRORS);
      return data ? fromStored(PageSchema, data, "page") : null;
    },
    async byUrl(siteId, url) {
      const { data } = await page.query.byUrl({ siteKey: keyPart(siteId), urlKey: keyPart(url) }).go({ ...ORIGINAL_ERRORS, limit: 1, pages: 1 });
      return data[0] ? fromStored(PageSchema, data[0], "page") : null;
    },
    listQuery(siteId, includeTombstones) {
      const siteScope = keyPart(siteId);
      const query = includeTombstones ? page.query.bySite({ siteScope }) : page.query.bySite({ siteScope, lifeState: "live" });
      return { input: query.params(), keyAttributes: KEYS.gsi1, read };
    },
    recrawlQueries(siteId, cutoff) {
      const recrawl = page.query.recrawl({ siteKey: keyPart(siteId) });
      const query = cutoff ? recrawl.lt({ crawlOrder: cutoff.toISOString() }) : recrawl;
      return [{ input: query.params(), keyAttributes: KEYS.gsi3, read }];
    }
  };
  return new Pages(adapter);
}

// src/services/runs/single-table.ts
var toRun2 = (item) => fromStored(CrawlRunSchema, item, "run");
function singleTableRuns(ctx) {
  const run = ctx.entities.run;
  return {
    transport: ctx.transport,
    async put(value) {
      await run.put({ ...toStored(value), runKey: keyPart(value.runId), siteKey: keyPart(value.siteId) }).go(ORIGINAL_ERRORS);
    },
    async get(runId) {
      const { data } = await run.get({ runKey: keyPart(runId) }).go(ORIGINAL_ERRORS);
      return data ? toRun2(data) : null;
    },
    bySite: (siteId) => ({
      input: run.query.bySite({ siteKey: keyPart(siteId) }).params({ order: "desc" }),
      keyAttributes: KEYS.gsi2,
      read: (raw) => readOwned(run, raw, toRun2)
    }),
    async latest(siteId) {
      const { data } = await run.query.bySite({ siteKey: keyPart(siteId) }).go({ ...ORIGINAL_ERRORS, order: "desc", limit: 1, pages: 1 });
      const [latest] = data;
      return latest ? toRun2(latest) : null;
    }
  };
}

// src/services/site-deletion/single-table.ts
function singleTableSiteDeletion(ctx) {
  const { site, run, page, version, versionChunk, frontier, pageCount } = ctx.entities;
  const keysOf = (input, logical = true) => ({
    table: ctx.table,
    keys: KEYS.primary,
    rows: () => queryAll(ctx.transport, { ...input, ProjectionExpression: "pk, sk" }),
    // Chunks are parts of versions, not logical records of their own.
    logical: logical ? void 0 : () => false
  });
  return {
    transport: ctx.transport,
    members(siteId) {
      const siteKey = keyPart(siteId);
      return [
        keysOf(run.query.bySite({ siteKey }).params()),
        keysOf(page.query.bySite({ siteScope: siteKey }).params()),
        keysOf(version.query.members({ siteKey }).params()),
        keysOf(versionChunk.query.members({ siteKey }).params(), false),
        keysOf(frontier.query.members({ siteKey }).params())
      ];
    },
    async deleteSiteItem(siteId) {
      const siteKey = keyPart(siteId);
      await pageCount.delete({ siteKey }).go({ ...ORIGINAL_ERRORS, response: "none" });
      const { data } = await site.delete({ siteKey }).go({ ...ORIGINAL_ERRORS, response: "all_old" });
      return data !== null && data !== void 0;
    }
  };
}

// src/services/sites/single-table.ts
var toSite = (item) => fromStored(SiteSchema, item, "site");
function singleTableSites(ctx) {
  const site = ctx.entities.site;
  return {
    async put(value) {
      await site.put({ ...toStored(value), siteKey: keyPart(value.siteId) }).go(ORIGINAL_ERRORS);
    },
    async get(siteId) {
      const { data } = await site.get({ siteKey: keyPart(siteId) }).go(ORIGINAL_ERRORS);
      return data ? toSite(data) : null;
    },
    list: (options) => queryPage(
      ctx.transport,
      {
        input: site.query.list({}).params({ order: "desc" }),
        keyAttributes: KEYS.gsi1,
        read: (raw) => readOwned(site, raw, toSite)
      },
      options
    ),
    async withRuns(siteId, limit) {
      const { data } = await ctx.service.collections.siteRuns({ siteKey: keyPart(siteId) }).go({ ...ORIGINAL_ERRORS, order: "desc", limit: limit + 1, pages: 1 });
      const [found] = data.site;
      return {
        site: found ? toSite(found) : null,
        runs: data.run.slice(0, limit).map((run) => fromStored(CrawlRunSchema, run, "run"))
      };
    }
  };
}

// src/services/versions/single-table.ts
function singleTableVersions(ctx) {
  const { entities, transport, table: table2 } = ctx;
  const write = (Item, id2) => ({
    table: table2,
    key: { pk: Item.pk, sk: Item.sk },
    item: Item,
    id: id2
  });
  const keys = (version) => ({
    pageKey: keyPart(version.pageId),
    versionKey: keyPart(version.versionId),
    siteKey: keyPart(version.siteId)
  });
  const item = (version, fields) => ({ ...fields, ...keys(version) });
  const adapter = {
    transport,
    assertStorable: () => {
    },
    putVersion: async (version, fields) => {
      await entities.version.put(item(version, fields)).go({ ...ORIGINAL_ERRORS, response: "none" });
    },
    versionParams: (version, fields) => entities.version.put(item(version, fields)).params(),
    versionWrite: (version, Item) => write(Item, version.versionId),
    chunkWrites: (version, digest2, chunks2) => chunks2.map((data, index) => {
      const chunk = { ...keys(version), chunkNo: `${digest2}.${chunkNo(index)}`, data };
      const { Item } = entities.versionChunk.put(chunk).params();
      return write(Item, version.versionId);
    }),
    getStored: async (pageId, versionId) => {
      const key = { pageKey: keyPart(pageId), versionKey: keyPart(versionId) };
      const { data } = await entities.version.get(key).go(ORIGINAL_ERRORS);
      return data ?? null;
    },
    newestFirst: (pageId) => ({
      input: entities.version.query.byId({ pageKey: keyPart(pageId) }).params({ order: "desc" }),
      keyAttributes: KEYS.primary,
      read: (raw) => formatItem(entities.version, raw)
    }),
    readChunks: async (item2, digest2) => {
      const key = { pageKey: keyPart(String(item2.pageId)), versionKey: keyPart(String(item2.versionId)) };
      const prefix = `${digest2}.`;
      const input = entities.versionChunk.query.byId(key).begins({ chunkNo: prefix }).params();
      const chunks2 = [];
      for await (const rows of queryAll(transport, input)) {
        for (const row of rows) {
          const chunk = formatItem(entities.versionChunk, row);
          if (typeof chunk?.chunkNo !== "string" || !chunk.chunkNo.startsWith(prefix)) continue;
          chunks2.push({ no: chunk.chunkNo.slice(prefix.length), data: chunk.data });
        }
      }
      return chunks2;
    },
    pageOf: async (siteId, pageId) => {
      const key = { pageKey: keyPart(pageId), siteKey: keyPart(siteId) };
      const { data } = await entities.page.get(key).go(ORIGINAL_ERRORS);
      return data ? fromStored(PageSchema, data, "page") : null;
    },
    pageAndNewest: async (pageId, limit) => {
      const { data } = await ctx.service.collections.pageVersions({ pageKey: keyPart(pageId) }).go({ ...ORIGINAL_ERRORS, order: "desc", limit, pages: 1 });
      return { pages: data.page, versions: data.version };
    }
  };
  return new VersionTable(adapter);
}

// src/services/single-table/records.ts
var ENTITY_TABLES = {
  site: "sites",
  run: "runs",
  webpage: "pages",
  version: "versions",
  frontier: "frontier"
};
function singleTableRecords(ctx, versions, frontier) {
  const { entities } = ctx;
  async function read(raw) {
    const entity = String(raw.__edb_e__ ?? "");
    const table2 = ENTITY_TABLES[entity] ?? "unknown";
    try {
      switch (entity) {
        case "site":
          return record2({
            table: "sites",
            value: fromStored(SiteSchema, formatItem(entities.site, raw), "site")
          });
        case "run":
          return record2({
            table: "runs",
            value: fromStored(CrawlRunSchema, formatItem(entities.run, raw), "run")
          });
        case "webpage":
          return record2({
            table: "pages",
            value: fromStored(PageSchema, formatItem(entities.page, raw), "page")
          });
        case "version": {
          const version = await versions.complete(formatItem(entities.version, raw));
          return version ? record2({ table: "versions", value: version }) : { kind: "invalid", table: table2, reason: "version body incomplete (a partly written version)" };
        }
        case "frontier": {
          if (isExpired(raw.ttl)) return { kind: "skip", table: "frontier" };
          const value = fromStored(FrontierItemSchema, formatItem(entities.frontier, raw), "frontier item");
          return record2({
            table: "frontier",
            value,
            ...typeof raw.ttl === "number" ? { ttl: raw.ttl } : {}
          });
        }
        case "pagecount": {
          const counts = formatItem(entities.pageCount, raw);
          const siteId = await siteIdOfCounter(raw);
          if (siteId === void 0) return { kind: "skip" };
          return record2({
            table: "pageCounts",
            value: { siteId, total: Number(counts?.total ?? 0), live: Number(counts?.live ?? 0) }
          });
        }
        default:
          return { kind: "skip" };
      }
    } catch (error) {
      return { kind: "invalid", table: table2, reason: error.message };
    }
  }
  async function siteIdOfCounter(raw) {
    if (typeof raw.siteId === "string") return raw.siteId;
    const siteKey = String(raw.siteKey ?? "");
    const { data } = await entities.site.get({ siteKey }).go(ORIGINAL_ERRORS);
    return data?.siteId ?? unescapeKeyPart(siteKey);
  }
  async function write(records) {
    const writes = [];
    const put = (params, id2) => writes.push({
      table: ctx.table,
      key: { pk: params.Item.pk, sk: params.Item.sk },
      item: params.Item,
      id: id2
    });
    for (const r of records) {
      switch (r.table) {
        case "sites":
          put(
            entities.site.put({ ...toStored(r.value), siteKey: keyPart(r.value.siteId) }).params(),
            r.value.siteId
          );
          break;
        case "runs":
          put(
            entities.run.put({ ...toStored(r.value), runKey: keyPart(r.value.runId), siteKey: keyPart(r.value.siteId) }).params(),
            r.value.runId
          );
          break;
        case "pages":
          put(entities.page.put(pageAttributes(r.value)).params(), r.value.pageId);
          break;
        case "versions":
          if (encodeBody(r.value).encoding === "gzip-chunked") await versions.write(r.value);
          else put(versions.itemParams(r.value), r.value.versionId);
          break;
        case "frontier":
          put(entities.frontier.put(frontier.attributes(r.value, r.ttl)).params(), r.value.itemId);
          break;
        case "pageCounts":
          put(
            entities.pageCount.put({ siteKey: keyPart(r.value.siteId), total: r.value.total, live: r.value.live }).params(),
            `${r.value.siteId} counts`
          );
          break;
      }
    }
    await batchWrite(ctx.transport, writes, { idLabel: "record" });
  }
  return { tables: [{ name: ctx.table, keys: ["pk", "sk"] }], read: async (raw) => [await read(raw)], write };
}
function pageAttributes(page) {
  return {
    ...toStored(page),
    pageKey: keyPart(page.pageId),
    siteKey: keyPart(page.siteId),
    siteScope: keyPart(page.siteId),
    urlKey: keyPart(page.url),
    lifeState: page.isTombstone ? "tombstone" : "live",
    crawlOrder: crawlOrderKey(page.lastCrawled)
  };
}
function record2(r) {
  return { kind: "record", record: recordWithoutCredentials(r) };
}

// src/services/single-table/service.ts
import { Service } from "electrodb";
function singleTableService(table2, client) {
  const options = { table: table2, client };
  return new Service(
    {
      site: siteEntity(options),
      run: runEntity(options),
      page: pageEntity(options),
      pageCount: pageCountEntity(options),
      version: versionEntity(options),
      versionChunk: versionChunkEntity(options),
      frontier: frontierEntity(options)
    },
    options
  );
}

// src/services/single-table/layout.ts
function singleTableLayout(config, transport = new Transport(config)) {
  const table2 = singleTableName(config);
  const service = singleTableService(table2, transport);
  const ctx = { config, table: table2, transport, service, entities: service.entities };
  const versions = singleTableVersions(ctx);
  const frontier = new SingleTableFrontier(ctx);
  const runs = new Runs(singleTableRuns(ctx));
  const siteDeletion = singleTableSiteDeletion(ctx);
  return {
    config,
    transport,
    sites: new Sites(singleTableSites(ctx), runs),
    runs,
    pages: singleTablePages(ctx),
    versions,
    frontier,
    records: singleTableRecords(ctx, versions, frontier),
    deleteSite: (siteId) => deleteSite(siteDeletion, siteId),
    tables: { definitions: [singleTableDefinition(config)], ttlTables: [table2], ttlAttribute: TTL_ATTRIBUTE }
  };
}

// src/services/factory.ts
function createStorageBackend(config) {
  return new LayoutBackend(layoutFor(config));
}
function layoutFor(config) {
  const { backend } = parseStorageConfig(config);
  return backend.layout === "multi-table" ? multiTableLayout(backend) : singleTableLayout(backend);
}

// src/services/migration-codec.ts
var LOGICAL_TABLES = ["sites", "runs", "pages", "versions", "frontier"];

// src/layout-tools/checkpoint.ts
import { randomUUID } from "node:crypto";
import { link, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
function newCheckpoint(source, target, segments, tables) {
  return {
    version: 1,
    migrationId: randomUUID(),
    source,
    target,
    segments,
    positions: Object.fromEntries(tables.map((t) => [t, Array.from({ length: segments }, () => null)])),
    counts: {},
    invalid: [],
    completed: false
  };
}
async function loadCheckpoint(path) {
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    if (error.code === "ENOENT") return void 0;
    throw error;
  }
}
var CheckpointWriter = class {
  constructor(path) {
    this.path = path;
    this.temporary = path && `${path}.${process.pid}.${randomUUID()}.tmp`;
  }
  chain = Promise.resolve();
  /** Unique per writer: two runs in one process never share a temporary file. */
  temporary;
  save(state) {
    return this.enqueue(state, (temporary, path) => rename(temporary, path));
  }
  /**
   * Saves a new checkpoint only if none is there yet: of two runs started at once with the same
   * new checkpoint file, one creates it and the other fails, writing nothing.
   */
  create(state) {
    return this.enqueue(state, async (temporary, path) => {
      try {
        await link(temporary, path);
      } catch (error) {
        if (error.code === "EEXIST")
          throw new Error(`checkpoint ${path} was created by another run at the same time`);
        throw error;
      } finally {
        await unlink(temporary).catch(() => {
        });
      }
    });
  }
  enqueue(state, place) {
    if (!this.path || !this.temporary) return Promise.resolve();
    const { path, temporary } = this;
    const json = JSON.stringify(state);
    this.chain = this.chain.then(async () => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temporary, json);
      await place(temporary, path);
    });
    return this.chain;
  }
};

// src/layout-tools/lock.ts
import { randomUUID as randomUUID2 } from "node:crypto";
import { hostname } from "node:os";
import { DeleteCommand, GetCommand as GetCommand4, PutCommand } from "@aws-sdk/lib-dynamodb";
var LEASE_MS = 3e4;
var RENEW_MS = 1e4;
var SAFETY_MS = 1e4;
var LOCK_ID = "$ragcrawl#migration-lock";
var runsInProcess = /* @__PURE__ */ new Set();
var MigrationLock = class _MigrationLock {
  constructor(client, table2, key, owner) {
    this.client = client;
    this.table = table2;
    this.key = key;
    this.owner = owner;
  }
  timer;
  run = randomUUID2();
  /** The lease end this run last wrote successfully (by its own clock). */
  expiresAt = 0;
  lost;
  renewError;
  static forTable(client, table2, keyNames, migrationId) {
    return new _MigrationLock(
      client,
      table2,
      Object.fromEntries(keyNames.map((name) => [name, LOCK_ID])),
      migrationId
    );
  }
  async acquire() {
    runsInProcess.add(this.run);
    try {
      await this.take();
    } catch (error) {
      runsInProcess.delete(this.run);
      throw error;
    }
    this.timer = setInterval(() => void this.renew(), RENEW_MS);
    this.timer.unref();
  }
  /**
   * Throws a `ConflictError` unless this run still holds the lock with time to spare: read
   * consistently, so a lock taken away (or lapsed) stops the run before its next write.
   */
  async assertHeld() {
    this.assertLeaseLeft();
    const { Item } = await this.client.send(
      new GetCommand4({ TableName: this.table, Key: this.key, ConsistentRead: true })
    );
    if (Item?.lock_run !== this.run) this.lose("another run took the migration lock over");
    this.assertLeaseLeft();
  }
  async release() {
    if (this.timer) clearInterval(this.timer);
    this.lost ??= "the migration lock was released";
    runsInProcess.delete(this.run);
    await this.client.send(
      new DeleteCommand({
        TableName: this.table,
        Key: this.key,
        ConditionExpression: "#run = :run",
        ExpressionAttributeNames: { "#run": "lock_run" },
        ExpressionAttributeValues: { ":run": this.run }
      })
    ).catch(() => {
    });
  }
  assertLeaseLeft() {
    if (this.lost) throw new ConflictError(`Migration stopped: ${this.lost}`);
    if (Date.now() > this.expiresAt - SAFETY_MS) {
      const why = this.renewError?.message ?? "no renewal confirmed";
      this.lose(`the migration lock could not be renewed before its lease ran low (${why})`);
    }
  }
  lose(reason) {
    this.lost ??= reason;
    if (this.timer) clearInterval(this.timer);
    throw new ConflictError(`Migration stopped: ${this.lost}`);
  }
  /** Takes a free or lapsed lock, or one this migration's dead run left on this machine. */
  async take() {
    try {
      await this.write("attribute_not_exists(#run) OR #run = :run OR #expires < :now");
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.client.send(
      new GetCommand4({ TableName: this.table, Key: this.key, ConsistentRead: true })
    );
    if (Item?.lock_run && Item.lock_owner === this.owner && holderIsGone(Item)) {
      try {
        await this.write("#run = :seen", { ":seen": Item.lock_run });
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new ConflictError(
      "Another migration holds the lock on the target; wait for it or for its lease to lapse"
    );
  }
  async renew() {
    if (this.lost) return;
    try {
      await this.write("#run = :run");
      this.renewError = void 0;
    } catch (error) {
      if (isConditionFailure(error)) {
        this.lost ??= "another run took the migration lock over";
        if (this.timer) clearInterval(this.timer);
      } else this.renewError = error;
    }
  }
  async write(condition, values = {}) {
    const now = Date.now();
    const expiresAt = now + LEASE_MS;
    const item = {
      lock_owner: this.owner,
      lock_run: this.run,
      lock_host: hostname(),
      lock_pid: process.pid,
      lock_expires_at: expiresAt
    };
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...this.key, ...item },
        ConditionExpression: condition,
        ExpressionAttributeNames: {
          "#run": "lock_run",
          ...condition.includes("#expires") ? { "#expires": "lock_expires_at" } : {}
        },
        ExpressionAttributeValues: {
          ...condition.includes(":run") ? { ":run": this.run } : {},
          ...condition.includes(":now") ? { ":now": now } : {},
          ...values
        }
      })
    );
    this.expiresAt = Math.max(this.expiresAt, expiresAt);
  }
};
function holderIsGone(item) {
  if (item.lock_host !== hostname() || typeof item.lock_pid !== "number") return false;
  if (item.lock_pid === process.pid) return !runsInProcess.has(item.lock_run);
  try {
    process.kill(item.lock_pid, 0);
    return false;
  } catch (error) {
    return error.code === "ESRCH";
  }
}

// src/layout-tools/migrate.ts
var SCAN_PAGE = 250;
var MAX_LISTED_INVALID = 1e3;
async function migrateLayout(options) {
  const started = Date.now();
  const dryRun = options.dryRun ?? false;
  const counts = emptyCounts();
  const report = (state2) => ({
    ok: false,
    dryRun,
    tables: counts,
    invalid: [],
    migrationId: "",
    checkpoint: options.checkpoint,
    durationMs: Date.now() - started,
    ...state2
  });
  let source;
  let target;
  let lock;
  let state;
  try {
    const segments = options.segments ?? 4;
    if (!Number.isInteger(segments) || segments < 1 || segments > 64)
      throw new Error("segments must be an integer from 1 to 64");
    const from = layoutFor(options.source);
    const to = layoutFor(options.target);
    source = from;
    target = to;
    const sourceName = describe2(options.source);
    const targetName = describe2(options.target);
    if (sourceName === targetName) throw new Error("source and target are the same tables");
    const health = await from.transport.send(new ScanCommand2({ TableName: from.records.tables[0].name, Limit: 1 })).then(
      () => null,
      (error) => error
    );
    if (health) throw new Error(`source unreachable or missing: ${health.message}`);
    const saved = options.checkpoint ? await loadCheckpoint(options.checkpoint) : void 0;
    if (saved && (saved.source !== sourceName || saved.target !== targetName)) {
      throw new Error(
        `checkpoint ${options.checkpoint} belongs to another migration (${saved.source} \u2192 ${saved.target})`
      );
    }
    state = saved ?? newCheckpoint(
      sourceName,
      targetName,
      segments,
      from.records.tables.map((t) => t.name)
    );
    Object.assign(counts, mergeCounts(state.counts));
    if (state.completed) return report({ ok: true, invalid: state.invalid, migrationId: state.migrationId });
    const writer = new CheckpointWriter(dryRun ? void 0 : options.checkpoint);
    if (!dryRun) {
      await initializeTables(to.transport, to.tables);
      if (!saved) await writer.create(state);
      const first = to.records.tables[0];
      lock = MigrationLock.forTable(to.transport, first.name, first.keys, state.migrationId);
      await lock.acquire();
    }
    const streams = Object.entries(state.positions).flatMap(
      ([table2, positions]) => positions.map((_, segment) => ({ table: table2, segment }))
    );
    const progress = () => options.onProgress?.({
      tables: structuredClone(counts),
      segmentsDone: Object.values(state.positions).flat().filter((p) => p === "done").length,
      segmentsTotal: streams.length
    });
    let stopped = false;
    const copy = async ({ table: table2, segment }) => {
      const positions = state.positions[table2];
      while (positions[segment] !== "done" && !stopped) {
        const start = positions[segment] ?? void 0;
        const output = await source.transport.send(
          new ScanCommand2({
            TableName: table2,
            Segment: segment,
            TotalSegments: state.segments,
            Limit: SCAN_PAGE,
            ExclusiveStartKey: start
          })
        );
        const page = emptyCounts();
        const records = [];
        const invalid = [];
        const keyNames = source.records.tables.find((t) => t.name === table2)?.keys ?? [];
        for (const raw of output.Items ?? []) {
          for (const result of await source.records.read(raw, table2)) {
            if (result.kind === "record") {
              records.push(result.record);
              if (result.record.table !== "pageCounts") page[result.record.table].read++;
            } else if (result.kind === "skip") {
              if (result.table) page[result.table].skipped++;
            } else {
              const logical = result.table === "unknown" ? void 0 : result.table;
              if (logical) {
                page[logical].read++;
                page[logical].failed++;
              }
              invalid.push({
                table: result.table,
                key: Object.fromEntries(keyNames.map((k) => [k, raw[k]])),
                reason: result.reason
              });
            }
          }
        }
        if (!dryRun && records.length > 0) {
          await lock.assertHeld();
          if (stopped) return;
          await target.records.write(records);
        }
        for (const r of records) if (r.table !== "pageCounts" && !dryRun) page[r.table].written++;
        addCounts(counts, page);
        state.counts = counts;
        if (state.invalid.length < MAX_LISTED_INVALID)
          state.invalid.push(...invalid.slice(0, MAX_LISTED_INVALID - state.invalid.length));
        positions[segment] = output.LastEvaluatedKey ?? "done";
        await writer.save(state);
        progress();
      }
    };
    const settled = await Promise.allSettled(
      streams.map(
        (stream) => copy(stream).catch((error) => {
          stopped = true;
          throw error;
        })
      )
    );
    const failed = settled.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    state.completed = true;
    await writer.save(state);
    return report({ ok: true, invalid: state.invalid, migrationId: state.migrationId });
  } catch (error) {
    return report({
      error: error?.message ?? String(error),
      invalid: state?.invalid ?? [],
      migrationId: state?.migrationId ?? ""
    });
  } finally {
    await lock?.release();
    await source?.transport.close();
    await target?.transport.close();
  }
}
function emptyCounts() {
  const zero = () => ({ read: 0, written: 0, skipped: 0, failed: 0 });
  return {
    sites: zero(),
    runs: zero(),
    pages: zero(),
    versions: zero(),
    frontier: zero(),
    pageCounts: zero()
  };
}
function mergeCounts(saved) {
  const counts = emptyCounts();
  for (const [table2, c] of Object.entries(saved))
    if (table2 in counts) counts[table2] = { ...c };
  return counts;
}
function addCounts(into, add) {
  for (const table2 of [...LOGICAL_TABLES, "pageCounts"]) {
    for (const key of ["read", "written", "skipped", "failed"]) into[table2][key] += add[table2][key];
  }
}
function describe2(config) {
  const { backend } = parseStorageConfig(config);
  const tables = layoutFor(config).records.tables.map((t) => t.name).join(",");
  return `${backend.layout}@${backend.endpointUrl ?? `aws:${backend.region}`}/${tables}`;
}

// src/layout-tools/verify.ts
import { createHash as createHash7 } from "node:crypto";
import { ScanCommand as ScanCommand3 } from "@aws-sdk/lib-dynamodb";
async function verifyLayouts(options) {
  const started = Date.now();
  const tables = {};
  const differences = [];
  const invalid = [];
  const layouts = [];
  try {
    const source = layoutFor(options.source);
    const target = layoutFor(options.target);
    layouts.push(source, target);
    const [left, right] = await Promise.all([
      digests(
        source,
        options.segments ?? 4,
        (table2, reason) => invalid.push({ side: "source", table: table2, reason })
      ),
      digests(
        target,
        options.segments ?? 4,
        (table2, reason) => invalid.push({ side: "target", table: table2, reason })
      )
    ]);
    for (const table2 of ["sites", "runs", "pages", "versions", "frontier", "pageCounts"]) {
      const a = left.get(table2) ?? /* @__PURE__ */ new Map();
      const b = right.get(table2) ?? /* @__PURE__ */ new Map();
      let matched = 0;
      for (const [key, digest2] of a) {
        const other = b.get(key);
        if (other === void 0) differences.push({ table: table2, key, kind: "missing-in-target" });
        else if (other !== digest2) differences.push({ table: table2, key, kind: "different" });
        else matched++;
      }
      for (const key of b.keys()) if (!a.has(key)) differences.push({ table: table2, key, kind: "extra-in-target" });
      tables[table2] = { source: a.size, target: b.size, matched };
    }
    return {
      ok: differences.length === 0 && invalid.length === 0,
      tables,
      differences,
      invalid,
      durationMs: Date.now() - started
    };
  } catch (error) {
    return {
      ok: false,
      tables,
      differences,
      invalid,
      error: error?.message ?? String(error),
      durationMs: Date.now() - started
    };
  } finally {
    await Promise.all(layouts.map((layout) => layout.transport.close()));
  }
}
async function digests(layout, segments, onInvalid) {
  const result = /* @__PURE__ */ new Map();
  const add = (record3) => {
    const byKey = result.get(record3.table) ?? /* @__PURE__ */ new Map();
    result.set(record3.table, byKey);
    byKey.set(recordKey(record3), digestOf3(record3.value));
  };
  await Promise.all(
    layout.records.tables.flatMap(
      ({ name }) => Array.from({ length: segments }, async (_, segment) => {
        let start;
        do {
          const output = await layout.transport.send(
            new ScanCommand3({
              TableName: name,
              Segment: segment,
              TotalSegments: segments,
              ExclusiveStartKey: start
            })
          );
          for (const raw of output.Items ?? []) {
            for (const read of await layout.records.read(raw, name)) {
              if (read.kind === "record") add(read.record);
              else if (read.kind === "invalid") onInvalid(read.table, read.reason);
            }
          }
          start = output.LastEvaluatedKey;
        } while (start);
      })
    )
  );
  return result;
}
function recordKey(record3) {
  switch (record3.table) {
    case "sites":
    case "pageCounts":
      return JSON.stringify([record3.value.siteId]);
    case "runs":
      return JSON.stringify([record3.value.runId]);
    case "pages":
      return JSON.stringify([record3.value.siteId, record3.value.pageId]);
    case "versions":
      return JSON.stringify([record3.value.pageId, record3.value.versionId]);
    case "frontier":
      return JSON.stringify([record3.value.runId, record3.value.itemId]);
  }
}
function digestOf3(value) {
  return createHash7("sha256").update(canonical(value)).digest("hex");
}
function canonical(value) {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, inner]) => inner !== void 0).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// src/paginate.ts
function paginate(fetchPage) {
  return { [Symbol.asyncIterator]: () => itemsOf(fetchPage) };
}
async function* itemsOf(fetchPage) {
  let cursor = null;
  do {
    const page = await fetchPage({ cursor });
    yield* page.items;
    if (page.cursor !== null && page.cursor === cursor) {
      throw new ValidationError([
        {
          path: "cursor",
          message: "fetchPage returned the cursor it was given: the listing does not advance"
        }
      ]);
    }
    cursor = page.cursor;
  } while (cursor !== null);
}
export {
  AbortError,
  CapacityError,
  ConflictError,
  CrawlRunSchema,
  CrawlStatsSchema,
  DynamoDBConfigSchema,
  FrontierItemSchema,
  FrontierStatusSchema,
  MIGRATION_SOURCE_OPERATIONS,
  NotFoundError,
  PageSchema,
  PageVersionSchema,
  RunStatusSchema,
  SiteSchema,
  StorageConfigSchema,
  StorageError,
  UnsupportedError,
  ValidationError,
  createStorageBackend,
  frontierItemIdFor,
  iamPolicy,
  migrateLayout,
  newRunId,
  newVersionId,
  operationsFor,
  pageIdFor,
  paginate,
  tableDefinitions,
  urlHashFor,
  verifyLayouts
};
