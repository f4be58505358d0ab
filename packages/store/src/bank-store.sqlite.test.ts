import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bankStoreContract } from './bank-store.contract.js';
import { createStore } from './create-store.factory.js';

bankStoreContract('SQLite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lg-store-'));
  return Promise.resolve({
    open: () => createStore({ dataDir }),
    cleanup: () => {
      rmSync(dataDir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});
