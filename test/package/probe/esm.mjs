// Run by test/package/pack.package.test.ts with plain node in a folder where only the packed
// tarball is installed: `import` of the package and of its testing helper, end to end.
import { createRequire } from 'node:module'
import * as library from 'ragcrawl-dynamodb'
import * as testing from 'ragcrawl-dynamodb/testing'

const cache = createRequire(`${process.cwd()}/`).cache
const loaded = (name) =>
  Object.keys(cache).some((path) => new RegExp(`[\\\\/]node_modules[\\\\/]${name}[\\\\/]`).test(path))
const report = {
  exports: Object.keys(library).sort(),
  testingExports: Object.keys(testing).sort(),
  engineLoadedByImport: loaded('dynalite') || loaded('classic-level'),
}

const backend = library.createStorageBackend({ backend: { endpointUrl: 'embedded' } })
await backend.initialize()
for (const siteId of ['a', 'b', 'c']) await backend.saveSite({ siteId, name: siteId, seeds: [] })
report.sites = []
for await (const site of library.paginate((o) => backend.listSites({ ...o, limit: 2 }))) {
  report.sites.push(site.siteId)
}
report.engineLoadedByEmbedded = loaded('dynalite') && loaded('classic-level')
await backend.close()

const engine = await testing.startLocalEngine()
testing.assertLoopbackEndpoint(engine.endpoint)
const viaTesting = library.createStorageBackend({
  backend: { endpointUrl: engine.endpoint, tablePrefix: testing.uniqueTablePrefix('pack') },
})
await viaTesting.initialize()
report.testingHealthy = await viaTesting.healthCheck()
await viaTesting.close()
await engine.stop()

try {
  library.createStorageBackend({ backend: { layout: 'no-such-layout' } })
} catch (error) {
  report.validationError = error instanceof library.ValidationError && error instanceof library.StorageError
}
console.log(JSON.stringify(report))
