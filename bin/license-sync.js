#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so that `npx license-sync` works right
// after `npm ci` without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
