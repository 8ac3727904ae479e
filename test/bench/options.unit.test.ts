import { describe, expect, it } from 'vitest'
import { parseOptions } from '../../bench/options.js'

describe('bench options', () => {
  it('measures both layouts unless --layouts names some', () => {
    expect(parseOptions([])).toMatchObject({ layouts: ['single-table', 'multi-table'], layoutsNamed: false })
    expect(parseOptions(['--layouts', 'multi-table'])).toMatchObject({
      layouts: ['multi-table'],
      layoutsNamed: true,
    })
    expect(parseOptions(['--layouts', 'multi-table, single-table']).layouts).toEqual([
      'single-table',
      'multi-table',
    ])
  })

  it('refuses a layout it does not know, naming it', () => {
    expect(() => parseOptions(['--layouts', 'single-tabel'])).toThrow(/unknown layout "single-tabel"/)
  })
})
