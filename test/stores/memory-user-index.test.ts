import { MemoryStore } from '@podsafe/core';
import { describeUserIndex } from '@podsafe/testkit';

describeUserIndex('MemoryStore', () => new MemoryStore());
