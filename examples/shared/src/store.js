// One place decides where sessions live. Each backend package is imported only
// when chosen, so a missing or unbuilt one only matters to whoever selects it.
import { ConfigError } from './config.js';

/** Creates the session store `config.backend` names. */
export async function createStore(config) {
  switch (config.backend) {
    case 'redis': {
      const { RedisStore } = await load('@podsafe/redis');
      return new RedisStore({ url: config.redisUrl, ...redisCredentials(config) });
    }
    case 'memcached': {
      const { MemcachedStore } = await load('@podsafe/memcached');
      return new MemcachedStore({ servers: config.memcachedServers });
    }
    case 'jwt': {
      // The cookie is the store: the same secrets sign the token, so every replica can read it.
      const { JwtStore } = await load('@podsafe/jwt');
      if (config.revocationRedisUrl === undefined) return new JwtStore({ secret: config.secrets });
      const { RedisStore } = await load('@podsafe/redis');
      const revocation = new RedisStore({ url: config.revocationRedisUrl, prefix: 'revoked:', ...redisCredentials(config) });
      const jwt = new JwtStore({ secret: config.secrets, revocation });
      // JwtStore leaves a revocation store it was handed open (it may be shared);
      // this one is the app's alone, so it closes with the session store.
      const closeTokens = jwt.close.bind(jwt);
      jwt.close = async () => {
        await closeTokens();
        await revocation.close();
      };
      return jwt;
    }
    case 'memory': {
      // What an app has before podsafe: sessions in the process, gone when it dies.
      const { MemoryStore } = await load('@podsafe/core');
      return new MemoryStore();
    }
    default:
      throw new ConfigError(`unknown SESSION_BACKEND ${JSON.stringify(config.backend)}`);
  }
}

/** RedisStore options carrying the credentials, when there are any. */
function redisCredentials({ redisAuth }) {
  const { username, password } = redisAuth ?? {};
  if (username === undefined && password === undefined) return {};
  return { redisOptions: { ...(username !== undefined && { username }), ...(password !== undefined && { password }) } };
}

/**
 * Session options that turn on the "Your sessions" panel where the store can keep a
 * per-user index (Redis; not memcached, nor JWT without a revocation store). The
 * demo records each device's User-Agent to tell devices apart; the address is not kept.
 */
export function userSessionOptions(store) {
  return store.capabilities?.userIndex === true ? { userKey: 'user', recordUserAgent: true } : {};
}

/** Whether the engine needs its own signing secret: a client-side store signs its token itself. */
export function needsEngineSecret(config) {
  return config.backend !== 'jwt';
}

async function load(name) {
  try {
    return await import(name);
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' || error?.code === 'MODULE_NOT_FOUND') {
      throw new ConfigError(
        `${name} cannot be loaded (${error.message}). Build the workspace first: \`pnpm -r build\` at the repository root.`,
      );
    }
    throw error;
  }
}
