/**
 * hrflow-connectors: push HrFlow.ai profiles into Breezy HR, Flatchr, SmartRecruiters, Greenhouse and
 * Taleez. Named re-exports only.
 */
export {
  Hrflow,
  type HrflowOptions,
  type ProfileLocator,
  type ProfilePage,
  type ProfileSearchParams,
} from "./hrflow/client.js";
export {
  DEFAULT_MAX_WEBHOOK_BYTES,
  EventParser,
  verifyHrflowWebhook,
  verifyWebhookSignature,
  type EventParserOptions,
  type HrflowWebhookInput,
  type HrflowWebhookVariant,
  type HrflowWebhookVerification,
} from "./hrflow/event-parser.js";
export {
  DEFAULT_PROFILE_LIMITS,
  HrflowProfileSchema,
  parseHrflowProfile,
  type HrflowProfile,
  type HrflowProfileInput,
  type ProfileLimitOverrides,
  type ProfileLimits,
} from "./hrflow/schema.js";

export { Breezyhr } from "./connectors/breezyhr/index.js";
export { Flatchr } from "./connectors/flatchr/index.js";
export { Greenhouse } from "./connectors/greenhouse/index.js";
export { SmartRecruiters } from "./connectors/smartrecruiters/index.js";
export { Taleez } from "./connectors/taleez/index.js";
export { CONNECTORS, connectorDefinitions, findConnector } from "./connectors/registry.js";
export {
  checkPushOptions,
  failureKind,
  ledgerTarget,
  payloadFingerprint,
  runPushProfile,
  toWorkflowResponse,
  type CommonPushOptions,
  type FormatFn,
  type LogicFn,
  type ProfileRef,
  type PushInputs,
  type WorkflowResponse,
} from "./connectors/pipeline.js";
export {
  newRunId,
  pushProfiles,
  type BatchAction,
  type BatchItemResult,
  type BatchProgress,
  type BatchRun,
  type BatchSummary,
  type BatchTarget,
  type ProfileFilter,
  type ProfileSelector,
  type PushProfilesOptions,
} from "./connectors/batch.js";
export type { Connector, PushProfileOptions } from "./connectors/connector.js";
export {
  replayPushes,
  replayVerdict,
  resolveEntry,
  targetParts,
  unfinishedEntries,
  UNFINISHED_OUTCOMES,
  type ReplayOptions,
  type ReplaySummary,
  type ReplayVerdict,
  type TargetParts,
} from "./connectors/replay.js";
export type {
  CandidatePlan,
  ConnectorDefinition,
  CreateResult,
  CvReport,
  DryRunMode,
  FoundRecord,
  PushContext,
  PushPlan,
  RecordStep,
  StepDone,
  StepResult,
  UpdateResult,
  VendorRecord,
  EndpointDoc,
  EnvVarDoc,
  FieldMappingRow,
  PushAction,
  PushProfileResult,
  StepReport,
} from "./connectors/definition.js";

export {
  AuthorizationAuth,
  OAuth2ClientCredentials,
  OAuth2EmailPasswordBody,
  OAuth2PasswordCredentialsBody,
  VendorAuth,
  XAPIKeyAuth,
  XSmartTokenAuth,
  XTaleezAuth,
  type HeaderValueOptions,
  type OAuth2ClientCredentialsOptions,
  type OAuth2EmailPasswordBodyOptions,
  type OAuth2PasswordCredentialsBodyOptions,
  type XAPIKeyAuthOptions,
} from "./core/auth/index.js";
export {
  AmbiguousCreateError,
  AuthError,
  BusyError,
  ConfigError,
  ConnectorsError,
  HrflowError,
  HttpError,
  MappingError,
  NetworkError,
  RateLimitError,
  ResponseTooLargeError,
  ResponseValidationError,
  TimeoutError,
  isAmbiguousCreateError,
  isAuthError,
  isBusyError,
  isConfigError,
  isConnectorsError,
  isHrflowError,
  isHttpError,
  isMappingError,
  isNetworkError,
  isRateLimitError,
  isResponseTooLargeError,
  isResponseValidationError,
  isTimeoutError,
  type ConfigIssue,
  type ConnectorsErrorName,
} from "./core/errors.js";
export {
  getLoggerWithBasicConfig,
  redactingLogger,
  silentLogger,
  type BasicLoggerOptions,
  type LogEvent,
  type LogFields,
  type LogLevel,
  type Logger,
} from "./core/logger.js";
export { systemClock, type Clock } from "./core/clock.js";
export type { CvAddress, CvLookup } from "./core/cv.js";
export { createRedactor, type Redactor } from "./core/redact.js";
export { DEFAULT_RETRY, type RetryOptions } from "./core/http/retry.js";
export { DEFAULT_MAX_RESPONSE_BYTES } from "./core/http/read-body.js";
export { describeRateLimit, type RateLimitPolicy } from "./core/http/rate-limiter.js";
export type { PlannedRequest } from "./core/http/types.js";
export { createMemoryStore } from "./core/store/memory.js";
export { createSqliteStore } from "./core/store/sqlite.js";
export { openStore, type OpenStoreOptions } from "./core/store/open.js";
export {
  createPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
} from "./core/store/postgres/store.js";
export type { PostgresClock } from "./core/store/postgres/ledger.js";
export {
  DEFAULT_POSTGRES_SCHEMA,
  isPostgresLocation,
  redactDatabaseUrl,
} from "./core/store/postgres/database.js";
export type { PostgresRateLimitsOptions } from "./core/store/postgres/rate-limits.js";
export type { RateLimitStats, SharedBucketState, SharedRateLimits } from "./core/store/shared-limits.js";
export {
  ClaimLostError,
  type Claim,
  type ClaimHeld,
  type FailureKind,
  type LedgerEntry,
  type LedgerError,
  type LedgerFilter,
  type LedgerKey,
  type LedgerOutcome,
  type LedgerStore,
  type StepRecord,
  type Store,
} from "./core/store/types.js";
export {
  JOB_HISTORY_LIMIT,
  JOB_STATES,
  type EnqueueOptions,
  type Enqueued,
  type FailOptions,
  type Job,
  type JobData,
  type JobError,
  type JobEvent,
  type JobFilter,
  type JobLease,
  type JobQueue,
  type JobState,
  type NewJob,
  type QueueStats,
  type TakeOptions,
} from "./core/store/queue.js";
export {
  DEFAULT_RUN_HEARTBEAT_MS,
  DEFAULT_RUN_STALE_MS,
  RUN_COUNTERS,
  addRunCounts,
  emptyRunCounts,
  settleAbandonedRuns,
  type RunCounter,
  type RunCounts,
  type RunEnd,
  type RunFilter,
  type RunKind,
  type RunRecord,
  type RunStatus,
  type RunStore,
} from "./core/store/runs.js";
export {
  createRuntime,
  type HeldClaim,
  type Runtime,
  type RuntimeEvent,
  type RuntimeOptions,
} from "./core/runtime.js";
export {
  createLocalRateLimits,
  LocalRateLimiter,
  withRateScale,
  type RateLimiter,
  type RateLimits,
  type WaitListener,
  type WaitReason,
} from "./core/http/rate-limiter.js";
export { VERSION } from "./version.js";
