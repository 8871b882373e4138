import { BACKENDS } from '../support/backends.js';
import { fastifyDriver } from '../support/fastify-driver.js';
import { describeAdapterBehaviour } from './behaviour.js';

for (const backend of BACKENDS) describeAdapterBehaviour(fastifyDriver, backend);
