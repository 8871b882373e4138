// Startup failures an operator can fix get a message and exit 1, not a stack trace.
import { ConfigError } from './config.js';

/** Bad environment (ours) or bad session options (podsafe's SessionConfigError). */
export const isConfigProblem = (error) => error instanceof ConfigError || error?.code === 'ERR_SESSION_CONFIG';

/** What to tell the operator when the listener cannot open. */
export function listenFailure(error, config) {
  const where = `${config.host}:${config.port}`;
  if (error.code === 'EADDRINUSE') return `port ${config.port} on ${config.host} is already in use: set PORT to a free one.`;
  if (error.code === 'EACCES') return `not allowed to listen on ${where}: use a port above 1023.`;
  return `cannot listen on ${where}: ${error.message}`;
}
