#!/usr/bin/env node
// The `lifeguard` command. Compiled sources live in ../dist (built by `npm install`).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
