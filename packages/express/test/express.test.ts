import { BACKENDS } from '@podsafe/test-support/backends';
import { expressDriver } from '@podsafe/test-support/express-driver';
import { describeAdapterBehaviour } from '@podsafe/testkit';

for (const backend of BACKENDS) describeAdapterBehaviour(expressDriver, backend);
