#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/. Run `npm run build` first.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2));
