// Express 4 is in @podsafe/express's peer range: the shared suite proves it
// (on memory, Redis, and JWT, whose size limit exercises the commit-failure path).
import express4 from 'express4';
import { jwtBackend, memoryBackend, redisBackend } from '@podsafe/test-support/backends';
import { makeExpressDriver } from '@podsafe/test-support/express-driver';
import { describeAdapterBehaviour } from '@podsafe/testkit';

const driver = makeExpressDriver('express 4', express4);
for (const backend of [memoryBackend, redisBackend, jwtBackend]) describeAdapterBehaviour(driver, backend);
