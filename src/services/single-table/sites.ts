// Kept only for pages.ts, which its own move re-points at plumbing/stored.ts.
export { readOwned } from '../plumbing/stored.js'
