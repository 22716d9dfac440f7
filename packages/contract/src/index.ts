export { type Answer, answerRoute, awaiting, REFUSED_METHODS, type RouteHandler, refusalOf, whenAnswered } from './answer.js';
export { type Availability, checkAvailability } from './availability.js';
export { checkReply, ROUTE_CHECKS, type RouteCheck, verifyServer } from './checks.js';
export { type HttpReply, request } from './client.js';
export {
  type AwaitedDatabase,
  type BlockingDatabase,
  blockingDatabase,
  DATABASE_WAIT_MS,
  type DatabaseSettings,
  DatabaseUnavailable,
  NO_DATABASE,
  pooledDatabase,
  QUERY_SQL,
  readDatabaseEnv,
} from './database.js';
export {
  askDatabase,
  DATABASE_SAMPLE_EVERY_MS,
  type DatabaseActivity,
  type DatabaseWatch,
  databaseAnswers,
  watchDatabase,
} from './databaseActivity.js';
export {
  DeclarationError,
  type DeclarationProblem,
  declarationJsonSchema,
  declarationSchema,
  EXCEPTION_NAMES,
  type ExceptionCase,
  HARNESS_ENV_NAMES,
  installedVersion,
  RESERVED_SERVER_NAMES,
  type Requirements,
  readServerPackage,
  type ServerDeclaration,
  type ServerPackage,
} from './declaration.js';
export { ConfigError, type IntegerRange, integerFromEnv } from './env.js';
export {
  type ExitStatus,
  type LaunchOptions,
  liveServerPids,
  processAlive,
  type RunningServer,
  ServerStartError,
  startServer,
  stopAllServers,
  waitForExit,
} from './launch.js';
export { MODELS, type Model } from './model.js';
export { freePort } from './ports.js';
export { POSTGRES_INSTALL, type Postgres, PostgresUnavailable, postgresBinaries, startPostgres } from './postgres.js';
export {
  ALLOWED_METHODS,
  LIMITS,
  methodNotAllowedError,
  notFoundError,
  type ParamSpec,
  type Params,
  type ParseResult,
  parseQuery,
  queryOf,
  type Reply,
  ROUTES,
  type RouteSpec,
  uriTooLongError,
} from './routes.js';
export {
  createHttpServer,
  type ReadyLine,
  readServeEnv,
  SERVER_SETTINGS,
  type ServeEnv,
  type ServeOptions,
  serve,
  serveFromPackage,
} from './serve.js';
export { createStatsRecorder, type LoopDelay, type MeasuredStats, type StatsRecorder, type StatsSnapshot } from './serverStats.js';
export { parseServerTiming, SERVER_TIMING_METRIC, timeResponse } from './timing.js';
export { countTo, sleepAsync, sleepBlocking } from './work.js';
