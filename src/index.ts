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
export { EventParser, verifyWebhookSignature, type EventParserOptions } from "./hrflow/event-parser.js";
export {
  HrflowProfileSchema,
  parseHrflowProfile,
  type HrflowProfile,
  type HrflowProfileInput,
} from "./hrflow/schema.js";

export { Breezyhr } from "./connectors/breezyhr/index.js";
export { Flatchr } from "./connectors/flatchr/index.js";
export { Greenhouse } from "./connectors/greenhouse/index.js";
export { SmartRecruiters } from "./connectors/smartrecruiters/index.js";
export { Taleez } from "./connectors/taleez/index.js";
export { CONNECTORS, connectorDefinitions, findConnector } from "./connectors/registry.js";
export {
  runPushProfile,
  toWorkflowResponse,
  type CommonPushOptions,
  type FormatFn,
  type LogicFn,
  type ProfileRef,
  type WorkflowResponse,
} from "./connectors/pipeline.js";
export type { Connector, PushProfileOptions } from "./connectors/connector.js";
export { REPLAYABLE, replayPushes, type ReplayOptions, type ReplaySummary } from "./connectors/replay.js";
export type {
  ConnectorDefinition,
  CvReport,
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
  ConfigError,
  ConnectorsError,
  HrflowError,
  HttpError,
  MappingError,
  NetworkError,
  RateLimitError,
  ResponseValidationError,
  TimeoutError,
  isAmbiguousCreateError,
  isAuthError,
  isConfigError,
  isConnectorsError,
  isHrflowError,
  isHttpError,
  isMappingError,
  isNetworkError,
  isRateLimitError,
  isResponseValidationError,
  isTimeoutError,
  type ConfigIssue,
  type ConnectorsErrorName,
} from "./core/errors.js";
export {
  getLoggerWithBasicConfig,
  silentLogger,
  type BasicLoggerOptions,
  type LogEvent,
  type LogFields,
  type LogLevel,
  type Logger,
} from "./core/logger.js";
export { systemClock, type Clock } from "./core/clock.js";
export { DEFAULT_RETRY, type RetryOptions } from "./core/http/retry.js";
export { describeRateLimit, type RateLimitPolicy } from "./core/http/rate-limiter.js";
export type { PlannedRequest } from "./core/http/types.js";
export { createMemoryStore } from "./core/ledger/memory.js";
export { createSqliteStore } from "./core/ledger/sqlite.js";
export type {
  LedgerEntry,
  LedgerFilter,
  LedgerKey,
  LedgerOutcome,
  LedgerStep,
  PushStore,
} from "./core/ledger/types.js";
export { VERSION } from "./version.js";
