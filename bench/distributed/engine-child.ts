/**
 * The engine of the distributed simulation in a process of its own: dynalite (what `endpointUrl:
 * 'embedded'` starts) on a free loopback port. Prints `{"endpoint": …}`; stops when stdin closes.
 */
import { startLocalEngine } from '../../src/testing/index.js'

const engine = await startLocalEngine()
process.stdout.write(`${JSON.stringify({ endpoint: engine.endpoint, pid: process.pid })}\n`)
process.stdin.resume()
process.stdin.on('end', () => {
  void engine.stop().then(() => process.exit(0))
})
