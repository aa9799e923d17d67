/**
 * The Node.js flags every Paypilot process runs with, wherever it is started:
 * the npm scripts (`start`, `paypilot`, `cluster`), the Dockerfile's
 * entrypoint, the cluster's nodes and the bench's API server
 * (`src/config/node-flags.test.ts` keeps the scripts and the Dockerfile in step).
 *
 * `--max-semi-space-size=16` (MiB): V8 grows its young generation with the
 * allocation rate, up to 64 MiB per semi-space on Node 24 (134 MB of new
 * space in all). Requests allocate fast and briefly, so under load the API
 * process kept that much resident for garbage that dies young. Capped at 16,
 * the bench's API server peaked at 229 MB at saturation against 299 MB
 * uncapped, with no more CPU per request (bench/README.md, "Memory"); 8 went
 * lower still but cost CPU in more frequent scavenges.
 */
export const nodeFlags = ['--max-semi-space-size=16'] as const;
