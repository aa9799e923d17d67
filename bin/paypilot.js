#!/usr/bin/env node
// The `paypilot` command. Paypilot is TypeScript run by Node's own type stripping (Node 22.18+, 24 LTS recommended);
// `npm install` brings Node 24 into node_modules/.bin, which npm scripts and npx put first on PATH.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`paypilot needs Node.js 22.18 or newer (this is ${process.versions.node}); run it through npm (npm start, npx paypilot) to use the Node 24 that npm install provides.`);
  process.exit(1);
}
await import('../src/cli.ts');
