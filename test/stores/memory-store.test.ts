import { describeSessionStore } from '@podsafe/testkit';
import { MemoryStore } from '@podsafe/core';

describeSessionStore('MemoryStore', () => new MemoryStore(), {
  writeCorrupt: async (store, id) => store.putRaw(id, '{"data": "not an object"}', 600),
});
