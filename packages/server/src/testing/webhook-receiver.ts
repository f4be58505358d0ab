// Test helper: a loopback HTTP endpoint that records the webhooks a real server sends and
// whether each one's signature verifies with the endpoint's secret.
import { createServer } from 'node:http';
import { verifyWebhook } from '../webhooks/webhook.signer.js';

/** One delivery as received: whether its signature verified, and its parsed JSON body. */
export interface ReceivedWebhook {
  valid: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read payload fields freely
  body: any;
}

/** A running receiver: its URL, what it has received (in arrival order), and a way to stop it. */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

/** Listen on 127.0.0.1 (a free port) and answer every delivery with 200. */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const valid = verifyWebhook(
        secret,
        String(req.headers['lifeguard-timestamp']),
        body,
        String(req.headers['lifeguard-signature']),
      );
      received.push({ valid, body: JSON.parse(body) as unknown });
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
