// Run by test/package/pack.package.test.ts with plain node in a folder where only the packed
// tarball is installed: `require` of the package and of its testing helper, end to end.
const library = require('ragcrawl-dynamodb')
const testing = require('ragcrawl-dynamodb/testing')

const loaded = (name) =>
  Object.keys(require.cache).some((path) => new RegExp(`[\\\\/]node_modules[\\\\/]${name}[\\\\/]`).test(path))

async function main() {
  const report = {
    exports: Object.keys(library).sort(),
    testingExports: Object.keys(testing).sort(),
    engineLoadedByRequire: loaded('dynalite') || loaded('classic-level'),
  }
  const engine = await testing.startLocalEngine()
  testing.assertLoopbackEndpoint(engine.endpoint)
  const backend = library.createStorageBackend({
    backend: {
      endpointUrl: engine.endpoint,
      tablePrefix: testing.uniqueTablePrefix('pack'),
      layout: 'multi-table',
    },
  })
  await backend.initialize()
  for (const siteId of ['a', 'b', 'c']) await backend.saveSite({ siteId, name: siteId, seeds: [] })
  report.sites = []
  for await (const site of library.paginate((o) => backend.listSites({ ...o, limit: 2 }))) {
    report.sites.push(site.siteId)
  }
  await backend.close()
  await engine.stop()
  console.log(JSON.stringify(report))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
