import { describe, expect, it } from 'vitest';
import {
  CONTACT_CAP,
  CONVERSATION_CAP,
  FRIEND_CAP,
  INBOUND_CAP,
  STATE_WORDS,
} from './account-state.model.js';
import { account, msg, pair, T } from './risk-test.fixtures.js';
import { RiskEngine } from './risk.engine.js';

const TEXTS = [
  'how old are you',
  'what school do you go to',
  'keep this between us',
  'add me on otherapp',
  'send a photo',
  "let's meet up",
  "I'll buy you robux",
  "you're so mature",
];

describe('per-account state bound', () => {
  it('stays at fixed size for an adversarial account (thousands of contacts, blocks, conversations)', () => {
    const e = new RiskEngine();
    e.ingest(account('X', 'adult'));
    let t = T;
    for (let i = 0; i < 3000; i++) {
      const m = `m${i}`;
      e.ingest(account(m, i % 2 ? '13-15' : 'under13'));
      e.ingest(pair('contact_request', 'X', m, (t += 1000)));
      if (i % 3 === 0) e.ingest(pair('contact_accept', m, 'X', (t += 1000)));
      if (i % 2 === 0) e.ingest(pair(i % 4 ? 'block' : 'report', m, 'X', (t += 1000)));
      // A long producer id and conversation id on every message: they must not accumulate.
      const id = `${'x'.repeat(200)}-${i}`;
      e.ingest({
        ...msg('X', m, (t += 1000), TEXTS[i % TEXTS.length], id),
        conversation: `${'c'.repeat(200)}-${i}`,
      } as never);
      e.ingest(msg(m, 'X', (t += 1000)));
    }
    const s = e.store.get('X')!;
    expect(s.data!.length).toBe(STATE_WORDS);
    expect(s.contactsLen).toBe(CONTACT_CAP);
    expect(s.inboundLen).toBe(INBOUND_CAP);
    expect(s.friendsLen).toBe(FRIEND_CAP);
    expect(s.convLen).toBe(CONVERSATION_CAP);
    // Every field is a scalar or the one fixed-size array: nothing else can grow.
    for (const [k, v] of Object.entries(s)) {
      if (k === 'data') continue;
      expect(['number', 'string', 'boolean'], k).toContain(typeof v);
    }
    // The fixed part in bytes: the state array is at most 1.4 KB whatever the history.
    expect(STATE_WORDS * 4).toBeLessThanOrEqual(1400);
    // Evidence and conversations still explain the account.
    const r = e.accountRisk('X')!;
    expect(r.conversations).toHaveLength(CONVERSATION_CAP);
    expect(r.reasons.find((x) => x.signal === 'text_secrecy')?.evidence?.[0]?.eventId).toMatch(
      /^x+-2$/,
    );
  });
});
