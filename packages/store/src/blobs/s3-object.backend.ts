import type * as S3SdkModule from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectBackend } from './object.backend.js';

type S3Sdk = typeof S3SdkModule;

/** Where an {@link S3ObjectBackend} keeps its objects. */
export interface S3BackendOptions {
  /** Bucket (must exist). */
  readonly bucket: string;
  /** Prefix of every object name (`lifeguard/`), or empty. */
  readonly prefix: string;
  /** Region (default `us-east-1`). */
  readonly region?: string | undefined;
  /** Endpoint of an S3-compatible service; unset for AWS. */
  readonly endpoint?: string | undefined;
  /** Path-style addressing (self-hosted services). */
  readonly forcePathStyle?: boolean | undefined;
  /**
   * Explicit credentials (tests). Unset: the AWS SDK's default chain (environment
   * `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, shared config, instance roles) — credentials
   * never pass through Lifeguard's configuration or logs.
   */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

function status(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isMissing(e: unknown): boolean {
  const name = (e as { name?: unknown }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || status(e) === 404;
}

/**
 * Objects in an S3-compatible bucket, one object per blob (`<prefix><key>`). S3 writes are
 * atomic per object (a reader sees the old or the new object). Create-if-absent sends
 * `If-None-Match: *` (a conditional write: AWS S3 since 2024, MinIO, recent Ceph), after a
 * HEAD that catches the common case on services that ignore the header; on such services two
 * writers racing on one new key can both succeed, the last one winning.
 */
export class S3ObjectBackend implements ObjectBackend {
  readonly kind = 's3';
  private conn: Promise<{ sdk: S3Sdk; client: S3Client }> | undefined;

  /** @param opts bucket, prefix and connection */
  constructor(private readonly opts: S3BackendOptions) {}

  /**
   * The SDK is loaded on first use: it takes about a second to import on a busy machine, and
   * most installs (filesystem vault) and every CLI command that does not touch S3 should not
   * pay for it.
   */
  private s3(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    this.conn ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: this.newClient(sdk),
    }));
    return this.conn;
  }

  private newClient(sdk: S3Sdk): S3Client {
    const opts = this.opts;
    return new sdk.S3Client({
      region: opts.region ?? 'us-east-1',
      ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
      ...(opts.credentials ? { credentials: { ...opts.credentials } } : {}),
      // The vault checks integrity itself (AES-GCM tag and SHA-256); the SDK's optional CRC
      // trailers are not understood by every S3-compatible service.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private name(key: string): string {
    return `${this.opts.prefix}${key}`;
  }

  private async exists(name: string): Promise<boolean> {
    const { sdk, client } = await this.s3();
    try {
      await client.send(
        new sdk.HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.name(name) }),
      );
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  async createIfAbsent(name: string, object: Uint8Array): Promise<boolean> {
    if (await this.exists(name)) return false;
    const { sdk, client } = await this.s3();
    try {
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: this.opts.bucket,
          Key: this.name(name),
          Body: object,
          ContentType: 'application/octet-stream',
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (e) {
      // 412: another writer created it first; 409: a concurrent conditional write is in flight.
      if (status(e) === 412 || status(e) === 409) return false;
      throw e;
    }
  }

  async replace(name: string, object: Uint8Array): Promise<void> {
    const { sdk, client } = await this.s3();
    await client.send(
      new sdk.PutObjectCommand({
        Bucket: this.opts.bucket,
        Key: this.name(name),
        Body: object,
        ContentType: 'application/octet-stream',
      }),
    );
  }

  private async get(name: string, range?: string): Promise<Uint8Array | undefined> {
    const { sdk, client } = await this.s3();
    try {
      const r = await client.send(
        new sdk.GetObjectCommand({
          Bucket: this.opts.bucket,
          Key: this.name(name),
          ...(range ? { Range: range } : {}),
        }),
      );
      return r.Body ? await r.Body.transformToByteArray() : new Uint8Array(0);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  read(name: string): Promise<Uint8Array | undefined> {
    return this.get(name);
  }

  readHead(name: string, maxBytes: number): Promise<Uint8Array | undefined> {
    return this.get(name, `bytes=0-${maxBytes - 1}`);
  }

  async remove(name: string): Promise<boolean> {
    // DeleteObject succeeds whether or not the object existed; ask first to answer honestly.
    if (!(await this.exists(name))) return false;
    const { sdk, client } = await this.s3();
    await client.send(
      new sdk.DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.name(name) }),
    );
    return true;
  }

  async *list(prefix: string): AsyncIterable<string> {
    // ListObjectsV2 returns keys in ascending UTF-8 byte order, which for blob keys (ASCII)
    // is the order the filesystem backend sorts in.
    const { sdk, client } = await this.s3();
    let token: string | undefined;
    do {
      const r = await client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.opts.bucket,
          Prefix: this.name(prefix),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of r.Contents ?? []) {
        if (o.Key !== undefined) yield o.Key.slice(this.opts.prefix.length);
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }

  /** Close the HTTP connections. */
  async close(): Promise<void> {
    if (this.conn) (await this.conn).client.destroy();
  }
}
