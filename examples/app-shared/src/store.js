// One place decides where sessions live. Each backend package is imported only
// when chosen, so a missing or unbuilt one only matters to whoever selects it.
import { ConfigError } from './config.js';

/** Creates the session store `config.backend` names. */
export async function createStore(config) {
  switch (config.backend) {
    case 'redis': {
      const { RedisStore } = await load('@podsafe/redis');
      return new RedisStore({ url: config.redisUrl });
    }
    case 'memcached': {
      const { MemcachedStore } = await load('@podsafe/memcached');
      return new MemcachedStore({ servers: config.memcachedServers });
    }
    case 'jwt': {
      // The cookie is the store: the same secrets sign the token, so every replica can read it.
      const { JwtStore } = await load('@podsafe/jwt');
      return new JwtStore({ secrets: config.secrets });
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

/** Whether the engine needs its own signing secret: a client-side store signs its token itself. */
export function needsEngineSecret(config) {
  return config.backend !== 'jwt';
}

async function load(name) {
  try {
    return await import(name);
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' || error?.code === 'MODULE_NOT_FOUND') {
      throw new ConfigError(`${name} cannot be loaded (${error.message}). Build the workspace first: \`pnpm -r build\` at the repository root.`);
    }
    throw error;
  }
}
