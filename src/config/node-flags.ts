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
 *
 * `--heap-growing-percent=50`: after each full collection V8 lets the old
 * generation grow to 1.5× what survived it (by default up to 4×, by how fast
 * it collects). At 350–400 payments/s the API promotes about 10 MB/s of
 * request objects that die soon after, and the old generation grew to 140 MB
 * before V8 collected it, with 44 MB live: 295–320 MB resident at saturation.
 * With the flag, 227–244 MB, with no CPU per request the bench resolves
 * (bench/README.md, "Memory: the old generation"). A V8 flag, not a Node
 * one: accepted on the command line only (not in NODE_OPTIONS).
 */
export const nodeFlags = ['--max-semi-space-size=16', '--heap-growing-percent=50'] as const;
