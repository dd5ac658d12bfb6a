#!/usr/bin/env node
// Launcher for `npx byol` in a checkout: Node 24 runs the TypeScript sources directly.
// The shipped rescue-system build is the single file dist/byol.mjs (npm run build).
import "../agent/main.ts";
