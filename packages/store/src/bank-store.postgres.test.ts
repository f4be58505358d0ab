import { describe, it } from 'vitest';
import { bankStoreContract } from './bank-store.contract.js';
import { createStore } from './create-store.factory.js';
import { createTestSchema, pgTestMode, pgTestUrl } from './testing/pg-test.helper.js';

const mode = await pgTestMode();

if (mode === 'run') {
  bankStoreContract('PostgreSQL', async () => {
    const s = await createTestSchema();
    return {
      open: () => createStore({ databaseUrl: s.url, pgSchema: s.schema, pgPoolSize: 4 }),
      cleanup: () => s.drop(),
    };
  });
} else {
  describe('BankStore contract: PostgreSQL', () => {
    // In CI PostgreSQL is started by .ci/run, so an unreachable server fails the run.
    it.skipIf(mode === 'skip')('PostgreSQL is reachable', () => {
      throw new Error(`PostgreSQL is not reachable at ${pgTestUrl()} (CI is set)`);
    });
  });
}
