import { BACKENDS } from '../support/backends.js';
import { expressDriver } from '../support/express-driver.js';
import { describeAdapterBehaviour } from './behaviour.js';

for (const backend of BACKENDS) describeAdapterBehaviour(expressDriver, backend);
