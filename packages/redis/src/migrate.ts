/**
 * `@podsafe/redis/migrate`: bulk conversion of connect-redis sessions into podsafe
 * records, as a function and as the `podsafe-migrate` command.
 *
 * @packageDocumentation
 */
export { migrateLegacySessions, type MigrateOptions, type MigrateProgress, type MigrateSummary } from './legacy/migrate.js';
export { runMigrateCli, type CliIo } from './legacy/migrate-cli.js';
