// Completes `npm run build` after tsc: the migrations beside the compiled code (which finds
// them relative to itself), then the digest of the sources, which bin/license-sync.js
// compares before it runs the compiled code.
import { cpSync, writeFileSync } from 'node:fs';
import { sourceHash } from './source-hash.js';

cpSync('drizzle', 'dist/drizzle', { recursive: true });
writeFileSync('dist/source-hash', `${sourceHash('.')}\n`);
