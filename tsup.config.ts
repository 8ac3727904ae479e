import { rmSync } from 'node:fs'
import { defineConfig, type Options } from 'tsup'

// The two builds below write into one folder at once, so it is emptied here, once, before either.
rmSync('dist', { recursive: true, force: true })

const library = { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' }

const common: Options = {
  sourcemap: true,
  clean: false,
  target: 'node20',
  platform: 'node',
}

export default defineConfig([
  // ESM: the library, its testing helper and the CLI in one build with code splitting, so the CLI
  // runs the very modules `dist/index.js` exports (one shared chunk) instead of a copy of its own.
  {
    ...common,
    entry: { ...library, 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    splitting: true,
    dts: { entry: library },
    esbuildOptions(options) {
      options.chunkNames = 'shared/[name]-[hash]'
    },
  },
  // CJS: the library and its testing helper for `require`; the bin is ESM only. Its declarations
  // (`.d.cts`) are the ESM build's `.d.ts` copied by `npm run build`: the same text, half the time.
  {
    ...common,
    entry: library,
    format: ['cjs'],
    splitting: false,
    dts: false,
  },
])
