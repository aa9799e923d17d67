/**
 * The layer rules of CONVENTIONS.md, checked by `npm run lint` (dependency-cruiser).
 * Dependencies point inward: domain ← store ← flows ← http/jobs; connectors beside store.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycles, anywhere: a cycle hides which module is the foundation.',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'src/domain imports no other layer: pure logic, no I/O.',
      from: { path: '^src/domain/' },
      to: { path: '^src/(?!domain/)' },
    },
    {
      name: 'connectors-stay-off-the-database',
      severity: 'error',
      comment: 'Connectors speak to providers; they import neither store nor flows.',
      from: { path: '^src/connectors/' },
      to: { path: '^src/(store|flows|http|jobs)/' },
    },
    {
      name: 'store-below-flows',
      severity: 'error',
      comment: 'The store is below the use cases: it imports neither flows nor http nor jobs.',
      from: { path: '^src/store/' },
      to: { path: '^src/(flows|http|jobs)/' },
    },
    {
      name: 'flows-below-http-and-jobs',
      severity: 'error',
      comment: 'Use cases do not reach up into the HTTP layer or the worker.',
      from: { path: '^src/flows/' },
      to: { path: '^src/(http|jobs)/' },
    },
    {
      name: 'routes-reach-store-through-flows',
      severity: 'error',
      comment:
        'Routes call flows; a route reaches the store only for a read with no business rule. The exceptions, each with its reason, are in pathNot below.',
      from: {
        path: '^src/http/routes/',
        pathNot: [
          // Reads with no business rule: a list or one row, as stored, scoped to the caller's merchant and mode.
          '^src/http/routes/pages\\.ts$', // the order and result pages read the payment they show
          '^src/http/routes/v1/analytics/feedback\\.ts$',
          '^src/http/routes/v1/webhooks/events-(list|retrieve)\\.ts$',
          '^src/http/routes/v1/orders/after-sales-requests-(list|retrieve)\\.ts$',
          '^src/http/routes/v1/refunds/(retrieve|list)\\.ts$',
          '^src/http/routes/v1/payments/(attempts|history|list)\\.ts$',
          '^src/http/routes/console/(payments/payments-list|analytics/feedback-comments)\\.ts$',
        ],
      },
      to: { path: '^src/store/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'operations-commands-on-top',
      severity: 'error',
      comment:
        'src/ops holds the operations commands (backup, restore, archive, reconcile, data commands): the CLI and the worker call them; no layer below calls them.',
      from: { path: '^src/(domain|store|connectors|flows|http|simulators)/' },
      to: { path: '^src/ops/' },
    },
    {
      name: 'web-imports-only-domain',
      severity: 'error',
      comment: 'The browser code shares only pure functions with the server.',
      from: { path: '^web/(checkout|console)/' },
      to: { path: '^src/(?!domain/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^node_modules/|\\.test\\.ts$|^test/|^bench/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
