import { BACKENDS } from '@podsafe/test-support/backends';
import { fastifyDriver } from '@podsafe/test-support/fastify-driver';
import { describeAdapterBehaviour } from '@podsafe/testkit';

for (const backend of BACKENDS) describeAdapterBehaviour(fastifyDriver, backend);
