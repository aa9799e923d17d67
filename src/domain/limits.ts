/**
 * Every bound in one place, with units last in the names. Relations between
 * them are asserted once, when the module loads.
 */
import { assert } from './assert.ts';

export const limits = {
  amountMinorUnitsMin: 1n,
  amountMinorUnitsMax: 1_000_000_000_000n,
  bodyBytesMax: 64 * 1024,
  /** Objects and arrays inside one another in a JSON body; checked on the text before anything parses or walks it. */
  jsonDepthMax: 32,
  /** Node's own bound on the request line and headers together (its default, passed explicitly). */
  headerBytesMax: 16 * 1024,
  /** After answering a request the HTTP parser refused, how long its unread bytes are drained before the socket closes. */
  clientErrorDrainMs: 2_000,
  metadataKeysMax: 50,
  metadataKeyLengthMax: 40,
  metadataValueLengthMax: 500,
  descriptionLengthMax: 1000,
  orderItemsMax: 100,
  cancellationCommentLengthMax: 500,
  idempotencyKeyLengthMax: 255,
  idempotencyKeyRetentionMs: 24 * 60 * 60 * 1000,
  idempotencyInProgressStaleMs: 5 * 60 * 1000,
  /** How often an API process moves its heartbeat row forward (migration 0056), off the request path. */
  apiNodeHeartbeatIntervalMs: 2_000,
  /**
   * A heartbeat statement (on the heartbeat's own connection, never the request pool) that takes longer fails:
   * the next beat tries again, on a new connection if this one broke.
   */
  apiNodeHeartbeatStatementTimeoutMs: 2_000,
  /**
   * An API process whose heartbeat is older than this (by the database's clock) is taken for dead: a retry of
   * the same request takes its in-progress idempotency keys over at once, rather than after the stale window.
   */
  apiNodeDeadAfterMs: 10_000,
  /** Heartbeat rows of API processes that stopped are deleted once this old. */
  apiNodeRetentionMs: 60 * 60 * 1000,
  /** Keys completed together in one statement when answers are ready at the same time (group commit). */
  idempotencyCompletionsPerStatementMax: 64,
  pageSizeDefault: 10,
  pageSizeMax: 100,
  paymentExpiresInSecondsDefault: 1800,
  paymentExpiresInSecondsMin: 60,
  paymentExpiresInSecondsMax: 7 * 24 * 60 * 60,
  connectorTimeoutMs: 10_000,
  connectorAttemptsMax: 3,
  connectorRetryBaseDelayMs: 100,
  connectorRetryDelayMaxMs: 2_000,
  connectorCallBudgetMs: 25_000,
  unknownOutcomeQueryAfterMs: 30_000,
  /** The longest wait between two status queries of an unknown outcome (the sweep adds up to a minute). */
  unknownOutcomeQueryDelayMaxMs: 4 * 60 * 1000,
  /** Outbound HTTP (connectors/http-exchange.ts): a TCP and TLS handshake longer than this never sent the request. */
  outboundConnectTimeoutMs: 5_000,
  outboundKeepAliveMs: 30_000,
  outboundConnectionsPerOriginMax: 32,
  /** How long checking a URL's name at save time may wait for DNS; past it the name is judged when connecting. */
  outboundLookupTimeoutMs: 2_000,
  /** A provider's answer to one call; a statement or bill is allowed more. */
  providerResponseBytesMax: 1024 * 1024,
  providerStatementBytesMax: 32 * 1024 * 1024,
  /**
   * How long after we asked a provider to create an order its "no such order"
   * (WeChat ORDER_NOT_EXIST, Alipay ACQ.TRADE_NOT_EXIST, UnionPay 34) may
   * still mean "not visible yet"; past it (or past the payment's expiry, when
   * the order could no longer be paid anyway) it means "never made".
   */
  channelOrderMissingSettleAfterMs: 5 * 60 * 1000,
  sweepBatchSize: 200,
  /** An expired payment whose order could not be closed at its provider is tried again after 1, 2, 4 … minutes, at most this long. */
  expiryRetryDelayMinMs: 60 * 1000,
  expiryRetryDelayMaxMs: 15 * 60 * 1000,
  /**
   * The expiry sweep deletes the watch rows of final payments past their expiry (migration 0047) this many per statement,
   * at most this many statements per run (a run a minute keeps up with 2 000 000 payments a minute).
   */
  expiryWatchPruneBatchSize: 20_000,
  expiryWatchPruneStatementsMax: 100,
  /** A payer waiting at a provider (QR code shown): its order is asked about after 5 s, then 10, 20 and 30 s more, then every minute. */
  waitingOrderPollDelaysMs: [5_000, 10_000, 20_000, 30_000],
  waitingOrderPollIntervalMs: 60 * 1000,
  databasePoolSize: 20,
  databaseStatementTimeoutMs: 15_000,
  databaseConnectTimeoutMs: 5_000,
  /**
   * A read sent to the read replica (DATABASE_READ_URL) waits until the replica has replayed all
   * the primary had written when the read began: checked this many times, this far apart (at most
   * about 200 ms in all), after which the read goes to the primary. Lag past that is an incident, not
   * a reason to answer from stale rows.
   */
  replicaCatchUpChecksMax: 20,
  replicaCatchUpPollMs: 10,
  httpRequestTimeoutMs: 30_000,
  otpAttemptsMax: 3,
  pinAttemptsMax: 5,
  /** Coupon codes a payer may try on one payment (the checkout's field): enough for typos, too few to guess codes. */
  couponTriesPerPaymentMax: 10,
  /** Variants one checkout experiment compares, the control included. */
  experimentVariantsMax: 5,
  /** Exposed payers every variant needs before results compare them, unless the merchant sets another. */
  experimentMinimumSamplePerVariantDefault: 200,
  experimentMinimumSamplePerVariantMax: 1_000_000,
  /** Risk rules (issue 18): per merchant and mode, the expression's length and depth, and the back-test's window. */
  riskRulesPerMerchantMax: 100,
  riskExpressionCharsMax: 1000,
  riskExpressionDepthMax: 24,
  riskBacktestDays: 30,
  riskBacktestPaymentsMax: 100_000,
  /** Labelled payments a merchant needs (and frauds among them) before a model is trained, and the most read. */
  riskModelSamplesMin: 40,
  riskModelFraudsMin: 5,
  riskModelSamplesMax: 20_000,
  pinLockMs: 15 * 60 * 1000,
  /** A PIN try reserved this long ago belongs to a request that died (a check takes milliseconds). */
  pinTryReservationTtlMs: 60 * 1000,
  /** How many times a PIN try waits while every try left is being checked (backoff 10 ms doubling to 250 ms: about 9 s in all). */
  pinTryWaitRoundsMax: 40,
  pinTryWaitStepMaxMs: 250,
  walletBalanceMinorUnitsMax: 100_000_000_000n,
  walletTransactionsPageSizeMax: 100,
  webhookTimeoutMs: 10_000,
  webhookRetryWindowMs: 3 * 24 * 60 * 60 * 1000 + 60 * 60 * 1000,
  webhookAttemptsMax: 40,
  webhookDisableAfterFailingMs: 3 * 24 * 60 * 60 * 1000,
  webhookEndpointsPerMerchantMax: 16,
  webhookResponseBodyBytesMax: 1024,
  deliveryLeaseMs: 60_000,
  messageRetryWindowMs: 24 * 60 * 60 * 1000,
  messageAttemptsMax: 20,
  messageSendTimeoutMs: 15_000,
  funnelStepsPerPaymentMax: 200,
  analyticsRangeDaysMax: 366,
  /** Changes folded into the analytics rollups per transaction, and how often the worker folds. */
  analyticsFoldBatchSize: 5_000,
  analyticsFoldIntervalMs: 5_000,
  /** A reader folds its merchant's pending changes first: at most this many batches (a backlog beyond is the worker's). */
  analyticsFoldOnReadBatchesMax: 200,
  analyticsFoldWorkerBatchesMax: 20,
  analyticsHourlyRangeDaysMax: 31,
  segmentCustomersMax: 50_000,
  segmentPaymentsPerCustomerMin: 2,
  segmentsDefault: 4,
  segmentsMax: 10,
  /** k-means runs in worker threads: this many at once per API process, each stopped after this long. */
  segmentThreadsMax: 1,
  segmentComputeTimeoutMs: 60_000,
  segmentRangeDefaultMs: 90 * 24 * 60 * 60 * 1000,
  /**
   * A kept segmentation (migration 0034) is answered as it is while computed less than this long ago; older, up to
   * segmentResultStaleMaxMs, it is answered at once and refreshed in the background; older still (or none), it is computed
   * before answering.
   */
  segmentResultFreshMs: 10 * 60 * 1000,
  segmentResultStaleMaxMs: 24 * 60 * 60 * 1000,
  /** Comments the worker analyzes per transaction (migration 0042), and batches per run (the next minute's run takes the rest). */
  commentAnalysisBatchSize: 200,
  commentAnalysisBatchesPerRunMax: 50,
  /** Example comments shown per topic by GET /v1/analytics/feedback_themes. */
  themeExamplesPerTopic: 3,
  simulatedPaymentsMax: 200_000,
  simulatedDaysMax: 365,
  archiveBatchRows: 5_000,
  backupHeaderBytesMax: 16 * 1024 * 1024,
  alertRulesPerMerchantMax: 50,
  alertRulesPerEvaluationMax: 10_000,
  alertRulesBatchSize: 200,
  incidentsPerAnswerMax: 1000,
  /** API keys that work (not revoked, not expired) per merchant and mode; revoked ones do not count. */
  apiKeysPerMerchantModeMax: 50,
  /** A roll's overlap: how long the old key keeps working, as Stripe's roll (0: it stops at once). */
  apiKeyRollOverlapSecondsMax: 7 * 24 * 60 * 60,
  /** A backstop only: invalidation (LISTEN/NOTIFY) is what drops a changed key from the cache. */
  apiKeyCacheTtlMs: 5 * 60 * 1000,
  apiKeyCacheEntriesMax: 10_000,
  /** A backstop only, as for keys: a change to an account drops its merchant's entry at once (LISTEN/NOTIFY). */
  connectorAccountCacheTtlMs: 5 * 60 * 1000,
  /** Merchants (with their mode) whose enabled accounts one API process keeps. */
  connectorAccountCacheScopesMax: 10_000,
  /**
   * How long a process trusts the circuit breakers it read (flows/channels/account-health.ts):
   * while its invalidation listener listens, every change drops them at once and this is a
   * backstop; without one, it is how stale a breaker may be.
   */
  breakerCacheListeningTrustMs: 30_000,
  breakerCacheTrustMs: 1_000,
  breakerCacheAccountsMax: 100_000,
  /** How often the invalidation listener proves its connection alive, and how long it waits for the answer. */
  invalidationHeartbeatMs: 5_000,
  invalidationHeartbeatTimeoutMs: 2_000,
  invalidationReconnectDelayMs: 1_000,
  /** How long a revoke or roll waits for every API process to acknowledge the change before answering anyway. */
  invalidationAcknowledgementWaitMs: 1_000,
  /**
   * Failed authentications per client address per minute (a bucket of this
   * size refilled over a minute). A misconfigured integration sees its 401s
   * long before this; a key guesser gets 30 tries a minute at 192-bit keys,
   * and the database at most one lookup every two seconds per address.
   */
  authFailuresPerMinuteMax: 30,
  /**
   * Requests per client address per minute to the payer's unauthenticated
   * routes (the hosted checkout page, the order page's API). A payer opens a
   * checkout once and an order page a few times; payers behind one carrier NAT
   * share an address, hence a burst well above one payer's needs.
   */
  payerRequestsPerMinuteMax: 120,
  /**
   * Provider notifications per client address per minute. Providers send from
   * a few addresses each, so one abusive address spends only its own bucket; a
   * refused notification is retried by the provider for a day and the worker's
   * status queries settle payments anyway, so a limit delays, never loses. An
   * unverified notification triggers a status query to the provider: a flood
   * from one address is held to 10 a second.
   */
  providerNotificationsPerMinuteMax: 600,
  /**
   * A shared rate-limit bucket untouched this long is deleted by the worker:
   * every limit refills its whole burst well within it, so a forgotten bucket
   * is a full one.
   */
  rateLimitBucketIdleMs: 60 * 60 * 1000,
  /**
   * The event stream (flows/event-stream/): publications read per round, and
   * payments published side by side (each payment's events one at a time).
   */
  eventStreamBatchSize: 500,
  eventStreamPublishesAtOnceMax: 32,
  /** How long a stream acknowledgement is awaited; the publisher's lease, renewed every round, outlasts a round by far. */
  eventStreamPublishTimeoutMs: 5_000,
  eventStreamLeaseMs: 60_000,
  /** How long a round may keep starting publications; then it records what it has and renews its lease. */
  eventStreamRoundBudgetMs: 15_000,
  /** Pause when nothing is owed, and after a failed round (doubling up to the maximum). */
  eventStreamIdlePollMs: 250,
  eventStreamRetryDelayMaxMs: 10_000,
  /** How long JetStream remembers message ids to drop a repeated publication. */
  eventStreamDuplicateWindowMs: 10 * 60 * 1000,
  /** Console sessions end after this long without a request, and in any case this long after sign-in. */
  consoleSessionIdleMs: 30 * 60 * 1000,
  consoleSessionAbsoluteMs: 12 * 60 * 60 * 1000,
  /** Failed sign-ins in a row that lock a member's account, and for how long. */
  consoleSignInFailuresMax: 5,
  consoleSignInLockMs: 15 * 60 * 1000,
  /** Failed sign-ins from one address (any account) within the window, past which it must wait for the window to end. */
  consoleAddressFailuresMax: 20,
  consoleAddressWindowMs: 15 * 60 * 1000,
  consolePasswordResetExpiresMs: 60 * 60 * 1000,
  consoleInvitationExpiresMs: 7 * 24 * 60 * 60 * 1000,
  consoleMembersPerMerchantMax: 200,
  auditCsvRowsMax: 10_000,
  auditVerifyBatchRows: 1_000,
  /** The console's payment search: rows per CSV export, and rows per list of one payment's timeline. */
  consolePaymentsCsvRowsMax: 10_000,
  consoleTimelineRowsMax: 200,
  /** Recent API requests (Developers page): written in batches at least this often or of this many rows, kept this long. */
  requestLogFlushMs: 1_000,
  requestLogBatchRowsMax: 200,
  /** Rows waiting for a write; past it new rows are dropped (and counted), never the request slowed. */
  requestLogBufferRowsMax: 10_000,
  requestLogRetentionMs: 7 * 24 * 60 * 60 * 1000,
  requestLogPruneEveryMs: 10 * 60 * 1000,
  requestLogPageSizeMax: 200,
  /** Buckets of the console's channel series (each is one summary read), and how many are read at once. */
  consoleChannelBucketsMax: 62,
  consoleChannelBucketReadsAtOnce: 4,
  /** Payer support: one message's length, open requests one payment may have at once, messages in one thread. */
  supportMessageLengthMax: 2000,
  supportOpenRequestsPerPaymentMax: 3,
  supportMessagesPerRequestMax: 50,
  /** FAQ entries per merchant, mode and language (a payer search reads them all), a query's length, entries a search answers. */
  faqEntriesPerLocaleMax: 200,
  faqQueryLengthMax: 100,
  faqSearchResultsMax: 10,
  /**
   * Payers' FAQ searches are kept this long (their words may hold personal data), then deleted by the
   * worker, at most `faqSearchPurgeBatchSize` per statement: longer than the longest analytics range.
   */
  faqSearchRetentionDays: 400,
  faqSearchPurgeBatchSize: 10_000,
  /** Queries listed in the support analytics (top and unanswered). */
  faqTopQueriesMax: 10,
  /** NPS surveys: payments older than their due day by more than this are never surveyed (a newly enabled setting does not survey the past). */
  npsSurveyLookbackDays: 7,
  /** Surveys queued by one run of the survey job. */
  npsSurveyBatchMax: 200,
  /** How often a worker moves its heartbeat row forward (migration 0044). */
  workerHeartbeatIntervalMs: 5_000,
  /** `/ready` on an API process: the newest worker heartbeat may be this old (WORKER_HEARTBEAT_MAX_AGE_SECONDS; 0 = not checked). */
  workerHeartbeatMaxAgeMsDefault: 30_000,
  /** Heartbeat rows of workers that stopped are deleted once this old. */
  workerHeartbeatRetentionMs: 24 * 60 * 60 * 1000,
  /** Shutdown: requests (and worker jobs) in flight get this long to finish before their connections are closed (SHUTDOWN_GRACE_SECONDS). */
  shutdownGraceMsDefault: 10_000,
  shutdownGraceMsMax: 5 * 60 * 1000,
} as const;

