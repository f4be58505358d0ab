// Minimal types for s3rver (a test-only dev dependency without its own declarations).
declare module 's3rver' {
  /** Options used by the tests; see s3rver's README. */
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    configureBuckets?: { name: string; configs: (string | Buffer)[] }[];
  }
  /** An S3-compatible server for tests. */
  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
