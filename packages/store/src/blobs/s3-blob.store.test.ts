import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { blobStoreContract } from './blob-store.contract.js';
import { S3ObjectBackend } from './s3-object.backend.js';

// A real S3-compatible server (s3rver, from npm) on loopback, started by the test. s3rver
// ignores `If-None-Match` on PUT, so the "exactly one of several different writers wins"
// case is only guaranteed on services with conditional writes (AWS S3, MinIO) and skipped
// here; every other case runs.
blobStoreContract('S3 (s3rver)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lg-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'lg-vault', configs: [] }],
  });
  const { port } = await server.run();
  const backend = new S3ObjectBackend({
    bucket: 'lg-vault',
    prefix: 'test/',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    backend,
    atomicCreate: false,
    cleanup: async () => {
      await backend.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