assert(limits.amountMinorUnitsMax < BigInt(Number.MAX_SAFE_INTEGER), 'amounts must fit JSON numbers exactly');
assert(limits.pageSizeDefault <= limits.pageSizeMax, 'default page size within the maximum');
assert(limits.requestLogBatchRowsMax <= limits.requestLogBufferRowsMax, 'a request-log batch fits in its buffer');
assert(
  limits.connectorTimeoutMs * limits.connectorAttemptsMax <= limits.connectorCallBudgetMs + limits.connectorTimeoutMs,
  'connector retries fit in the call budget',
);
assert(limits.connectorCallBudgetMs < limits.httpRequestTimeoutMs, 'a confirm finishes before the HTTP request times out');
assert(
  limits.channelOrderMissingSettleAfterMs > limits.httpRequestTimeoutMs + limits.unknownOutcomeQueryAfterMs,
  'an order is judged never made only well after the confirm that creates it has ended',
);
assert(limits.walletBalanceMinorUnitsMax <= limits.amountMinorUnitsMax, 'a wallet never holds more than one payment may move');
assert(limits.outboundConnectTimeoutMs <= limits.connectorTimeoutMs && limits.outboundConnectTimeoutMs <= limits.webhookTimeoutMs, 'a connection is made within the call it serves');
assert(limits.providerResponseBytesMax <= limits.providerStatementBytesMax, 'a statement may be larger than an answer');
assert(limits.webhookTimeoutMs < limits.deliveryLeaseMs && limits.messageSendTimeoutMs < limits.deliveryLeaseMs, 'a lease outlasts the call it covers');
assert(limits.paymentExpiresInSecondsDefault >= limits.paymentExpiresInSecondsMin, 'default expiry within bounds');
assert(limits.expiryRetryDelayMinMs <= limits.expiryRetryDelayMaxMs, 'expiry retries back off within their bounds');
assert(limits.waitingOrderPollDelaysMs.every((delay) => delay > 0 && delay <= limits.waitingOrderPollIntervalMs), 'a waiting order is polled at least once a minute');
assert(limits.invalidationHeartbeatTimeoutMs < limits.invalidationHeartbeatMs, 'a heartbeat is answered or given up before the next one');
assert(limits.invalidationHeartbeatMs + limits.invalidationHeartbeatTimeoutMs < limits.apiKeyCacheTtlMs, 'a dead listener is noticed well within the cache backstop');
assert(limits.invalidationHeartbeatMs + limits.invalidationHeartbeatTimeoutMs < limits.connectorAccountCacheTtlMs, 'a dead listener is noticed well within the accounts cache backstop');
assert(
  limits.eventStreamRoundBudgetMs + limits.eventStreamPublishTimeoutMs * 2 < limits.eventStreamLeaseMs,
  'a publishing round (its last publication included) ends well within the lease it renewed',
);
assert(limits.eventStreamRetryDelayMaxMs < limits.eventStreamDuplicateWindowMs, 'a retried publication is still within the duplicate window');
assert(limits.consoleSessionIdleMs < limits.consoleSessionAbsoluteMs, 'a console session idles out before it ends outright');
assert(limits.consoleSignInFailuresMax < limits.consoleAddressFailuresMax, 'one address may fail more often than one account before it waits');
assert(limits.apiNodeDeadAfterMs >= 4 * limits.apiNodeHeartbeatIntervalMs, 'a live API process misses several heartbeats before its keys are taken over');
assert(limits.apiNodeHeartbeatStatementTimeoutMs < limits.apiNodeDeadAfterMs, 'one stuck heartbeat statement does not outlast the dead-after bound');
assert(limits.apiNodeDeadAfterMs < limits.idempotencyInProgressStaleMs, 'a dead holder is noticed before the stale window ends');
assert(limits.apiNodeRetentionMs > limits.apiNodeDeadAfterMs, 'a heartbeat row is kept while it still tells a live process from a dead one');
assert(limits.workerHeartbeatMaxAgeMsDefault >= 3 * limits.workerHeartbeatIntervalMs, 'one late or lost heartbeat does not make the deployment unready');
assert(limits.shutdownGraceMsDefault <= limits.shutdownGraceMsMax, 'the default shutdown grace is within its bound');
assert(limits.consolePasswordResetExpiresMs <= limits.consoleInvitationExpiresMs, 'a reset link lives no longer than an invitation');
