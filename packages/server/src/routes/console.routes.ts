import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Content-Security-Policy of every response: the console's own scripts and styles only, no
 * inline code, no third-party hosts, no framing; media arrives as same-origin `blob:` URLs.
 * (`style-src 'self'` still lets React set element styles through the CSSOM.)
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Security headers set on every response (API and console alike). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
};

/**
 * Where the built console is: `configured` (LIFEGUARD_CONSOLE_DIR), else the `dist` of the
 * `@lifeguard/web` workspace package, else undefined (not built).
 */
export function findConsoleDir(configured: string | undefined): string | undefined {
  const candidates: string[] = [];
  if (configured !== undefined) candidates.push(resolve(configured));
  else {
    try {
      const req = createRequire(import.meta.url);
      candidates.push(join(dirname(req.resolve('@lifeguard/web/package.json')), 'dist'));
    } catch {
      // not installed as a package: try the repository layout
    }
    candidates.push(resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist'));
  }
  return candidates.find((d) => existsSync(join(d, 'index.html')));
}

/**
 * Serve the review console: `GET /` is its `index.html` (never cached), `/assets/*` its
 * content-hashed files (cached for a year). When the console is not built, `GET /` says how
 * to build it instead of failing silently. Every response carries {@link SECURITY_HEADERS}.
 */
export async function consoleRoutes(app: FastifyInstance, dir: string | undefined): Promise<void> {
  app.addHook('onSend', (_request, reply, payload, done) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) {
      if (!reply.hasHeader(k)) void reply.header(k, v);
    }
    done(null, payload);
  });
  if (dir === undefined) {
    app.get('/', { schema: { hide: true } }, (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          'The review console is not built. Run `npm run build` in the Lifeguard checkout ' +
            '(or set LIFEGUARD_CONSOLE_DIR to a built packages/web/dist) and restart.\n',
        ),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
    dotfiles: 'deny',
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-store').sendFile('index.html', dir, { cacheControl: false }),
  );
}
